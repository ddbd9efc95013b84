"""Validation of what readers put in URLs: listing parameters and the ticker box."""

import re

from django import forms

from companies.selectors import PAGE_SIZES, Order, SortKey
from companies.statements.layout import ALL_LINES, KEY_LINES, LINE_CHOICES
from companies.statements.vocabulary import DEFAULT_PERIOD, PERIOD_TYPES

TICKER_PATTERN = re.compile(r"[A-Za-z0-9]{1,6}")  # use with fullmatch


class DirectoryQuery(forms.Form):
    """`sort`, `order`, `size` and `cursor` of a listing URL; absent ones take their defaults."""

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

    def clean(self):
        data = super().clean()
        data["sort"] = data.get("sort") or SortKey.TICKER
        data["order"] = data.get("order") or Order.ASC
        data["size"] = data.get("size") or PAGE_SIZES[0]
        data["cursor"] = data.get("cursor") or None
        return data

    def error_summary(self) -> str:
        """One sentence naming each wrong parameter and what it accepts."""
        accepted = {
            "sort": ", ".join(s.value for s in SortKey),
            "order": "asc, desc",
            "size": ", ".join(str(n) for n in PAGE_SIZES),
            "cursor": "a page link made by this site",
        }
        return "; ".join(
            f"'{name}' must be one of: {accepted[name]} (got {self.data.get(name)!r})"
            if name != "cursor"
            else f"'cursor' must be {accepted[name]}"
            for name in self.errors
        )


class StatementQuery(forms.Form):
    """`period` and `lines` of a statement tab, download or API call; absent ones take their
    defaults (annual; key lines on a page, every line in the API and downloads)."""

    period = forms.ChoiceField(choices=[(p, p) for p in PERIOD_TYPES], required=False)
    lines = forms.ChoiceField(choices=[(c, c) for c in LINE_CHOICES], required=False)

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


__all__ = ["ALL_LINES", "KEY_LINES", "TICKER_PATTERN", "DirectoryQuery", "StatementQuery"]
