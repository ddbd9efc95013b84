"""Settings for ASX DB, all read from the environment (see `.env.example` and the README).

The app's data lives in DynamoDB through PynamoDB; Django itself needs no SQL database, so none is
configured: sessions and messages are not used, and the cache is per-process memory.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env")  # values already in the environment win

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="") or ("insecure-local-only-key" if DEBUG else None)
if SECRET_KEY is None:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY (or DJANGO_DEBUG=true for local work).")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

DYNAMODB_TABLE = env("DYNAMODB_TABLE", default="asxdb-local")
DYNAMODB_ENDPOINT_URL = env("DYNAMODB_ENDPOINT_URL", default=None) or None
AWS_REGION = env("AWS_REGION", default="ap-southeast-2")

ASX_DIRECTORY_URL = env(
    "ASX_DIRECTORY_URL",
    default="https://asx.api.markitdigital.com/asx-research/1.0/companies/directory/file",
)
ASX_DIRECTORY_FALLBACK_URL = env(
    "ASX_DIRECTORY_FALLBACK_URL",
    default="https://www.asx.com.au/asx/research/ASXListedCompanies.csv",
)
# Seconds a rendered listing page may be served from this process's memory.
LISTING_CACHE_SECONDS = env.int("LISTING_CACHE_SECONDS", default=60)

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "companies",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "asxdb_site.urls"
WSGI_APPLICATION = "asxdb_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "companies.context_processors.site",
            ],
        },
    },
]

DATABASES = {}

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "asxdb",
    }
}

from django.utils.csp import CSP  # noqa: E402

SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "frame-ancestors": [CSP.NONE],
}

LANGUAGE_CODE = "en-au"
TIME_ZONE = "Australia/Sydney"
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed file names (far-future caching) need `collectstatic` first; local runs and tests serve
# straight from static/.
STATIC_MANIFEST = env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
STORAGES = {
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "botocore": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        "pynamodb": {"level": "WARNING"},
    },
}
