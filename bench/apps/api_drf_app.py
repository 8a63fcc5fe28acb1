"""Django REST framework: an APIView validating the body with a Serializer of the same 20 rules.

A single-file Django project as django_app.py builds it, with rest_framework installed, JSON-only
parser and renderer (a production API's usual settings), no authentication or permissions.
`application` is the WSGI entry point (DRF's views are sync).
"""

import django
from api_common import EMAIL, POSTCODE
from django.conf import settings
from django.urls import path

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench-only-not-secret",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=[],
    INSTALLED_APPS=["django.contrib.contenttypes", "django.contrib.auth", "rest_framework"],
    DATABASES={},
    USE_TZ=False,
    REST_FRAMEWORK={
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
        "DEFAULT_AUTHENTICATION_CLASSES": [],
        "DEFAULT_PERMISSION_CLASSES": [],
        "UNAUTHENTICATED_USER": None,
    },
)
django.setup()

from rest_framework import serializers  # noqa: E402  (after settings, as Django requires)
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402


class OrderSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1)
    customer = serializers.CharField(min_length=1, max_length=100)
    email = serializers.RegexField(EMAIL, max_length=200)
    quantity = serializers.IntegerField(min_value=1, max_value=1000)
    unit_price = serializers.FloatField(min_value=0)
    discount = serializers.FloatField(min_value=0, max_value=1)
    currency = serializers.ChoiceField(["EUR", "USD", "GBP"])
    express = serializers.BooleanField()
    gift = serializers.BooleanField()
    note = serializers.CharField(max_length=500, allow_null=True, required=False, default=None)
    tags = serializers.ListField(child=serializers.CharField(), max_length=10)
    street = serializers.CharField(min_length=1, max_length=200)
    city = serializers.CharField(min_length=1, max_length=100)
    postcode = serializers.RegexField(POSTCODE)
    country = serializers.CharField(min_length=2, max_length=2)
    phone = serializers.CharField(min_length=5, max_length=30)
    created = serializers.DateTimeField()
    delivery_date = serializers.DateField()
    priority = serializers.IntegerField(min_value=0, max_value=9)
    reference = serializers.UUIDField()


class Echo(APIView):
    def post(self, request):
        serializer = OrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.data)


urlpatterns = [path("echo", Echo.as_view())]

from django.core.wsgi import get_wsgi_application  # noqa: E402

application = get_wsgi_application()
