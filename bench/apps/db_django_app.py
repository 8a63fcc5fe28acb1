"""Django's ORM as a single-file project, the way its docs show: settings, models, urls, views.

Persistent connections (`CONN_MAX_AGE`) as the deployment docs advise; Django opens one per
server thread. The updates run in `transaction.atomic()` and write with `bulk_update`.
"""

from urllib.parse import urlsplit

import django
from db_common import (
    ADDED_FORTUNE,
    DB_URL,
    HELLO,
    TEMPLATES_DIR,
    query_count,
    random_id,
    random_ids,
)
from django.conf import settings

_url = urlsplit(DB_URL)
settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only-not-secret",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    USE_TZ=True,
    DATABASES={
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _url.path.lstrip("/"),
            "USER": _url.username or "",
            "PASSWORD": _url.password or "",
            "HOST": _url.hostname or "",
            "PORT": str(_url.port or 5432),
            "CONN_MAX_AGE": 600,
        }
    },
    TEMPLATES=[
        {"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [TEMPLATES_DIR]}
    ],
)
django.setup()

from django.db import models, transaction  # noqa: E402  (after settings, as Django requires)
from django.http import HttpResponse, JsonResponse  # noqa: E402
from django.shortcuts import render  # noqa: E402
from django.urls import path  # noqa: E402


class World(models.Model):
    randomnumber = models.IntegerField()

    class Meta:
        app_label = "bench"
        db_table = "world"
        managed = False


class Fortune(models.Model):
    message = models.CharField(max_length=2048)

    class Meta:
        app_label = "bench"
        db_table = "fortune"
        managed = False


def _world(world):
    return {"id": world.id, "randomNumber": world.randomnumber}


def single(request):
    return JsonResponse(_world(World.objects.get(id=random_id())))


def queries(request):
    ids = random_ids(query_count(request.GET.get("queries")))
    return JsonResponse([_world(World.objects.get(id=i)) for i in ids], safe=False)


def fortunes(request):
    items = list(Fortune.objects.all())
    items.append(Fortune(id=0, message=ADDED_FORTUNE))
    items.sort(key=lambda fortune: fortune.message)
    return render(request, "fortunes_django.html", {"fortunes": items})


def updates(request):
    ids = random_ids(query_count(request.GET.get("queries")))
    with transaction.atomic():
        worlds = [World.objects.get(id=i) for i in ids]
        for world in worlds:
            world.randomnumber = random_id()
        World.objects.bulk_update(sorted(set(worlds), key=lambda w: w.id), ["randomnumber"])
    return JsonResponse([_world(world) for world in worlds], safe=False)


def plaintext(request):
    return HttpResponse(HELLO, content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("db", single),
    path("queries", queries),
    path("fortunes", fortunes),
    path("updates", updates),
    path("plaintext", plaintext),
]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
