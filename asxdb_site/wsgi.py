"""WSGI entry point (Zappa's `app_function` on Lambda; runserver and gunicorn use it locally).

Building the application also does, once, the work every page request would otherwise do on the
first one: import the URLconf (and the views it imports), compile the pages' templates, create the
DynamoDB client. On Lambda this module is imported in the init phase (zappa_settings.json sets
INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT), which runs before the first request with more CPU.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asxdb_site.settings")

# What a page request renders; the cached template loader keeps them compiled.
PAGE_TEMPLATES = (
    "companies/home.html",
    "companies/company_list.html",
    "companies/company_detail.html",
    "companies/search.html",
    "404.html",
)


def warm_up() -> None:
    from django.template.loader import get_template
    from django.urls import reverse

    from companies.models import Company, PriceSeries, SiteStats, Statement, connections_open

    reverse("home")  # imports the URLconf and builds its reverse map
    for name in PAGE_TEMPLATES:
        get_template(name)
    connections_open(SiteStats, Company, Statement, PriceSeries)  # what pages read


application = get_wsgi_application()
warm_up()
