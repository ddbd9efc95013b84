"""Static file storage for production: WhiteNoise's hashed, compressed copies (far-future cached).

Two differences from WhiteNoise's CompressedManifestStaticFilesStorage:
- URLs follow the request's script prefix. On API Gateway's execute-api host every URL must
  start with the stage (`/dev/static/...`). Django puts the prefix in front of a relative
  STATIC_URL but caches the result from its first use (WhiteNoise's start, outside any
  request), so the stock storage would hand out `/static/...` there. Here the base URL is built
  per call: `/dev/static/...` on the execute-api host, `/static/...` on a custom domain.
- A vendored library whose `sourceMappingURL` names a map we do not ship keeps that comment as
  it is instead of failing `collectstatic` (a missing map only matters in developer tools).
"""

from django.conf import settings
from django.urls import get_script_prefix
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    @property
    def base_url(self):
        # Django caches STATIC_URL with the script prefix of its first use (WhiteNoise's start,
        # outside any request), so rebuild it from the configured value on every call.
        configured = settings._wrapped.STATIC_URL
        if configured.startswith(("http://", "https://", "/")):
            return configured
        return get_script_prefix() + configured

    def url_converter(self, *args, **kwargs):
        convert = super().url_converter(*args, **kwargs)

        def convert_or_keep_source_map(matchobj):
            try:
                return convert(matchobj)
            except ValueError:
                if "sourceMappingURL" in matchobj["matched"]:
                    return matchobj["matched"]
                raise

        return convert_or_keep_source_map
