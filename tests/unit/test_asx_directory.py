"""scraping.asx: the ASX directory layouts, bad lines, and downloading with a fallback.

The three published files are read from /work/shared/data when this machine has them;
elsewhere a synthetic file of the same shape and counts stands in, so nothing skips.
"""

import datetime
import http.server
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from string import ascii_uppercase

import pytest

from scraping.asx import (
    Directory,
    DirectoryRow,
    RejectedRow,
    directory_rows,
    fetch_directory,
    read_directory_file,
)
from scraping.errors import DirectoryFormatError, DirectoryUnavailable
from tests.directories import SHARED_DATA

# The published files, where this machine keeps them (outside the repository).
PUBLISHED = SHARED_DATA
SAMPLE = Path(__file__).resolve().parents[2] / "companies/sample_data/directory.csv"
HEADER_2022 = '"ASX code","Company name","Listing date","GICs industry group","Market Cap"'
HEADER_2024 = '"ASX code","Company name","GICs industry group","Listing date","Market Cap"'
HEADER_2018 = "Company name,ASX code,GICS industry group"
BHP_2022 = '"BHP","BHP GROUP LIMITED","1885-08-13","Materials",243497745439'
BHP_2024 = '"BHP","BHP GROUP LIMITED","Materials","13/08/1885",226951004061'


def _published(file_name: str, synthesize: Callable[[], str]) -> Directory:
    """The real published file when present, else `synthesize()` parsed the same way."""
    path = PUBLISHED / file_name
    if path.exists():
        return read_directory_file(path)
    return directory_rows(synthesize(), source=file_name)


def _synthetic(
    preamble: list[str],
    header: str,
    known: list[str],
    total: int,
    filler: Callable[[int, str], str],
) -> str:
    """A directory of `total` rows: the `known` real rows, then filler(i, ticker)."""
    tickers = (f"{letter}{n:02d}" for letter in ascii_uppercase for n in range(100))
    rows = [filler(i, next(tickers)) for i in range(total - len(known))]
    return "\n".join([*preamble, header, *known, *rows])


def _synthetic_2022() -> str:
    # Like the real file: 79 N/A caps, then 25 caps of 0, 23 of them with no date.
    def filler(i: int, ticker: str) -> str:
        cap = "N/A" if i < 79 else "0" if i < 104 else str(1_000_000 + i)
        date = "" if 79 <= i < 102 else "2010-01-04"
        return f'"{ticker}","{ticker} LIMITED","{date}","Materials",{cap}'

    known = ['"14D","1414 DEGREES LIMITED","2018-09-12","Capital Goods",20148546']
    return _synthetic([], HEADER_2022, [*known, BHP_2022], 2109, filler)


def _synthetic_2024() -> str:
    def filler(i: int, ticker: str) -> str:
        cap = "SUSPENDED" if i < 109 else "--" if i < 111 else str(1_000_000 + i)
        return f'"{ticker}","{ticker} LIMITED","Materials","04/01/2010",{cap}'

    known = ['"14D","1414 DEGREES LIMITED","Capital Goods","12/09/2018",15480954']
    return _synthetic([], HEADER_2024, [*known, BHP_2024], 2000, filler)


def _synthetic_2018() -> str:
    def filler(i: int, ticker: str) -> str:
        return f'"{ticker} LIMITED","{ticker}","Materials"'

    title = "ASX listed companies as at Sat Aug 04 22:03:15 AEST 2018"
    known = [
        '"MOQ LIMITED","MOQ","Software & Services"',
        '"BHP BILLITON LIMITED","BHP","Materials"',
        '"CONTANGO INCOME GENERATOR  LIMITED","CIE","Not Applic"',
    ]
    return _synthetic([title, ""], HEADER_2018, known, 2269, filler) + "\n"


def _by_ticker(directory: Directory) -> dict[str, DirectoryRow]:
    return {row.ticker: row for row in directory.rows}


def test_2022_layout_loads_every_company_with_iso_dates():
    directory = _published("ASX_Listed_Companies_2022-02-24.csv", _synthetic_2022)

    assert (len(directory.rows), directory.rejected) == (2109, [])
    assert directory.rows[0].ticker == "14D" and directory.rows[0].line == 2
    assert directory.rows[-1].line == 2110
    bhp = _by_ticker(directory)["BHP"]
    assert bhp.name == "BHP GROUP LIMITED"
    assert bhp.industry_group == "Materials"
    assert bhp.listing_date == datetime.date(1885, 8, 13)
    assert bhp.market_cap == 243_497_745_439
    # N/A and 0 caps are missing, not zero; some new listings have no date yet.
    assert sum(row.market_cap is None for row in directory.rows) == 79 + 25
    assert sum(row.listing_date is None for row in directory.rows) == 23


def test_2024_layout_parses_dd_mm_yyyy_dates():
    directory = _published("ASX_Listed_Companies_2024-04-07.csv", _synthetic_2024)

    assert (len(directory.rows), directory.rejected) == (2000, [])
    assert directory.rows[0].listing_date == datetime.date(2018, 9, 12)
    bhp = _by_ticker(directory)["BHP"]
    assert bhp.name == "BHP GROUP LIMITED"
    assert bhp.industry_group == "Materials"
    assert bhp.listing_date == datetime.date(1885, 8, 13)
    assert bhp.market_cap == 226_951_004_061
    # SUSPENDED and -- caps.
    assert sum(row.market_cap is None for row in directory.rows) == 109 + 2
    assert all(row.listing_date for row in directory.rows)


def test_2018_legacy_layout_skips_its_title_and_has_no_dates_or_caps():
    directory = _published("ASXListedCompanies_2018-08-04.csv", _synthetic_2018)

    assert (len(directory.rows), directory.rejected) == (2269, [])
    first = directory.rows[0]
    assert (first.ticker, first.name, first.line) == ("MOQ", "MOQ LIMITED", 4)
    bhp = _by_ticker(directory)["BHP"]
    assert (bhp.name, bhp.industry_group) == ("BHP BILLITON LIMITED", "Materials")
    assert all(row.listing_date is None for row in directory.rows)
    assert all(row.market_cap is None for row in directory.rows)
    assert _by_ticker(directory)["CIE"].name == "CONTANGO INCOME GENERATOR LIMITED"


def test_columns_are_found_by_name_in_any_order():
    text = (
        "Market Cap , gics INDUSTRY group,Listing Date,Company  Name, asx code \n"
        '"1,234,567","Banks","12/09/1991","COMMONWEALTH BANK OF AUSTRALIA.","CBA"\n'
    )

    (row,) = directory_rows(text).rows

    assert row.ticker == "CBA"
    assert row.name == "COMMONWEALTH BANK OF AUSTRALIA."
    assert row.industry_group == "Banks"
    assert row.listing_date == datetime.date(1991, 9, 12)
    assert row.market_cap == 1_234_567


def test_bom_and_crlf_change_nothing(tmp_path):
    text = f"{HEADER_2022}\n{BHP_2022}\n\n" + '"A2M","THE A2 MILK COMPANY LIMITED",,,\n'
    path = tmp_path / "directory.csv"
    path.write_bytes(text.replace("\n", "\r\n").encode("utf-8-sig"))

    from_file = read_directory_file(path)

    assert from_file.rows == directory_rows(text).rows
    assert [row.line for row in from_file.rows] == [2, 4]
    assert from_file.source == str(path)


def test_a_file_that_is_not_utf8_is_read_as_latin1(tmp_path):
    path = tmp_path / "directory.csv"
    path.write_bytes(f'{HEADER_2022}\n"NCZ","NOUVELLE CALÉDONIE LTD",,,\n'.encode("latin-1"))

    assert read_directory_file(path).rows[0].name == "NOUVELLE CALÉDONIE LTD"


def test_tickers_may_start_with_digits_and_are_upper_cased():
    text = "\n".join(
        [
            HEADER_2022,
            '"14D","1414 DEGREES LIMITED",,,',
            '"360","LIFE360 INC.",,,',
            '"A2M","THE A2 MILK COMPANY LIMITED",,,',
            '" bhp ","BHP GROUP LIMITED",,,',
        ]
    )

    directory = directory_rows(text)

    assert [row.ticker for row in directory.rows] == ["14D", "360", "A2M", "BHP"]
    assert directory.rejected == []


@pytest.mark.parametrize("cap", ["SUSPENDED", "--", "N/A", "0", "", "  ", "n.a."])
def test_missing_market_caps_are_none(cap):
    (row,) = directory_rows(f'{HEADER_2024}\n"XYZ","XYZ LTD","Energy","01/02/2003","{cap}"').rows

    assert row.market_cap is None


@pytest.mark.parametrize(
    ("cap", "expected"),
    [("20148546", 20_148_546), ("1,234,567", 1_234_567), ("1234.5", 1235), ("$99", 99)],
)
def test_market_caps_are_whole_dollars(cap, expected):
    (row,) = directory_rows(f'{HEADER_2024}\n"XYZ","XYZ LTD","Energy","01/02/2003","{cap}"').rows

    assert row.market_cap == expected


def test_bad_rows_are_rejected_with_their_line_and_the_rest_load():
    text = "\n".join(
        [
            HEADER_2024,  # 1
            '"BHP","BHP GROUP LIMITED","Materials","13/08/1885",226951004061',
            '"","NAMELESS LIMITED","Materials","01/01/2000",100',
            "",  # blank lines are skipped without a word
            '"BHP","BHP AGAIN LIMITED","Materials","13/08/1885",1',  # 5
            '"CSL","CSL LIMITED","Pharmaceuticals, Biotechnology","31/31/2020",1',
            '"BH-P","HYPHEN LIMITED","Materials","01/01/2000",1',
            '"NAB","NATIONAL AUSTRALIA BANK LIMITED",Banks,"31/01/1962",3,extra',
            '"WBC","WESTPAC BANKING',  # a quoted name over two lines
            'CORPORATION","Banks","18/07/1970",90444736295',
            ",,,,",
            '"CBA","COMMONWEALTH BANK OF AUSTRALIA.","Banks","12/09/1991",1',  # 12
        ]
    )

    directory = directory_rows(text)

    assert directory.rejected == [
        RejectedRow(line=3, reason="no ticker"),
        RejectedRow(line=5, reason="duplicate ticker BHP (first on line 2)"),
        RejectedRow(line=6, reason="unparseable listing date '31/31/2020'", ticker="CSL"),
        RejectedRow(line=7, reason="invalid ticker 'BH-P'"),
        RejectedRow(line=8, reason="6 cells where the header has 5"),
    ]
    loaded = [(row.ticker, row.line) for row in directory.rows]
    assert loaded == [("BHP", 2), ("WBC", 9), ("CBA", 12)]
    assert directory.rows[1].name == "WESTPAC BANKING CORPORATION"


def test_a_bad_first_row_does_not_block_a_later_good_row_for_the_same_ticker():
    text = "\n".join(
        [
            HEADER_2024,
            '"CSL","CSL LIMITED","Pharmaceuticals","31/31/2020",1',
            '"CSL","CSL LIMITED","Pharmaceuticals","08/06/1994",1',
        ]
    )

    directory = directory_rows(text)

    assert [row.line for row in directory.rows] == [3]
    assert [row.line for row in directory.rejected] == [2]


@pytest.mark.parametrize(
    "text",
    [
        "",
        "<!DOCTYPE html><html><body>Page not found</body></html>",
        "Company name,Code,Industry\nBHP GROUP LIMITED,BHP,Materials\n",
    ],
)
def test_text_without_an_asx_code_header_is_a_format_error(text):
    with pytest.raises(DirectoryFormatError, match="ASX code"):
        directory_rows(text)


def test_a_file_without_a_header_names_the_file(tmp_path):
    path = tmp_path / "not-a-directory.csv"
    path.write_text("hello\n")

    with pytest.raises(DirectoryFormatError, match="not-a-directory.csv"):
        read_directory_file(path)


def test_sample_directory_has_forty_large_companies_and_some_missing_values():
    directory = read_directory_file(SAMPLE)

    assert SAMPLE.read_text().splitlines()[0] == HEADER_2022
    assert (len(directory.rows), directory.rejected) == (40, [])
    assert {"BHP", "CBA", "14D", "360", "A2M"} <= set(_by_ticker(directory))
    assert sum(row.market_cap is None for row in directory.rows) == 2
    assert sum(row.listing_date is None for row in directory.rows) == 1


# --- fetch_directory against a local server on 127.0.0.1 -------------------------

DIRECTORY_CSV = f"{HEADER_2022}\n{BHP_2022}\n".encode()
ROUTES = {
    "/directory.csv": (200, DIRECTORY_CSV),
    "/unavailable": (503, b"Service Unavailable"),
    "/page": (200, b"<html><body>We have moved</body></html>"),
    "/header-only": (200, HEADER_2022.encode()),
}
SLOW_SECONDS = 2.0


@pytest.fixture
def server() -> Iterator[str]:
    """Base URL of a local server: ROUTES, plus /slow that answers after SLOW_SECONDS."""
    stop = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path == "/slow":
                stop.wait(SLOW_SECONDS)
                status, body = 200, DIRECTORY_CSV
            else:
                status, body = ROUTES.get(self.path, (404, b"not found"))
            try:
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up waiting

        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    # A short poll interval so shutdown() does not add half a second to every test.
    thread = threading.Thread(target=httpd.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    stop.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join()


@pytest.fixture
def refused_url() -> str:
    """A URL on a local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/directory.csv"


def test_fetch_uses_the_primary_when_it_answers(server):
    primary, fallback = f"{server}/directory.csv", f"{server}/unavailable"

    directory = fetch_directory(urls=[primary, fallback], timeout=5)

    assert directory.source == primary
    assert [row.ticker for row in directory.rows] == ["BHP"]


def test_fetch_falls_back_when_the_primary_answers_503(server):
    fallback = f"{server}/directory.csv"

    directory = fetch_directory(urls=[f"{server}/unavailable", fallback], timeout=5)

    assert directory.source == fallback
    assert directory.rows[0].market_cap == 243_497_745_439


@pytest.mark.parametrize("primary", ["/page", "/header-only"])
def test_fetch_falls_back_when_the_primary_is_not_a_usable_directory(server, primary):
    fallback = f"{server}/directory.csv"

    directory = fetch_directory(urls=[f"{server}{primary}", fallback], timeout=5)

    assert directory.source == fallback


def test_fetch_names_every_url_and_why_when_all_fail(server, refused_url):
    unavailable = f"{server}/unavailable"

    with pytest.raises(DirectoryUnavailable) as failure:
        fetch_directory(urls=[refused_url, unavailable], timeout=5)

    assert str(failure.value) == (
        "could not download the ASX directory: "
        f"{refused_url} (connection refused); {unavailable} (HTTP 503)"
    )


def test_fetch_gives_up_on_a_slow_primary_and_uses_the_fallback(server):
    slow, fallback = f"{server}/slow", f"{server}/directory.csv"

    directory = fetch_directory(urls=[slow, fallback], timeout=0.2)

    assert directory.source == fallback


def test_fetch_reports_a_timeout(server):
    slow = f"{server}/slow"

    with pytest.raises(DirectoryUnavailable, match=r"/slow \(timed out after 0.2s\)"):
        fetch_directory(urls=[slow], timeout=0.2)


# --- names that cannot be stored or could be spoofed ---


def test_a_name_too_long_for_the_index_is_rejected_with_its_line_and_stays_listed():
    long_name = "B" * 1100
    text = "\n".join(
        [
            HEADER_2024,
            BHP_2024,
            f'"LNG","{long_name}","Energy","01/02/2003",1000',
            '"CBA","COMMONWEALTH BANK","Banks","12/09/1991",100',
        ]
    )
    directory = directory_rows(text)
    assert [row.ticker for row in directory.rows] == ["BHP", "CBA"]
    assert directory.rejected == [
        RejectedRow(line=3, reason="name longer than 1000 bytes", ticker="LNG")
    ]


def test_the_name_limit_counts_utf8_bytes_not_characters():
    # 400 characters, 1,200 bytes: too long for the index although it looks short
    text = "\n".join([HEADER_2024, f'"JPN","{"株" * 400}","Materials","",1'])
    [rejected] = directory_rows(text).rejected
    assert rejected.reason == "name longer than 1000 bytes"
    fits = "\n".join([HEADER_2024, f'"JPN","{"株" * 333}","Materials","",1'])
    assert directory_rows(fits).rows[0].name == "株" * 333


def test_an_industry_group_too_long_for_the_index_is_rejected():
    text = "\n".join([HEADER_2024, f'"GRP","GROUP LTD","{"g" * 1001}","",1'])
    [rejected] = directory_rows(text).rejected
    assert (rejected.line, rejected.reason, rejected.ticker) == (
        2,
        "industry group longer than 1000 bytes",
        "GRP",
    )


def test_control_and_bidi_override_characters_are_stripped_from_names_and_groups():
    spoofed = "EVIL\u202eDTL KNAB\u202c \u2066X\u2069\u200f\x00\x07\x1b[31m CO\u0085LTD"
    text = "\n".join([HEADER_2024, f'"EVL","{spoofed}","Ban\u202eks\x7f","",1'])
    [row] = directory_rows(text).rows
    assert row.name == "EVILDTL KNAB X[31m CO LTD"
    assert row.industry_group == "Banks"


def test_non_latin_names_and_joiners_are_kept_whole():
    names = ["ΑΛΦΑ ΑΕ", "株式会社", "شركة الاتصالات", "קבוצת אלפא", "कंपनी लिमिटेड", "👩‍🔬 LABS"]
    lines = [HEADER_2024] + [f'"N{i}","{name}","","",1' for i, name in enumerate(names)]
    assert [row.name for row in directory_rows("\n".join(lines)).rows] == names
