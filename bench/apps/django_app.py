"""Django as a single file, the way its docs build a minimal project: settings, urls, views.

`application` is the WSGI entry point, `asgi_application` the ASGI one (views stay sync, so Django
runs them through asgiref's thread pool, as a real project with sync views would). With
BENCH_PAGE=1, /page is `render()` of templates_django/page.html by the Django template engine.
"""

import django
from common import DJANGO_DIR, FILLERS, HELLO, PAGE, page_context
from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only-not-secret",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=[],
    DATABASES={},
    USE_TZ=True,
    TEMPLATES=[
        {"BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [DJANGO_DIR]}
    ],
)
django.setup()


def plaintext(request):
    return HttpResponse(HELLO, content_type="text/plain; charset=utf-8")


def json(request):
    return JsonResponse({"message": HELLO})


def item(request, id):
    return JsonResponse({"id": id})


urlpatterns = [path(f"filler{i}/<int:id>", item, name=f"filler{i}") for i in FILLERS]
urlpatterns += [
    path("plaintext", plaintext),
    path("json", json),
    path("items/<int:id>", item),
]

if PAGE:
    from django.shortcuts import render

    CONTEXT = page_context()

    def page(request):
        return render(request, "page.html", {"title": CONTEXT["title"], "rows": CONTEXT["rows"]})

    urlpatterns.append(path("page", page))

from django.core.asgi import get_asgi_application  # noqa: E402  (after settings, as Django requires)
from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
asgi_application = get_asgi_application()
