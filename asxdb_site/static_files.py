"""WhiteNoise, listing its files on the first request that could be for one rather than when the
process starts.

Listing STATIC_ROOT (a stat of every file, the manifest read for each hashed name) is about 12 ms
of every cold start, and most cold starts serve a page: the browser and CloudFront keep the
static files a year. The first request for a static file (or for any path, when WHITENOISE_ROOT
serves files at the site's root) lists them, once, other threads waiting meanwhile.
"""

import threading

from django.conf import settings
from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    def __init__(self, get_response=None, settings=settings):
        self._listings = []  # WhiteNoise's own listing calls, deferred
        self._anywhere = False  # a listing serves paths outside static_prefix
        self._listed = threading.Event()
        self._listing_lock = threading.Lock()
        super().__init__(get_response, settings)

    def add_files(self, root, prefix=None):
        if self._listed.is_set():
            return super().add_files(root, prefix)
        self._anywhere = self._anywhere or not prefix
        self._listings.append(lambda: super(StaticFilesMiddleware, self).add_files(root, prefix))

    def add_files_from_finders(self):
        self._listings.append(super().add_files_from_finders)

    def list_files(self) -> None:
        with self._listing_lock:
            if self._listed.is_set():
                return
            for listing in self._listings:
                listing()
            self._listings.clear()
            self._listed.set()

    def __call__(self, request):
        if not self._listed.is_set() and (
            self._anywhere or request.path_info.startswith(self.static_prefix)
        ):
            self.list_files()
        return super().__call__(request)
