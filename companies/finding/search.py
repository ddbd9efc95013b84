"""Search over the whole directory, in memory: the ~2,100 companies (listed and delisted) read
with one paginated index Query per listing status and kept for LISTING_CACHE_SECONDS, so a
keystroke costs no DynamoDB call at all.

Ranking: the exact ticker, then tickers starting with the text, then names with a word starting
with it, then names containing it anywhere; ties by market cap, largest first (the price-based
one where there is one, as the listing shows it), then by ticker.

The same index serves the filtered listing (companies.selectors.company_page): each entry holds
every column a listing row shows and its range key in each listing order, built exactly as the
listing indexes build theirs, so a filtered page is in the order the unfiltered one is.
"""

import datetime
import re
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

from django.conf import settings

from companies.models import DELISTED, LISTED, LISTING_ORDERS, Company, sort_keys

MAX_QUERY = 60
SUGGESTIONS = 10
RESULTS = 50
MATCHES = ("ticker", "ticker_prefix", "name_word", "name")  # best first
# filtered orders and counts kept per index: each is a list of references to its entries
REMEMBERED = 256

_NOT_WORD = re.compile(r"[^\w]+")


def folded(text: str) -> str:
    """Lower case without accents or punctuation runs: "Société  Générale" -> "societe generale"."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(_NOT_WORD.sub(" ", text).split())


@dataclass(frozen=True)
class Entry:
    ticker: str
    name: str
    industry_group: str | None
    market_cap: int | None  # the price-based market cap where there is one, else the directory's
    status: str
    folded_name: str
    listing_date: datetime.date | None = None
    last_updated: datetime.datetime | None = None
    market_cap_source: str | None = None  # "price" or "directory" (None: no market cap)
    market_cap_date: datetime.date | None = None  # the close a price-based cap used
    # {listing sort: range key}, as that sort's index keys the company
    order_keys: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_company(cls, company: Company, *, status: str) -> "Entry":
        """The entry of a company read from a listing index (the listing columns only)."""
        if company.price_market_cap is not None:
            cap, source = int(company.price_market_cap), "price"
            cap_date = datetime.date.fromisoformat(company.price_market_cap_date)
        else:
            cap = None if company.market_cap is None else int(company.market_cap)
            source, cap_date = ("directory" if cap is not None else None), None
        last_updated = company.last_updated
        keys = sort_keys(
            ticker=company.ticker,
            name=company.name,
            market_cap=cap,
            listing_date=company.listing_date,
            industry_group=company.industry_group,
            last_updated_iso=last_updated.astimezone(datetime.UTC).isoformat()
            if last_updated
            else None,
        )
        return cls(
            ticker=company.ticker,
            name=company.name,
            industry_group=company.industry_group,
            market_cap=cap,
            status=status,
            folded_name=folded(company.name),
            listing_date=datetime.date.fromisoformat(company.listing_date)
            if company.listing_date
            else None,
            last_updated=last_updated,
            market_cap_source=source,
            market_cap_date=cap_date,
            order_keys={
                sort: keys[order.range_key.attr_name] for sort, order in LISTING_ORDERS.items()
            },
        )


class Hit(NamedTuple):
    entry: Entry
    match: str  # one of MATCHES


class DirectoryIndex:
    """Every company of the directory as search needs it."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self.by_ticker = {entry.ticker: entry for entry in entries}
        self._orders: dict[str, tuple[list[Entry], list[str]]] = {}
        self._remembered: dict[object, object] = {}
        self._remembered_lock = threading.Lock()

    @classmethod
    def load(cls) -> "DirectoryIndex":
        """One paginated Query of the by-ticker index per listing status (never a Scan)."""
        entries = []
        for status in (LISTED, DELISTED):
            for company in Company.ticker_index.query(status):
                entries.append(Entry.from_company(company, status=status))
        return cls(entries)

    def in_order(self, sort: str) -> tuple[list[Entry], list[str]]:
        """Every entry in ascending order of the listing sort `sort`, and their range keys (the
        same list order), sorted once per index."""
        found = self._orders.get(sort)
        if found is None:
            ordered = sorted(self.entries, key=lambda entry: entry.order_keys[sort])
            found = (ordered, [entry.order_keys[sort] for entry in ordered])
            self._orders[sort] = found  # two threads sorting at once store equal lists
        return found

    def remembered(self, key, compute):
        """`compute()`, worked out once per index for `key` (what a filtered listing derives
        from the whole directory); the REMEMBERED most recent keys are kept."""
        with self._remembered_lock:
            if key in self._remembered:
                return self._remembered[key]
        found = compute()
        with self._remembered_lock:
            self._remembered[key] = found
            while len(self._remembered) > REMEMBERED:
                del self._remembered[next(iter(self._remembered))]
        return found

    def search(self, query: str, *, limit: int) -> list[Hit]:
        """The best `limit` companies for `query` (see the module docstring); [] for a blank one."""
        text = folded(query)
        if not text:
            return []
        ticker = re.sub(r"[^0-9A-Z]", "", query.upper())
        word_start = f" {text}"  # a word after the first (the first is the startswith)
        hits = []
        for entry in self.entries:
            if ticker and entry.ticker == ticker:
                match = "ticker"
            elif ticker and entry.ticker.startswith(ticker):
                match = "ticker_prefix"
            elif entry.folded_name.startswith(text) or word_start in entry.folded_name:
                match = "name_word"
            elif text in entry.folded_name:
                match = "name"
            else:
                continue
            hits.append(Hit(entry, match))
        hits.sort(
            key=lambda hit: (
                MATCHES.index(hit.match),
                hit.entry.status != LISTED,
                -(hit.entry.market_cap or -1),
                hit.entry.ticker,
            )
        )
        return hits[:limit]

    def near(self, query: str, *, limit: int) -> tuple[str, list[Hit]]:
        """For a text that matches nothing: the companies whose ticker starts with the longest
        shorter prefix of it that matches any, and that prefix ("", [] when none does). Pages
        call these near matches, never matches."""
        text = re.sub(r"[^0-9A-Z]", "", query.upper())
        for length in range(len(text) - 1, 0, -1):
            prefix = text[:length]
            hits = [h for h in self.search(prefix, limit=limit) if h.match != "name"]
            hits = [h for h in hits if h.entry.ticker.startswith(prefix)]
            if hits:
                return prefix, hits
        return "", []

    def get(self, ticker: str) -> Entry | None:
        return self.by_ticker.get(ticker.strip().upper())


_index: tuple[float, DirectoryIndex] | None = None
_lock = threading.Lock()


def directory_index() -> DirectoryIndex:
    """The process's index, rebuilt once it is LISTING_CACHE_SECONDS old. One thread rebuilds;
    the others keep using the old index meanwhile (and wait only when there is none yet)."""
    global _index
    current = _index
    if current is not None and time.monotonic() - current[0] < settings.LISTING_CACHE_SECONDS:
        return current[1]
    if not _lock.acquire(blocking=current is None):
        return current[1]  # another thread is rebuilding it
    try:
        if _index is None or time.monotonic() - _index[0] >= settings.LISTING_CACHE_SECONDS:
            _index = (time.monotonic(), DirectoryIndex.load())
        return _index[1]
    finally:
        _lock.release()


def directory_index_if_fresh() -> DirectoryIndex | None:
    """The process's index while it is younger than LISTING_CACHE_SECONDS, else None: never
    builds it (a company page then reads its company instead of the whole directory)."""
    current = _index
    if current is not None and time.monotonic() - current[0] < settings.LISTING_CACHE_SECONDS:
        return current[1]
    return None


def forget_index() -> None:
    """Drop the cached index and the entries of companies read (after a directory load in this
    process, and in tests)."""
    global _index
    with _lock:
        _index = None
        _read_entries.clear()


READ_ENTRIES_KEPT = 4096  # more than the whole directory; past it, the dict starts over
_read_entries: dict[str, Entry] = {}


def company_read(company: Company) -> Entry:
    """Note a company item read by itself (a company page's GetItem or BatchGetItem): its entry,
    as the index would hold it, is what a process without a fresh index knows of the company
    (asxdb_site.http_caching makes the page's validator from it)."""
    entry = Entry.from_company(company, status=company.listing_status)
    if len(_read_entries) >= READ_ENTRIES_KEPT:
        _read_entries.clear()
    _read_entries[entry.ticker] = entry
    return entry


def entry_read(ticker: str) -> Entry | None:
    """The entry of the company as this process last read its item, if it did since the index
    was last dropped."""
    return _read_entries.get(ticker)
