"""Validation of the market parameters readers put in URLs: the price range and which close."""

from django import forms

from companies.forms import SharedChoiceField
from companies.market.presenters import CLOSES
from companies.market.selectors import DEFAULT_RANGE, PRICE_RANGES


class PriceQuery(forms.Form):
    """`range` (1m, 6m, 1y, 5y, max; default 1y) and `close` (traded, adjusted; default
    traded) of a company page, price API call or download."""

    range = SharedChoiceField(choices=[(key, key) for key in PRICE_RANGES], required=False)
    close = SharedChoiceField(choices=[(key, key) for key in CLOSES], required=False)

    def clean(self):
        data = super().clean()
        data["range"] = PRICE_RANGES[data.get("range") or DEFAULT_RANGE]
        data["close"] = data.get("close") or "traded"
        return data

    def error_summary(self) -> str:
        accepted = {"range": ", ".join(PRICE_RANGES), "close": ", ".join(CLOSES)}
        return "; ".join(
            f"'{name}' must be one of: {accepted[name]} (got {self.data.get(name)!r})"
            for name in self.errors
        )
