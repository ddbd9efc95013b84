"""Validation of a screen's URL parameters: `q` (the expression), `sort`, `order`, `size`,
`cursor` and `status`, shared by the page, the API and the CSV download."""

from django import forms

from companies.screening.expression import ExpressionError, parse
from companies.screening.selectors import (
    DEFAULT_SORT,
    ORDERS,
    PAGE_SIZES,
    SORTS,
    STATUSES,
    default_order,
)

ACCEPTED = {
    "sort": "ticker, name or a metric's name (see /api/metrics/)",
    "order": ", ".join(ORDERS),
    "size": ", ".join(str(n) for n in PAGE_SIZES),
    "status": ", ".join(STATUSES),
}
MAX_ECHO = 60  # characters of a wrong value an error repeats


class ScreenQuery(forms.Form):
    """The parameters of a screen; absent or empty ones take their defaults (no expression;
    sorted by market cap, biggest first; 25 a page; listed companies). `cleaned_data` holds
    `expression` (an Expression, or None for a blank `q`), and `expression_error` (an
    ExpressionError) is set when `q` does not parse."""

    q = forms.CharField(required=False, strip=True)
    sort = forms.CharField(required=False, strip=True)
    order = forms.ChoiceField(choices=[(o, o) for o in ORDERS], required=False)
    size = forms.TypedChoiceField(
        choices=[(str(n), str(n)) for n in PAGE_SIZES], coerce=int, required=False
    )
    cursor = forms.CharField(required=False, max_length=2000)
    status = forms.ChoiceField(choices=[(s, s) for s in STATUSES], required=False)

    def __init__(self, data):
        super().__init__(data)
        self.expression_error: ExpressionError | None = None

    def clean_q(self):
        text = self.cleaned_data.get("q") or ""
        try:
            self.cleaned_data["expression"] = parse(text)
        except ExpressionError as exc:
            self.expression_error = exc
            raise forms.ValidationError(str(exc)) from exc
        return text

    def clean_sort(self):
        sort = (self.cleaned_data.get("sort") or "").lower()
        if sort and sort not in SORTS:
            raise forms.ValidationError("unknown sort")
        return sort or DEFAULT_SORT

    def clean(self):
        data = super().clean()
        data.setdefault("expression", None)
        if "sort" in data:
            data["order"] = data.get("order") or default_order(data["sort"])
        data["size"] = data.get("size") or PAGE_SIZES[0]
        data["cursor"] = data.get("cursor") or None
        data["status"] = data.get("status") or STATUSES[0]
        return data

    def error_summary(self) -> str:
        """One sentence: the expression's mistake, or each wrong parameter and what it
        accepts."""
        parts = []
        for name in self.errors:
            if name == "q":
                parts.append(
                    str(self.expression_error)
                    if self.expression_error is not None
                    else "'q' holds a character no screen can (a NUL)"
                )
            elif name == "cursor":
                parts.append("'cursor' must be a page link made by this site")
            else:
                got = str(self.data.get(name, ""))
                got = got if len(got) <= MAX_ECHO else got[:MAX_ECHO] + "…"
                parts.append(f"'{name}' must be one of: {ACCEPTED[name]} (got {got!r})")
        return "; ".join(parts)
