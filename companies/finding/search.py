"""Search over the whole directory, in memory: the ~2,100 companies (listed and delisted) read
with one paginated index Query per listing status and kept for LISTING_CACHE_SECONDS, so a
keystroke costs no DynamoDB call at all.

Ranking: the exact ticker, then tickers starting with the text, then names with a word starting
with it, then names containing it anywhere; ties by market cap, largest first (the price-based
one where there is one, as the listing shows it), then by ticker.
"""

import re
import threading
import time
import unicodedata
from dataclasses import dataclass

from django.conf import settings

from companies.models import DELISTED, LISTED, Company

MAX_QUERY = 60
SUGGESTIONS = 10
RESULTS = 50
MATCHES = ("ticker", "ticker_prefix", "name_word", "name")  # best first

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
    market_cap: int | None
    status: str
    folded_name: str


@dataclass(frozen=True)
class Hit:
    entry: Entry
    match: str  # one of MATCHES


class DirectoryIndex:
    """Every company of the directory as search needs it."""

    def __init__(self, entries: list[Entry]):
        self.entries = entries
        self.by_ticker = {entry.ticker: entry for entry in entries}

    @classmethod
    def load(cls) -> "DirectoryIndex":
        """One paginated Query of the by-ticker index per listing status (never a Scan)."""
        entries = []
        for status in (LISTED, DELISTED):
            for company in Company.ticker_index.query(status):
                cap = company.price_market_cap
                if cap is None:
                    cap = company.market_cap
                entries.append(
                    Entry(
                        ticker=company.ticker,
                        name=company.name,
                        industry_group=company.industry_group,
                        market_cap=None if cap is None else int(cap),
                        status=status,
                        folded_name=folded(company.name),
                    )
                )
        return cls(entries)

    def search(self, query: str, *, limit: int) -> list[Hit]:
        """The best `limit` companies for `query` (see the module docstring); [] for a blank one."""
        text = folded(query)
        if not text:
            return []
        ticker = re.sub(r"[^0-9A-Z]", "", query.upper())
        hits = []
        for entry in self.entries:
            if ticker and entry.ticker == ticker:
                match = "ticker"
            elif ticker and entry.ticker.startswith(ticker):
                match = "ticker_prefix"
            elif entry.folded_name.startswith(text) or f" {text}" in f" {entry.folded_name}":
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


def forget_index() -> None:
    """Drop the cached index (after a directory load in this process, and in tests)."""
    global _index
    with _lock:
        _index = None
