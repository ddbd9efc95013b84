"""Validation of the search box and the search API's parameters."""

from django import forms

from companies.finding.search import MAX_QUERY, RESULTS, SUGGESTIONS


class SearchQuery(forms.Form):
    """`q` (at most MAX_QUERY characters; blank is allowed and finds nothing) and, for the API,
    `limit` (1 to RESULTS, default SUGGESTIONS)."""

    q = forms.CharField(required=False, strip=True, max_length=MAX_QUERY)
    limit = forms.IntegerField(required=False, min_value=1, max_value=RESULTS)

    def clean(self):
        data = super().clean()
        data["q"] = data.get("q") or ""
        data["limit"] = data.get("limit") or SUGGESTIONS
        return data

    def error_summary(self) -> str:
        messages = {
            # Django refuses a NUL in any text field; the length is the other reason
            "q": "'q' must not hold a NUL character"
            if "\x00" in self.data.get("q", "")
            else f"'q' must be at most {MAX_QUERY} characters",
            "limit": f"'limit' must be a whole number from 1 to {RESULTS}",
        }
        return "; ".join(messages[name] for name in self.errors)
