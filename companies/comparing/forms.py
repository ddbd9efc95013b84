"""Validation of a comparison's URL: the companies (`tickers`, comma-separated or repeated, any
case, duplicates collapsed), the currency money is shown in (`currency`), and the search box's
company to add (`add`). Which tickers exist is the directory's business (see resolve())."""

import re
from dataclasses import dataclass, field

from django import forms

from companies.finding.search import MAX_QUERY, SUGGESTIONS, DirectoryIndex, Hit
from companies.forms import TICKER_PATTERN

MIN_COMPANIES = 2
MAX_COMPANIES = 6
AUD = "AUD"  # currency=AUD: money converted into A$ at each period end's rate
REPORTED = "reported"  # the default: each company's money in its own reporting currency
CURRENCIES = (REPORTED, AUD)
# More tokens than this is not a comparison anyone meant; it stops a huge URL early.
MAX_TOKENS = 50

_SEPARATORS = re.compile(r"[\s,;]+")


def canonical_query(tickers: list[str], currency: str) -> str:
    """`tickers=BHP,RIO` (upper case, first-seen order), with `&currency=AUD` when converting;
    "" without tickers. Tickers are letters and digits, so nothing needs escaping."""
    if not tickers:
        return ""
    query = "tickers=" + ",".join(tickers)
    return query + ("&currency=AUD" if currency == AUD else "")


class CompareQuery(forms.Form):
    """`tickers` (every value of the parameter, split on commas and spaces), `currency`
    (AUD or reported, any case; default reported) and `add` (a ticker or a name, at most
    MAX_QUERY characters)."""

    # plain Fields: clean_tickers reads every value of the parameter, and both say themselves
    # what is wrong with a value (a NUL included)
    tickers = forms.Field(required=False)
    currency = forms.Field(required=False)
    add = forms.CharField(required=False, strip=True, max_length=MAX_QUERY)

    def clean_tickers(self) -> list[str]:
        values = self.data.getlist("tickers") if hasattr(self.data, "getlist") else []
        tokens = [t for value in values for t in _SEPARATORS.split(value.strip()) if t]
        if len(tokens) > MAX_TOKENS:
            raise forms.ValidationError(
                f"'tickers' takes at most {MAX_COMPANIES} companies (got {len(tokens)})"
            )
        bad = [token for token in tokens if not TICKER_PATTERN.fullmatch(token)]
        if bad:
            raise forms.ValidationError(
                "'tickers' must be ASX tickers (1 to 6 letters or digits) separated by commas "
                f"(got {', '.join(repr(token[:20]) for token in bad[:3])})"
            )
        return list(dict.fromkeys(token.upper() for token in tokens))

    def clean_currency(self) -> str:
        value = str(self.cleaned_data.get("currency") or "")
        if not value:
            return REPORTED
        for currency in CURRENCIES:
            if value.casefold() == currency.casefold():
                return currency
        raise forms.ValidationError(
            "'currency' must be AUD (money in A$ at each period end's rate) or reported (each "
            f"company's own currency) (got {value[:20]!r})"
        )

    def error_summary(self) -> str:
        """One sentence per wrong parameter, naming it and what it accepts."""
        messages = []
        for name, errors in self.errors.items():
            if name == "add":
                messages.append(
                    f"'add' must be a ticker or a name of at most {MAX_QUERY} characters"
                )
            else:
                messages.extend(errors)
        return "; ".join(messages)


@dataclass(frozen=True)
class Resolution:
    """What a comparison URL asks for, checked against the directory."""

    tickers: list[str]  # known tickers, in order, `add` appended when it named one exactly
    unknown: list[str] = field(default_factory=list)  # tickers no company has
    too_many: bool = False
    add: str = ""  # the search box's text when it named no ticker exactly
    choices: list[Hit] = field(default_factory=list)  # companies `add` may have meant


def resolve(*, tickers: list[str], add: str, index: DirectoryIndex) -> Resolution:
    """Check `tickers` against the in-memory directory `index` (no DynamoDB call) and work
    out `add`: an exact ticker joins the comparison; any other text is a search whose best
    matches become choices (none already in the comparison)."""
    asked = list(tickers)
    choices: list[Hit] = []
    unresolved = ""
    if add:
        entry = index.get(add) if TICKER_PATTERN.fullmatch(add) else None
        if entry is not None:
            if entry.ticker not in asked:
                asked.append(entry.ticker)
        else:
            unresolved = add
            choices = [
                hit
                for hit in index.search(add, limit=SUGGESTIONS + len(asked))
                if hit.entry.ticker not in asked
            ][:SUGGESTIONS]
    unknown = [ticker for ticker in asked if index.get(ticker) is None]
    return Resolution(
        tickers=[ticker for ticker in asked if ticker not in unknown],
        unknown=unknown,
        too_many=len(asked) > MAX_COMPANIES,
        add=unresolved,
        choices=choices,
    )
