"""Validation of what readers put in URLs: listing parameters and the ticker box."""

import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django import forms

from companies import selectors
from companies.selectors import (
    MARKET_CAP_LIMIT,
    NO_GROUP,
    PAGE_SIZES,
    ListingFilters,
    ListingStatus,
    Order,
    SortKey,
)
from companies.statements.layout import ALL_LINES, KEY_LINES, LINE_CHOICES
from companies.statements.vocabulary import DEFAULT_PERIOD, PERIOD_TYPES

TICKER_PATTERN = re.compile(r"[A-Za-z0-9]{1,6}")  # use with fullmatch

# A$ amounts in a URL: digits, or a number with k, m, b or t (500m, 2b, 1.5t); commas and a
# leading "$" or "A$" are allowed, case does not matter.
AMOUNT_PATTERN = re.compile(r"(?:a?\$)?(\d+(?:\.\d+)?|\.\d+)([kmbt]?)", re.IGNORECASE)
AMOUNT_SCALES = {"": 1, "k": 10**3, "m": 10**6, "b": 10**9, "t": 10**12}
AMOUNT_EXAMPLES = "500m, 2b, 1.5t or 250000000"
MAX_AMOUNT_TEXT = 40
MAX_ECHO = 60  # characters of a wrong value an error message repeats


class SharedChoiceField(forms.ChoiceField):
    """A choice of a URL parameter, one instance shared by every form: a form deep-copies its
    fields for each instance (a quarter of a millisecond a form, twice on every company page),
    and these are never changed per form nor rendered as widgets."""

    def __deepcopy__(self, memo):
        return self


def aud_amount(text: str) -> int:
    """ "500m" -> 500_000_000, "1.5t" -> 1_500_000_000_000, "2,000,000" -> 2_000_000: whole
    A$, rounded half up. Raises ValueError for anything else."""
    found = AMOUNT_PATTERN.fullmatch(text.strip().replace(",", ""))
    if not found:
        raise ValueError(text)
    number, suffix = found.groups()
    amount = Decimal(number) * AMOUNT_SCALES[suffix.lower()]
    return int(amount.to_integral_value(rounding=ROUND_HALF_UP))


def aud_param(amount: int) -> str:
    """The shortest URL spelling of a whole A$ amount: 500_000_000 -> "500m"."""
    for suffix in ("t", "b", "m"):
        scale = AMOUNT_SCALES[suffix]
        if amount and amount % scale == 0:
            return f"{amount // scale}{suffix}"
    return str(amount)


def filter_params(filters: ListingFilters) -> list[tuple[str, str]]:
    """The URL parameters of `filters`, defaults left out, in one canonical spelling (links
    keep the filters with them)."""
    params = [("industry_group", group) for group in filters.industry_groups]
    for name in ("market_cap_min", "market_cap_max"):
        amount = getattr(filters, name)
        if amount is not None:
            params.append((name, aud_param(amount)))
    if filters.status is not ListingStatus.LISTED:
        params.append(("status", filters.status.value))
    return params


def _echo(value) -> str:
    text = str(value)
    return repr(text if len(text) <= MAX_ECHO else text[:MAX_ECHO] + "…")


class RepeatedField(forms.Field):
    """Every value of a repeated URL parameter (`?industry_group=A&industry_group=B`)."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        return [str(item) for item in value or []]


class DirectoryQuery(forms.Form):
    """`sort`, `order`, `size`, `cursor` and the filters (`industry_group`, repeated for
    several; `market_cap_min` and `market_cap_max`, in A$; `status`) of a listing URL; absent
    or empty ones take their defaults. `cleaned_data["filters"]` is a ListingFilters.

    `known_groups` gives the directory's industry groups; it is called only when the URL names
    one (it reads the in-memory directory index)."""

    sort = forms.TypedChoiceField(
        choices=[(s.value, s.value) for s in SortKey], coerce=SortKey, required=False
    )
    order = forms.TypedChoiceField(
        choices=[(o.value, o.value) for o in Order], coerce=Order, required=False
    )
    size = forms.TypedChoiceField(
        choices=[(str(n), str(n)) for n in PAGE_SIZES], coerce=int, required=False
    )
    cursor = forms.CharField(required=False, max_length=2000)
    industry_group = RepeatedField(required=False)
    market_cap_min = forms.CharField(required=False)
    market_cap_max = forms.CharField(required=False)
    status = forms.TypedChoiceField(
        choices=[(s.value, s.value) for s in ListingStatus], coerce=ListingStatus, required=False
    )

    CHOICES = {
        "sort": ", ".join(s.value for s in SortKey),
        "order": "asc, desc",
        "size": ", ".join(str(n) for n in PAGE_SIZES),
        "status": ", ".join(s.value for s in ListingStatus),
    }

    def __init__(self, data, *, known_groups: Callable[[], list[str]] = selectors.industry_groups):
        super().__init__(data)
        self.known_groups = known_groups

    def clean_industry_group(self) -> tuple[str, ...]:
        values = [value.strip() for value in self.cleaned_data.get("industry_group", [])]
        values = [value for value in values if value]
        if not values:
            return ()
        known = {name.casefold(): name for name in self.known_groups()}
        chosen = set()
        for value in values:
            if value.casefold() == NO_GROUP:
                chosen.add(NO_GROUP)
            elif value.casefold() in known:
                chosen.add(known[value.casefold()])
            else:
                raise forms.ValidationError(
                    f"'industry_group' must be an industry group of the directory (the "
                    f"listing's filter form shows each), or '{NO_GROUP}' for companies without "
                    f"one (got {_echo(value)})"
                )
        return tuple(sorted(chosen))

    def _amount(self, name: str) -> int | None:
        text = self.cleaned_data.get(name) or ""
        if not text:
            return None
        try:
            if len(text) > MAX_AMOUNT_TEXT:
                raise ValueError(text)
            amount = aud_amount(text)
        except (ValueError, ArithmeticError):
            raise forms.ValidationError(
                f"'{name}' must be an amount in A$ such as {AMOUNT_EXAMPLES} (got {_echo(text)})"
            ) from None
        if amount > MARKET_CAP_LIMIT:
            raise forms.ValidationError(
                f"'{name}' must be at most {aud_param(MARKET_CAP_LIMIT)} (got {_echo(text)})"
            )
        return amount

    def clean_market_cap_min(self) -> int | None:
        return self._amount("market_cap_min")

    def clean_market_cap_max(self) -> int | None:
        return self._amount("market_cap_max")

    def clean(self):
        data = super().clean()
        low, high = data.get("market_cap_min"), data.get("market_cap_max")
        if low is not None and high is not None and low > high:
            self.add_error(
                "market_cap_min",
                f"'market_cap_min' ({aud_param(low)}) must not be more than 'market_cap_max' "
                f"({aud_param(high)})",
            )
        data["sort"] = data.get("sort") or SortKey.TICKER
        data["order"] = data.get("order") or Order.ASC
        data["size"] = data.get("size") or PAGE_SIZES[0]
        data["cursor"] = data.get("cursor") or None
        data["filters"] = ListingFilters(
            industry_groups=data.pop("industry_group", None) or (),
            market_cap_min=data.pop("market_cap_min", None),
            market_cap_max=data.pop("market_cap_max", None),
            status=data.pop("status", None) or ListingStatus.LISTED,
        )
        return data

    def error_summary(self) -> str:
        """One sentence naming each wrong parameter and what it accepts."""
        messages = []
        for name, errors in self.errors.items():
            if name in self.CHOICES:
                got = _echo(self.data.get(name))
                messages.append(f"'{name}' must be one of: {self.CHOICES[name]} (got {got})")
            elif name == "cursor":
                messages.append("'cursor' must be a page link made by this site")
            else:  # the clean_* methods' own sentences, each naming its parameter
                messages.extend(errors)
        return "; ".join(messages)


class StatementQuery(forms.Form):
    """`period` and `lines` of a statement tab, download or API call; absent ones take their
    defaults (annual; key lines on a page, every line in the API and downloads)."""

    period = SharedChoiceField(choices=[(p, p) for p in PERIOD_TYPES], required=False)
    lines = SharedChoiceField(choices=[(c, c) for c in LINE_CHOICES], required=False)

    def __init__(self, data, *, default_lines: str = KEY_LINES):
        super().__init__(data)
        self.default_lines = default_lines

    def clean(self):
        data = super().clean()
        data["period"] = data.get("period") or DEFAULT_PERIOD
        data["lines"] = data.get("lines") or self.default_lines
        return data

    def error_summary(self) -> str:
        accepted = {"period": ", ".join(PERIOD_TYPES), "lines": ", ".join(LINE_CHOICES)}
        return "; ".join(
            f"'{name}' must be one of: {accepted[name]} (got {self.data.get(name)!r})"
            for name in self.errors
        )


__all__ = [
    "ALL_LINES",
    "KEY_LINES",
    "TICKER_PATTERN",
    "DirectoryQuery",
    "StatementQuery",
    "aud_amount",
    "aud_param",
    "filter_params",
]
