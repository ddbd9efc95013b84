"""Fixtures for the deploy tests: the sample ASX directory served from 127.0.0.1, and one
Lambda package built with `zappa package dev` per test session, unzipped."""

import http.server
import threading
from pathlib import Path

import pytest

from deploy import lambda_package

SAMPLE_DIRECTORY = (
    Path(__file__).resolve().parents[2] / "companies" / "sample_data" / "directory.csv"
)


@pytest.fixture(scope="session")
def directory_url():
    """The bundled sample directory (40 companies) over HTTP on 127.0.0.1, as the ASX serves it."""
    body = SAMPLE_DIRECTORY.read_bytes()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/directory.csv"
    server.shutdown()
    server.server_close()


@pytest.fixture
def directory_from(settings, directory_url):
    """Point init_companies at the local directory server (no fallback)."""
    settings.ASX_DIRECTORY_URL = directory_url
    settings.ASX_DIRECTORY_FALLBACK_URL = directory_url
    return directory_url


@pytest.fixture(scope="session")
def lambda_zip(tmp_path_factory):
    """`zappa package dev`, built once (runs the prebuild: collectstatic, checked-hash .pyc)."""
    out = tmp_path_factory.mktemp("package") / "asxdb-dev.zip"
    return lambda_package.build("dev", out)


@pytest.fixture(scope="session")
def lambda_dir(lambda_zip):
    return lambda_package.unpack(lambda_zip, lambda_zip.parent / "unzipped")


@pytest.fixture(scope="session")
def lambda_runtime(tmp_path_factory):
    return lambda_package.runtime_dir(tmp_path_factory.mktemp("runtime"))
