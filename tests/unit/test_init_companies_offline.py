"""`init_companies` as `make run` calls it: no download when today's directory is loaded
(`--if-stale`), and a quick end when the ASX's host never accepts (`--connect-timeout`)."""

import datetime
import http.server
import socket
import threading
import time

import pytest
from django.core.management import CommandError, call_command

from companies import services
from companies.models import LISTED, Company, SiteStats
from tests.directories import small_directory

DIRECTORY = (
    b'"ASX code","Company name","Listing date","GICs industry group","Market Cap"\n'
    b'"CBA","COMMONWEALTH BANK OF AUSTRALIA.","1991-09-12","Banks",164991004094\n'
)


@pytest.fixture
def asx(settings):
    """A directory server standing in for the ASX; counts the downloads."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.end_headers()
            self.wfile.write(DIRECTORY)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.ASX_DIRECTORY_URL = f"http://127.0.0.1:{server.server_port}/directory"
    settings.ASX_DIRECTORY_FALLBACK_URL = f"http://127.0.0.1:{server.server_port}/legacy"
    yield hits
    server.shutdown()
    server.server_close()


@pytest.fixture
def unanswering_host():
    """host:port of a server whose accept queue is full, so a connect hangs (its SYNs are
    dropped) as it does to a host behind a firewall that drops packets."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    fillers = []
    for _ in range(8):
        filler = socket.socket()
        filler.setblocking(False)
        filler.connect_ex(address)
        fillers.append(filler)
    time.sleep(0.1)
    with socket.socket() as probe:
        probe.settimeout(0.5)
        try:
            probe.connect(address)
        except TimeoutError:
            pass
        else:
            pytest.skip("this kernel accepts past a full backlog: no hanging connect to test")
    yield f"127.0.0.1:{address[1]}"
    for filler in fillers:
        filler.close()
    listener.close()


def listed_tickers() -> set[str]:
    return {c.ticker for c in Company.ticker_index.query(LISTED)}


def test_if_stale_downloads_nothing_when_the_directory_was_loaded_today(moto_table, asx, capsys):
    services.directory_load(directory=small_directory(5))
    call_command("init_companies", if_stale=True)
    assert asx == []
    assert "loaded today" in capsys.readouterr().out
    assert len(listed_tickers()) == 5


def test_if_stale_downloads_when_the_directory_is_from_yesterday(moto_table, asx):
    services.directory_load(directory=small_directory(1))
    stats = SiteStats.get(SiteStats.pk.default, SiteStats.sk.default)
    stats.directory_loaded -= datetime.timedelta(days=1)
    stats.save()
    call_command("init_companies", if_stale=True, allow_shrink=True)
    assert asx == ["/directory"]
    assert listed_tickers() == {"CBA"}


def test_if_stale_never_counts_the_sample_as_loaded(moto_table, asx):
    call_command("init_companies", sample=True)
    call_command("init_companies", if_stale=True, allow_shrink=True)
    assert asx == ["/directory"]
    assert "CBA" in listed_tickers()


def test_connect_timeout_gives_up_on_a_host_that_never_accepts(
    moto_table, settings, unanswering_host
):
    settings.ASX_DIRECTORY_URL = f"http://{unanswering_host}/directory"
    settings.ASX_DIRECTORY_FALLBACK_URL = f"http://{unanswering_host}/legacy"
    started = time.monotonic()
    with pytest.raises(CommandError, match="could not download the ASX directory") as failed:
        call_command("init_companies", connect_timeout=0.5)
    assert time.monotonic() - started < 3  # two hosts tried, each abandoned after 0.5 s
    assert "/directory" in str(failed.value) and "/legacy" in str(failed.value)
    assert listed_tickers() == set()


def test_connect_timeout_still_downloads_from_a_host_that_answers(moto_table, asx):
    call_command("init_companies", connect_timeout=0.5)
    assert asx == ["/directory"]
    assert listed_tickers() == {"CBA"}


@pytest.mark.parametrize("seconds", ["0", "-1", "soon"])
def test_connect_timeout_must_be_a_positive_number(moto_table, seconds):
    with pytest.raises(CommandError, match="connect-timeout"):
        call_command("init_companies", f"--connect-timeout={seconds}")
