"""The ASX listed-companies directory: downloading it and turning its CSV into rows.

Owns every layout the ASX has published (2018 with a title line, 2022 with ISO dates,
2024 with dd/mm/yyyy dates), read by header name rather than column position. A bad
line becomes a RejectedRow that says why; the other lines still load.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import requests
from urllib3.exceptions import TimeoutError as Urllib3TimeoutError

from scraping.errors import DirectoryFormatError, DirectoryUnavailable

TICKER = re.compile(r"[A-Z0-9]{1,6}")
# The listing indexes key on a company's name and group (case-folded, then the ticker), and
# DynamoDB caps an index range key at 1,024 bytes: a longer value could not be stored at all.
MAX_TEXT_BYTES = 1000
# Control characters (C0, DEL, C1) and the bidirectional controls (embeddings, overrides,
# isolates, marks): invisible, and able to make a name read as another. Every other character,
# any script, is kept.
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
MARKET_CAP = re.compile(r"\d+(?:\.\d*)?")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")

# A timeout while reading the body comes from requests as a ConnectionError wrapped
# around urllib3's ReadTimeoutError, which is not a builtin TimeoutError.
_TIMEOUTS = (requests.Timeout, TimeoutError, Urllib3TimeoutError)
_BAD_URLS = (
    requests.exceptions.InvalidURL,
    requests.exceptions.InvalidSchema,
    requests.exceptions.MissingSchema,
)

# Header cells are compared lower-cased with whitespace collapsed: "GICs" and "GICS"
# are the same column.
TICKER_COLUMN = "asx code"
COLUMNS = {
    TICKER_COLUMN: "ticker",
    "company name": "name",
    "gics industry group": "industry_group",
    "listing date": "listing_date",
    "market cap": "market_cap",
}


@dataclass(frozen=True)
class DirectoryRow:
    ticker: str
    name: str
    industry_group: str | None
    listing_date: datetime.date | None
    market_cap: int | None  # A$
    line: int  # 1-based line of the file, for messages


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reason: str
    ticker: str | None = None  # the line's ticker, when it had a valid one (e.g. a bad date)


@dataclass(frozen=True)
class Directory:
    rows: list[DirectoryRow]
    rejected: list[RejectedRow]
    source: str  # URL or path it came from
    # The fields the file publishes: the legacy layout has no listing date or market cap, and
    # a field it does not publish is unknown, not missing.
    fields: frozenset[str] = frozenset(COLUMNS.values())


class _Rejected(ValueError):
    """A line that cannot load; its message is the RejectedRow's reason, and `ticker` the
    line's ticker when the line is sound but for one value (so the company is still listed)."""

    def __init__(self, reason: str, ticker: str | None = None):
        super().__init__(reason)
        self.ticker = ticker


def clean_text(text: str) -> str:
    """`text` as it may be shown: control and bidirectional-control characters removed,
    whitespace runs (tabs, line breaks) collapsed to one space, ends trimmed."""
    return " ".join(_UNSAFE.sub(lambda m: " " if m[0].isspace() else "", text).split())


def directory_rows(text: str, *, source: str = "") -> Directory:
    """Parse any ASX directory layout by header name.

    The header is the first line with an "ASX code" cell; lines above it (a title,
    blanks) are skipped, and columns the layout lacks come back as None. Blank lines
    are ignored. A line becomes a RejectedRow when it has no ticker, a ticker that is
    not 1-6 letters or digits, the ticker of an earlier loaded line, an unparseable
    listing date, a name or group longer than MAX_TEXT_BYTES (UTF-8), or more cells than the
    header. Names and groups lose control and bidirectional-control characters (clean_text).
    Market caps are whole A$; N/A, SUSPENDED, --, 0 and anything else unparseable are None
    (missing, not zero).

    Raises DirectoryFormatError when no header with an ASX code column is found, or
    the CSV itself is broken.
    """
    records = _records(text.removeprefix("\ufeff"))
    columns, width = _header(records)
    rows: list[DirectoryRow] = []
    rejected: list[RejectedRow] = []
    first_line: dict[str, int] = {}
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        try:
            row = _row(cells, columns=columns, width=width, line=line, seen=first_line)
        except _Rejected as reason:
            rejected.append(RejectedRow(line=line, reason=str(reason), ticker=reason.ticker))
            continue
        first_line[row.ticker] = line
        rows.append(row)
    return Directory(rows=rows, rejected=rejected, source=source, fields=frozenset(columns))


# A host that never answers (no network) should not hold up the fallback for the whole read
# timeout; a slow download of the file itself still gets all of it.
CONNECT_TIMEOUT = 10.0


def fetch_directory(
    *, urls: list[str], timeout: float = 30.0, session: requests.Session | None = None
) -> Directory:
    """Download the directory from the first of `urls` (the primary, then fallbacks)
    that answers with a file that parses and lists at least one company. `timeout` is
    in seconds, for connecting and for each read.

    Raises DirectoryUnavailable naming every URL tried and why, on one line.
    """
    if not urls:
        raise ValueError("fetch_directory needs at least one URL")
    http = session or requests.Session()
    failures = []
    try:
        for url in urls:
            try:
                response = http.get(url, timeout=(min(CONNECT_TIMEOUT, timeout), timeout))
            except requests.RequestException as error:
                failures.append(f"{url} ({_why(error, timeout)})")
                continue
            if not response.ok:
                failures.append(f"{url} (HTTP {response.status_code})")
                continue
            try:
                directory = directory_rows(_decode(response.content), source=url)
            except DirectoryFormatError as error:
                failures.append(f"{url} ({error})")
                continue
            # A header-only file would read as "every company delisted".
            if not directory.rows:
                failures.append(f"{url} (no companies in the file)")
                continue
            return directory
    finally:
        if session is None:
            http.close()
    tried = "; ".join(failures)
    raise DirectoryUnavailable(f"could not download the ASX directory: {tried}")


def read_directory_file(path: str | Path) -> Directory:
    """Parse a directory CSV on disk (a saved download, or the offline sample).

    Raises DirectoryFormatError (naming the path) as directory_rows does, and OSError
    when the file cannot be read.
    """
    data = Path(path).read_bytes()
    try:
        return directory_rows(_decode(data), source=str(path))
    except DirectoryFormatError as error:
        raise DirectoryFormatError(f"{path}: {error}") from error


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # A file saved by a non-UTF-8 tool still reads: latin-1 maps every byte.
        return data.decode("latin-1")


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(first line of the record, its cells) for each CSV record; a quoted cell may
    span lines."""
    # newline="" hands CRLF and lone CR through to the csv module, which treats them
    # as line ends, so line_num counts the file's own lines.
    reader = csv.reader(io.StringIO(text, newline=""))
    line = 1
    try:
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1
    except csv.Error as error:
        message = f"broken CSV on line {reader.line_num}: {error}"
        raise DirectoryFormatError(message) from error


def _header(records: Iterator[tuple[int, list[str]]]) -> tuple[dict[str, int], int]:
    """Advance `records` past the header; return {field: cell index} and its width."""
    for _line, cells in records:
        names = [" ".join(cell.split()).lower() for cell in cells]
        if TICKER_COLUMN in names:
            columns: dict[str, int] = {}
            for index, name in enumerate(names):
                if name in COLUMNS:
                    columns.setdefault(COLUMNS[name], index)
            return columns, len(cells)
    raise DirectoryFormatError("no header line with an 'ASX code' column")


def _row(
    cells: list[str],
    *,
    columns: dict[str, int],
    width: int,
    line: int,
    seen: dict[str, int],
) -> DirectoryRow:
    """One data line as a DirectoryRow; `seen` maps tickers already loaded to their
    line. Raises _Rejected."""
    # An unquoted comma in a name shifts every later cell; loading that line would put
    # part of a name in the ticker or the date.
    if any(cell.strip() for cell in cells[width:]):
        raise _Rejected(f"{len(cells)} cells where the header has {width}")
    # A short line (a trailing empty cell dropped) reads its missing cells as empty.
    padded = cells + [""] * (width - len(cells))
    values = {field: " ".join(padded[i].split()) for field, i in columns.items()}

    ticker = values.get("ticker", "").upper()
    if not ticker:
        raise _Rejected("no ticker")
    if not TICKER.fullmatch(ticker):
        raise _Rejected(f"invalid ticker {ticker!r}")
    if ticker in seen:
        raise _Rejected(f"duplicate ticker {ticker} (first on line {seen[ticker]})")
    name, group = (clean_text(values.get(field, "")) for field in ("name", "industry_group"))
    try:
        listing_date = _listing_date(values.get("listing_date", ""))
        _fits(name, "name")
        _fits(group, "industry group")
    except _Rejected as bad_value:
        raise _Rejected(str(bad_value), ticker=ticker) from None
    return DirectoryRow(
        ticker=ticker,
        name=name,
        industry_group=group or None,
        listing_date=listing_date,
        market_cap=_market_cap(values.get("market_cap", "")),
        line=line,
    )


def _fits(text: str, what: str) -> None:
    # Case folding can lengthen a character's UTF-8 ("\u0390" becomes three characters).
    if max(len(text.encode()), len(text.casefold().encode())) > MAX_TEXT_BYTES:
        raise _Rejected(f"{what} longer than {MAX_TEXT_BYTES} bytes")


def _listing_date(text: str) -> datetime.date | None:
    if not text:
        return None
    for date_format in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(text, date_format).date()
        except ValueError:
            pass
    raise _Rejected(f"unparseable listing date {text!r}")


def _market_cap(text: str) -> int | None:
    digits = text.removeprefix("$").replace(",", "")
    if not MARKET_CAP.fullmatch(digits):
        return None
    # The directory publishes 0 for companies it has no price for: missing, not zero.
    return int(Decimal(digits).to_integral_value(rounding=ROUND_HALF_UP)) or None


def _why(error: requests.RequestException, timeout: float) -> str:
    """A few words on why a request failed, for the DirectoryUnavailable message."""
    causes = list(_causes(error))
    # Refused first: urllib3's NewConnectionError subclasses its ConnectTimeoutError.
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return "connection refused"
    if any(isinstance(cause, _TIMEOUTS) for cause in causes):
        return f"timed out after {timeout:g}s"
    if isinstance(error, requests.ConnectionError):
        return "connection failed"
    if isinstance(error, _BAD_URLS):
        return "invalid URL"
    if isinstance(error, requests.TooManyRedirects):
        return "too many redirects"
    return type(error).__name__


def _causes(error: BaseException) -> Iterator[BaseException]:
    # requests wraps urllib3, which wraps the socket error: in args, in .reason
    # (MaxRetryError), or as __cause__.
    seen: set[int] = set()
    pending: list[object] = [error]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        yield item
        pending.extend(item.args)
        pending += [getattr(item, "reason", None), item.__cause__, item.__context__]
