"""Template filters that present figures and dates the way readers expect."""

import datetime

from django import template
from django.utils import timezone

register = template.Library()

MISSING = "—"
SCALES = ((10**12, "T"), (10**9, "B"), (10**6, "M"), (10**3, "K"))


@register.filter
def aud(value) -> str:
    """A$ amount, humanised: 1234567890 -> "A$1.23B"; missing -> "—"."""
    if value is None:
        return MISSING
    value = int(value)
    for size, suffix in SCALES:
        if abs(value) >= size:
            return f"A${value / size:.2f}{suffix}"
    return f"A${value:,}"


@register.filter
def day(value) -> str:
    """A date as "12 Sep 2018"; missing -> "—"."""
    if value is None:
        return MISSING
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return f"{value.day} {value:%b %Y}"


@register.filter
def ago(value) -> str:
    """A past moment as "3 h ago"; missing -> "—"."""
    if value is None:
        return MISSING
    seconds = max(0, (timezone.now() - value).total_seconds())
    for size, unit in ((86400 * 365, "y"), (86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return "just now"


@register.filter
def or_missing(value) -> str:
    return MISSING if value in (None, "") else value
