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
# Tries of one DynamoDB request before it fails: botocore's standard retry mode backs off
# throttling with full jitter (rand(0, 1) x min(2 ** attempt, 20) s), and so does the retry it
# leaves to us (a batch's unprocessed items, companies/services.py).
DYNAMODB_MAX_ATTEMPTS = env.int("DYNAMODB_MAX_ATTEMPTS", default=6)
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
# Seconds a company's stored figures may be served from this process's memory.
COMPANY_CACHE_SECONDS = env.int("COMPANY_CACHE_SECONDS", default=60)
# HTTP caching (asxdb_site/http_caching.py): a page stays true until its data's next refresh can
# land, but never past the next multiple of HTTP_CACHE_MAX_SECONDS (pages say "3 h ago", and a
# change the directory index cannot see shows by then); browsers and CloudFront may serve a
# stale copy for HTTP_STALE_WHILE_REVALIDATE_SECONDS more while they ask again; a 404 is kept
# HTTP_NOT_FOUND_SECONDS. Whole pages are kept in the process cache as long as Cache-Control says.
HTTP_CACHE_MAX_SECONDS = env.int("HTTP_CACHE_MAX_SECONDS", default=3600)
HTTP_STALE_WHILE_REVALIDATE_SECONDS = env.int("HTTP_STALE_WHILE_REVALIDATE_SECONDS", default=60)
HTTP_NOT_FOUND_SECONDS = env.int("HTTP_NOT_FOUND_SECONDS", default=30)
PAGE_CACHE_ENTRIES = env.int("PAGE_CACHE_ENTRIES", default=1000)

# The fundamentals refresh (companies/refresh.py). YAHOO_BASE_URL unset means the real Yahoo.
YAHOO_BASE_URL = env("YAHOO_BASE_URL", default=None) or None
YAHOO_REQUESTS_PER_SECOND = env.float("YAHOO_REQUESTS_PER_SECOND", default=8.0)
YAHOO_TIMEOUT_SECONDS = env.float("YAHOO_TIMEOUT_SECONDS", default=10.0)
# yfinance's cookie and timezone caches; the package is read-only on Lambda, /tmp is not.
YAHOO_CACHE_DIR = env(
    "YAHOO_CACHE_DIR",
    default="/tmp/asxdb-yfinance"
    if env("AWS_LAMBDA_FUNCTION_NAME", default=None)
    else str(BASE_DIR / ".yfinance-cache"),
)
REFRESH_INTERVAL_HOURS = env.float("REFRESH_INTERVAL_HOURS", default=24.0)
REFRESH_BATCH = env.int("REFRESH_BATCH", default=200)
REFRESH_CONCURRENCY = env.int("REFRESH_CONCURRENCY", default=4)
# Under the Lambda timeout of the scheduled refresh (zappa_settings.json timeout_seconds).
REFRESH_BUDGET_SECONDS = env.float("REFRESH_BUDGET_SECONDS", default=240.0)
# No company starts with less than this left of the budget (raised to the slowest seen).
REFRESH_COMPANY_SECONDS = env.float("REFRESH_COMPANY_SECONDS", default=15.0)
# A run takes each company from the queue before fetching it, for this long (keep it at least the
# Lambda timeout): a duplicate or overlapping run finds it taken, and one that died lets it go.
REFRESH_CLAIM_SECONDS = env.float("REFRESH_CLAIM_SECONDS", default=300.0)
# After a run Yahoo rate limited (429s in a row), no run asks Yahoo anything for this long,
# doubling with each such run up to YAHOO_PAUSE_MAX_MINUTES; the next run then sends one company
# first and goes on at full rate only if Yahoo answers it.
YAHOO_PAUSE_MINUTES = env.float("YAHOO_PAUSE_MINUTES", default=10.0)
YAHOO_PAUSE_MAX_MINUTES = env.float("YAHOO_PAUSE_MAX_MINUTES", default=60.0)
# The prices refresh (companies/market/refresh.py): a company's prices are next due on the next
# weekday at this hour (UTC; 07:00 is 17:00 or 18:00 in Sydney, after the ASX close).
PRICES_REFRESH_HOUR_UTC = env.int("PRICES_REFRESH_HOUR_UTC", default=7)
# How long the prices refresh keeps running after that hour (zappa_settings.json: every 5 minutes
# from 07:00 to 09:55 UTC): a close may land any time in it.
PRICES_REFRESH_WINDOW_MINUTES = env.int("PRICES_REFRESH_WINDOW_MINUTES", default=180)
PRICES_BATCH = env.int("PRICES_BATCH", default=1000)

# `POST /init/` (companies/iam_init.py): who may start the directory load, proven by a presigned
# STS GetCallerIdentity that names this site (INIT_SERVER_ID) and is checked at INIT_STS_ENDPOINT.
INIT_SERVER_ID = env("INIT_SERVER_ID", default="")
INIT_STS_ENDPOINT = env("INIT_STS_ENDPOINT", default="https://sts.amazonaws.com/")
INIT_ALLOWED_PRINCIPALS = [
    arn.strip() for arn in env.list("INIT_ALLOWED_PRINCIPALS", default=[]) if arn.strip()
]
# Anyone can post a well-formed proof: STS gets this long to answer (seconds; no answer is a
# 503), and the site sends at most INIT_STS_PER_MINUTE proofs a minute to STS, counted in the
# table across every Lambda instance (past it, 429; 0 turns STS-checked init off).
INIT_STS_TIMEOUT_SECONDS = env.float("INIT_STS_TIMEOUT_SECONDS", default=3.0)
INIT_STS_PER_MINUTE = env.int("INIT_STS_PER_MINUTE", default=30)

# HTTPS. API Gateway only speaks HTTPS and Zappa marks every request secure, so on Lambda the
# redirect never fires; it stays off locally, where runserver speaks plain HTTP.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=False)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
# `preload` asks browsers to hard-code HTTPS for the domain and all its subdomains, and leaving
# the preload list takes months: an operator's decision for a domain they own, never a default.
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [
    # No CSRF middleware on purpose: nothing authenticates with cookies or sessions (there are
    # none), and the one POST (/init/) is authorised by a signed STS request in its body.
    "security.W003",
    # "SECURE_HSTS_PRELOAD is not True": off by default on purpose (above).
    "security.W021",
]

INSTALLED_APPS = [
    "django.contrib.staticfiles",
    "companies",
]

MIDDLEWARE = [
    "asxdb_site.middleware.RequestLogMiddleware",
    # Before the rest: a cached page skips them, and carries the headers they added when it was
    # stored (CSP, HSTS, X-Frame-Options, nosniff); Cache-Control, ETag and compression on all.
    "asxdb_site.http_caching.PageCacheMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "asxdb_site.static_files.StaticFilesMiddleware",  # WhiteNoise, listing files on first use
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.common.CommonMiddleware",
    # After CommonMiddleware (which checks the Host first): a method a URL does not answer is a
    # 405, and a POST to a URL without its slash is a 308, never Django's redirect or error.
    "asxdb_site.middleware.AllowedMethodsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: a matching If-None-Match is a 304 before the view runs.
    "asxdb_site.http_caching.NotModifiedMiddleware",
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
        # rendered pages (asxdb_site/http_caching.py) share it with the listing's fragments
        "OPTIONS": {"MAX_ENTRIES": PAGE_CACHE_ENTRIES},
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
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed file names (far-future caching) need `collectstatic` first; local runs and tests serve
# straight from static/.
STATIC_MANIFEST = env.bool("DJANGO_STATIC_MANIFEST", default=not DEBUG)
# Local runs and tests serve static/ itself through the finders, never an older collectstatic
# copy that a package build left in staticfiles/.
STATIC_ROOT = BASE_DIR / "staticfiles" if STATIC_MANIFEST else None
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST
STORAGES = {
    "staticfiles": {
        "BACKEND": "asxdb_site.storage.StaticStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"line": {"format": "%(levelname)s %(name)s %(message)s"}},
    "filters": {"one_line_warning": {"()": "asxdb_site.middleware.OneLineWarning"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "botocore": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        "pynamodb": {"level": "WARNING"},
        # Zappa's Apache-style access line repeats ours (asxdb_site/middleware.py) with the query
        # string, client address and user agent; one line per request is enough.
        "zappa.wsgi": {"level": "WARNING"},
        # A request Django refuses as suspicious (a Host not in ALLOWED_HOSTS, too many
        # parameters, too large a body) is the client's doing: one WARNING line each, without
        # the traceback Django attaches at ERROR.
        **{
            f"django.security.{name}": {"filters": ["one_line_warning"]}
            for name in (
                "DisallowedHost",
                "TooManyFieldsSent",
                "RequestDataTooBig",
                "DisallowedRedirect",
            )
        },
    },
}
