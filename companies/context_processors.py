"""Values every template can use."""

from django.utils.functional import SimpleLazyObject

from companies import selectors


def site(request):
    # Read only when a template asks (the sample-data banner), and then from the cache.
    return {"directory": SimpleLazyObject(selectors.directory_summary)}
