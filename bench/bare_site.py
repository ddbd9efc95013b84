"""A bare Django for bench/page_cache.py: one view returning a constant response, no middleware,
no apps, no templates (settings and URLconf in one module: DJANGO_SETTINGS_MODULE=bench.bare_site).
"""

from django.http import HttpResponse
from django.urls import path

DEBUG = False
SECRET_KEY = "bench-bare-secret"
ALLOWED_HOSTS = ["testserver", "127.0.0.1"]
ROOT_URLCONF = "bench.bare_site"
INSTALLED_APPS = []
MIDDLEWARE = []
DATABASES = {}
USE_TZ = True

BODY = b"<!doctype html><title>ASX DB</title><p>Hello.</p>\n"


def constant(request):
    return HttpResponse(BODY, content_type="text/html; charset=utf-8")


urlpatterns = [path("", constant)]
