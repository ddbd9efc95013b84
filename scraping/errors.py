"""The errors `scraping` raises: a library's error becomes one of these in the module
that made the call."""


class ScrapingError(Exception):
    """Base for every error raised by `scraping`."""


class DirectoryUnavailable(ScrapingError):
    """No URL gave a usable ASX directory; the message names each URL tried and why."""


class DirectoryFormatError(ScrapingError):
    """The text is not an ASX directory: no header line with an "ASX code" column."""


class YahooError(ScrapingError):
    """Yahoo Finance gave no usable answer for one company. `outcome` is the short phrase a
    company page shows for it; the message says which symbol and what happened."""

    outcome = "yahoo error"


class NoSuchSymbol(YahooError):
    """Yahoo has no such symbol, or it is delisted (quoteSummary answered 404)."""

    outcome = "no such symbol"


class NoStatements(YahooError):
    """Yahoo knows the company (it has a profile) but has no statements for it. `profile` is
    that profile as `normalize.profile_fields` gives it (plain, JSON-able), so it can be kept;
    None when the error was raised before a profile was read."""

    outcome = "no statements"

    def __init__(self, message: str = "", *, profile: dict | None = None):
        super().__init__(message)
        self.profile = profile


class RateLimited(YahooError):
    """Yahoo answered 429 Too Many Requests; every thread has been paused."""

    outcome = "rate limited"


class YahooUnavailable(YahooError):
    """Network or server error: no connection, a timeout, or a 5xx answer."""

    outcome = "network or server error"


class MalformedPayload(YahooError):
    """Yahoo answered, but not with what yfinance can read: unparseable JSON, an unexpected
    shape, or a null where a data point should be."""

    outcome = "malformed payload"
