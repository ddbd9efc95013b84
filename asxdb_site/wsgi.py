"""WSGI entry point (Zappa's `app_function` on Lambda; runserver and gunicorn use it locally).

Building the application also does, once, the work every page request would otherwise do on the
first one: import the URLconf (and the views it imports), compile the template every page
extends, create the DynamoDB clients. A page's own template is compiled by its first request:
compiling every page's here cost each cold start more than the one page it serves. On Lambda
this module is imported in the init phase (zappa_settings.json sets
INSTANTIATE_LAMBDA_HANDLER_ON_IMPORT), which runs before the first request with more CPU.
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "asxdb_site.settings")

# What every page renders; the cached template loader keeps them compiled.
PAGE_TEMPLATES = ("base.html", "includes/_ticker_box.html")


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
