"""The build step Zappa runs before it zips a package (`prebuild_script` in zappa_settings.json).

Owns what the read-only Lambda package needs that the source tree does not hold:
- `collectstatic` with hashed names (WhiteNoise serves them from the package with far-future
  cache headers);
- bytecode for every module shipped, as checked-hash `.pyc`. Zappa dates every zip entry
  1980-01-01, so timestamp `.pyc` look stale against their sources and Lambda, unable to write
  them, recompiles on every cold start (about a second). A checked-hash `.pyc` is valid whatever
  the dates, and still never runs stale code: its source hash is checked on import.

Only what the package keeps is compiled (the exclude list of zappa_settings.json's base stage),
and a `.pyc` already matching its source is left alone, so a second build takes seconds.
"""

import fnmatch
import importlib.util
import json
import os
import py_compile
import subprocess
import sys
import sysconfig
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from asxdb_site.code_version import code_version_write  # noqa: E402

PROJECT_PACKAGES = ("asxdb_site", "companies", "scraping")
CHECKED_HASH_FLAGS = 0b11


def prepare() -> None:
    """Zappa's entry point: collect static files, then compile the bytecode."""
    collect_static()
    code_version_write()  # after collectstatic --clear, which empties staticfiles/
    compiled, current = compile_bytecode()
    print(f"prebuild: {compiled} modules compiled, {current} already current")


def collect_static() -> None:
    """`manage.py collectstatic` with the production storage (hashed, compressed copies)."""
    env = {
        **os.environ,
        "DJANGO_DEBUG": "false",
        "DJANGO_STATIC_MANIFEST": "true",
        # collectstatic signs nothing; the settings only insist on a key being present.
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY") or "collectstatic-build-only",
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--clear", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def _excluded_names() -> list[str]:
    settings = json.loads((ROOT / "zappa_settings.json").read_text())
    return settings["base"]["exclude"]


def _shipped_sources(site_packages: Path) -> list[Path]:
    excluded = _excluded_names()

    def kept(path: Path) -> bool:
        return not any(
            fnmatch.fnmatch(part, pattern) for part in path.parts for pattern in excluded
        )

    sources = []
    for top in [site_packages, *(ROOT / name for name in PROJECT_PACKAGES)]:
        base = top if top == site_packages else top.parent
        for path in top.rglob("*.py"):
            if kept(path.relative_to(base)):
                sources.append(path)
    return sources


def _is_current(source: Path) -> bool:
    cached = Path(importlib.util.cache_from_source(str(source)))
    try:
        header = cached.read_bytes()[:16]
    except OSError:
        return False
    if len(header) < 16 or header[:4] != importlib.util.MAGIC_NUMBER:
        return False
    if int.from_bytes(header[4:8], "little") != CHECKED_HASH_FLAGS:
        return False
    return header[8:16] == importlib.util.source_hash(source.read_bytes())


def _compile(source: Path) -> bool:
    """Compile one module unless its checked-hash .pyc is current; True when it compiled."""
    if _is_current(source):
        return False
    try:
        py_compile.compile(
            str(source),
            doraise=True,
            invalidation_mode=py_compile.PycInvalidationMode.CHECKED_HASH,
        )
    except (py_compile.PyCompileError, OSError):
        return False  # test data or Python 2 leftovers in a wheel; the import never happens
    return True


def compile_bytecode(site_packages: Path | None = None) -> tuple[int, int]:
    """Checked-hash `.pyc` for the project and every shipped module. Returns (compiled, current)."""
    site_packages = site_packages or Path(sysconfig.get_paths()["purelib"])
    sources = _shipped_sources(site_packages)
    with ProcessPoolExecutor() as pool:
        results = list(pool.map(_compile, sources, chunksize=64))
    compiled = sum(results)
    return compiled, len(results) - compiled


if __name__ == "__main__":
    prepare()
