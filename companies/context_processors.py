"""Values every template can use."""

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.templatetags.static import static
from django.urls import get_script_prefix, reverse
from django.utils.functional import SimpleLazyObject

from companies import selectors

# The links every page's header and footer carry: reversed once per stage prefix, not per page
# (eleven {% url %} and {% static %} tags were a tenth of a statement page's own time).
SITE_URLS = ("home", "company_list", "screener", "compare", "search", "api_search", "api_index")
SITE_STATIC = {"favicon": "favicon.svg", "css": "css/site.css", "search_js": "js/search.js"}


@lru_cache(maxsize=16)
def _site_links(script_prefix: str, static_url: str) -> dict:
    links = {name: reverse(name) for name in SITE_URLS}
    links["company_template"] = reverse("company_detail", args=["TICKER"])
    links.update({key: static(path) for key, path in SITE_STATIC.items()})
    return links


@receiver(setting_changed)
def _site_links_forget(**kwargs):
    _site_links.cache_clear()


def site(request):
    return {
        # Read only when a template asks (the sample-data banner), and then from the cache.
        "directory": SimpleLazyObject(selectors.directory_summary),
        "site_links": _site_links(get_script_prefix(), settings.STATIC_URL),
    }
