"""`init_companies`: loading, re-loading and refusing bad sources, on moto."""

import http.server
import threading

import pytest
from django.core.management import CommandError, call_command

from companies import services
from companies.models import DELISTED, LISTED, Company
from scraping.asx import directory_rows
from tests.directories import small_directory


def listed_tickers() -> set[str]:
    return {c.ticker for c in Company.ticker_index.query(LISTED)}


def test_reload_updates_changed_fields_and_keeps_later_data(moto_table):
    services.directory_load(directory=small_directory(5))
    company = Company.get("T01", "COMPANY")
    refreshed_at = company.directory_seen
    company.update(actions=[Company.last_updated.set(refreshed_at)])

    changed = small_directory(5)
    row = changed.rows[1]
    changed.rows[1] = type(row)(**{**row.__dict__, "name": "Renamed Limited", "market_cap": None})
    result = services.directory_load(directory=changed)

    assert (result.added, result.updated, result.unchanged) == (0, 1, 4)
    company = Company.get("T01", "COMPANY")
    assert company.name == "Renamed Limited"
    assert company.market_cap is None
    assert company.last_updated == refreshed_at


def test_company_missing_from_new_list_is_delisted_not_deleted(moto_table):
    services.directory_load(directory=small_directory(5))
    shorter = small_directory(5)
    del shorter.rows[2]
    result = services.directory_load(directory=shorter)
    assert result.delisted == 1
    assert "T02" not in listed_tickers()
    assert Company.get("T02", "COMPANY").listing_status == DELISTED

    result = services.directory_load(directory=small_directory(5))
    assert result.relisted == 1
    assert "T02" in listed_tickers()


def test_truncated_directory_is_refused_and_delists_nothing(moto_table):
    services.directory_load(directory=small_directory(20))
    with pytest.raises(services.DirectoryShrank):
        services.directory_load(directory=small_directory(3))
    assert len(listed_tickers()) == 20


def test_command_loads_a_csv_and_reports_counts(moto_table, tmp_path, capsys):
    path = tmp_path / "dir.csv"
    path.write_text(
        '\ufeff"ASX code","Company name","GICs industry group","Listing date","Market Cap"\r\n'
        '"BHP","BHP GROUP LIMITED","Materials","13/08/1885",226951004061\r\n'
        '"","NO TICKER LTD","Materials","01/01/2000",5\r\n'
        '"14D","1414 DEGREES LIMITED","Capital Goods","12/09/2018",SUSPENDED\r\n'
    )
    call_command("init_companies", csv=str(path))
    out, err = capsys.readouterr()
    assert "added 2" in out and "rejected 1" in out
    assert "line 3" in err
    assert Company.get("14D", "COMPANY").market_cap is None
    assert Company.get("BHP", "COMPANY").listing_date == "1885-08-13"


def test_unreachable_asx_is_one_clear_error(moto_table):
    with pytest.raises(CommandError, match="could not download the ASX directory"):
        call_command("init_companies")
    assert listed_tickers() == set()


def test_download_from_url(moto_table, capsys):
    body = b'"ASX code","Company name","Listing date","GICs industry group","Market Cap"\n' + (
        b'"CBA","COMMONWEALTH BANK OF AUSTRALIA.","1991-09-12","Banks",164991004094\n'
    )

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        call_command("init_companies", url=f"http://127.0.0.1:{server.server_port}/directory")
    finally:
        server.shutdown()
    assert listed_tickers() == {"CBA"}


def test_sample_directory_loads_and_site_says_it_is_sample(moto_table, client):
    call_command("init_companies", sample=True)
    assert len(listed_tickers()) >= 30
    assert "Sample data" in client.get("/companies/").content.decode()


def test_if_empty_leaves_a_loaded_table_alone(moto_table, capsys):
    services.directory_load(directory=small_directory(50))
    call_command("init_companies", sample=True, if_empty=True)
    assert len(listed_tickers()) == 50
    assert "nothing loaded" in capsys.readouterr().out


def test_throttled_write_is_a_clear_error_and_loses_nothing(moto_table, monkeypatch):
    from pynamodb.exceptions import UpdateError

    services.directory_load(directory=small_directory(5))
    changed = small_directory(5)
    changed.rows[:] = [type(r)(**{**r.__dict__, "market_cap": 1}) for r in changed.rows]

    def throttled(self, actions, condition=None, **kwargs):
        raise UpdateError("ProvisionedThroughputExceededException: rate of requests exceeds")

    monkeypatch.setattr(Company, "update", throttled)
    monkeypatch.setattr(services.asx, "read_directory_file", lambda path: changed)
    with pytest.raises(CommandError, match="run init_companies again"):
        call_command("init_companies", csv="ignored.csv")
    monkeypatch.undo()
    assert len(listed_tickers()) == 5
    assert Company.get("T01", "COMPANY").market_cap == 20_000_000


def test_legacy_layout_keeps_the_market_caps_and_dates_it_does_not_publish(moto_table):
    services.directory_load(directory=small_directory(5))
    legacy = directory_rows(
        "ASX listed companies as at Sat Aug 04 22:03:15 AEST 2018\n\n"
        "Company name,ASX code,GICS industry group\n"
        + "".join(f'"Company {n:02d} Limited","T{n:02d}","Banks"\n' for n in range(5)),
        source="legacy",
    )
    result = services.directory_load(directory=legacy)
    assert (result.updated, result.unchanged) == (4, 1)  # T01 was in Banks already
    company = Company.get("T03", "COMPANY")
    assert company.market_cap == 40_000_000
    assert company.listing_date == "2000-03-31"
    assert company.industry_group == "Banks"
    by_cap = [c.ticker for c in Company.market_cap_index.query(LISTED, scan_index_forward=False)]
    assert by_cap == ["T04", "T03", "T02", "T01", "T00"]


def test_a_row_rejected_for_a_bad_cell_does_not_delist_its_company(moto_table):
    services.directory_load(directory=small_directory(3))
    text = (
        '"ASX code","Company name","Listing date","GICs industry group","Market Cap"\n'
        '"T00","Company 00 Limited","2000-01-01","Materials",10000000\n'
        '"T01","Company 01 Limited","31/31/2000","Banks",20000000\n'
        '"T02","Company 02 Limited","2000-03-01","Energy",30000000\n'
    )
    result = services.directory_load(directory=directory_rows(text, source="t"))
    assert result.delisted == 0
    assert listed_tickers() == {"T00", "T01", "T02"}
    assert Company.get("T01", "COMPANY").listing_date == "2000-01-31"
