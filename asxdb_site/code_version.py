"""The version of the code a process serves: part of every ETag (asxdb_site/http_caching.py), so
that a `zappa update` that changes a page's code or template changes its validators.

A content hash of the project's sources, templates and static files. The package build writes
it next to the collected static files (deploy/prebuild.py), so a Lambda container reads one
short file instead of hashing ~1.4 MB of files; a source tree without that file (local runs,
tests) hashes itself once, on first use. Free of Django, so the build step can import it.
"""

import contextlib
import functools
import hashlib
import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HASHED = ("asxdb_site", "companies", "scraping", "templates", "static")
FILE_NAME = "code-version.txt"  # in STATIC_ROOT (staticfiles/), shipped with the package
SKIPPED_SUFFIXES = (".pyc", ".pyo")


def code_version_compute(*, root: Path = ROOT) -> str:
    """16 hex digits of a hash of every file under HASHED (names and contents)."""
    digest = hashlib.blake2b(digest_size=8)
    for top in HASHED:
        for dirpath, dirnames, filenames in os.walk(root / top):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            for name in sorted(filenames):
                if name.endswith(SKIPPED_SUFFIXES):
                    continue
                path = Path(dirpath) / name
                digest.update(str(path.relative_to(root)).encode())
                digest.update(b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def code_version_write(*, root: Path = ROOT, static_root: Path | None = None) -> str:
    """Write the version into the collected static files (the build step); returns it."""
    version = code_version_compute(root=root)
    target = (static_root or root / "staticfiles") / FILE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(version + "\n")
    return version


@functools.cache
def code_version(*, built: bool) -> str:
    """The build's written version when serving a built package (`built`: the hashed static
    files of a build are in use), else the tree's own hash: a local tree never trusts a file
    an older build left behind."""
    written = ""
    if built:
        with contextlib.suppress(OSError):
            written = (ROOT / "staticfiles" / FILE_NAME).read_text().strip()
    return written or code_version_compute()
