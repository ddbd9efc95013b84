"""WSGI entry point (Zappa wraps this on Lambda; runserver uses it locally)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asxdb_site.settings")

application = get_wsgi_application()
