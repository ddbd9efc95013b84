"""Template filters that present figures and dates the way readers expect."""

import datetime
import functools
import json
from typing import NamedTuple

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe

from companies.statements import layout

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


def compact(value) -> str:
    """A large number humanised without a currency: 228512000000 -> "228.51B"."""
    if value is None:
        return MISSING
    sign = "−" if value < 0 else ""
    for size, suffix in SCALES:
        if abs(value) >= size:
            return f"{sign}{abs(value) / size:.2f}{suffix}"
    return f"{sign}{abs(value):,.0f}"


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
def compact_json_script(value, element_id: str) -> str:
    """Like Django's json_script, without the spaces after separators (a price chart's data
    is a few thousand numbers) and escaped with three replaces rather than str.translate."""
    text = json.dumps(value, cls=DjangoJSONEncoder, separators=(",", ":"))
    text = text.replace("&", "\\u0026").replace("<", "\\u003C").replace(">", "\\u003E")
    return mark_safe(f'<script id="{escape(element_id)}" type="application/json">{text}</script>')


@register.filter
def or_missing(value) -> str:
    return MISSING if value in (None, "") else value


# --- statement tables ---------------------------------------------------------------------------

# A table is shown in one unit, chosen so its typical figure keeps 1-4 digits before the point.
UNIT_SCALES = ((1, ""), (10**3, "thousands"), (10**6, "millions"), (10**9, "billions"))


class Units(NamedTuple):
    scale: int  # divide stored figures by this
    name: str  # "", "thousands", "millions", "billions"
    decimals: int

    def caption(self, currency: str | None) -> str:
        """ "USD millions", "AUD thousands", "AUD" (figures as they are); no currency known ->
        "millions"."""
        parts = [part for part in (currency, self.name) if part]
        return " ".join(parts) if parts else "as reported"


def _kind(item) -> str:
    return getattr(item, "kind", None) or layout.figure_kind(item.key)


def table_units(items, *, kind: str = layout.MONEY) -> Units:
    """Units for the `kind` rows of a table (money by default; SHARES for share counts) from
    the median absolute magnitude of their figures (zeros left out: they say nothing about
    size). Per-share figures, rates and computed fractions keep their own units."""
    sizes = sorted(
        abs(value) for item in items if _kind(item) == kind for value in item.values if value
    )
    if not sizes:
        return Units(1, "", 0)
    median = sizes[len(sizes) // 2]
    scale, name = UNIT_SCALES[-1]
    for candidate, candidate_name in UNIT_SCALES:
        if median / candidate < 10_000:
            scale, name = candidate, candidate_name
            break
    shown = median / scale
    decimals = 0 if scale == 1 or shown >= 100 else (1 if shown >= 10 else 2)
    return Units(scale, name, decimals)


def _grouped(number: float, decimals: int) -> str:
    return f"{abs(number):,.{decimals}f}"


def table_figure(value, *, units: Units, key: str = "", kind: str | None = None) -> str:
    """One cell of a statement table: money and share counts scaled to their `units`,
    per-share figures and rates as they are, computed fractions as percentages; negatives in
    parentheses (a computed percentage with a minus), missing as "—" (never 0)."""
    if value is None:
        return MISSING
    kind = kind or layout.figure_kind(key)
    if kind == layout.FRACTION:
        return f"{'−' if value < 0 else ''}{abs(value) * 100:,.1f}%"
    if kind in (layout.PER_SHARE, layout.RATE):
        text = f"{abs(value):,.4f}".rstrip("0")
        whole, _, fraction = text.partition(".")
        text = f"{whole}.{fraction.ljust(2, '0')}"
    else:
        text = _grouped(value / units.scale, units.decimals)
        if float(text.replace(",", "")) == 0 and value != 0:
            text = _grouped(value / units.scale, units.decimals + 2)
    return f"({text})" if value < 0 else text


def table_figures(values, *, units: Units, kind: str) -> list[str]:
    """A row's cells, as table_figure gives each (one row has one kind and one unit)."""
    if kind in (layout.FRACTION, layout.PER_SHARE, layout.RATE):
        return [table_figure(value, units=units, kind=kind) for value in values]
    scale, decimals, cells = units.scale, units.decimals, []
    for value in values:
        if value is None:
            cells.append(MISSING)
            continue
        text = f"{abs(value / scale):,.{decimals}f}"
        if not text.strip("0.,") and value != 0:  # all zeros: too small for the table's unit
            text = f"{abs(value / scale):,.{decimals + 2}f}"
        cells.append(f"({text})" if value < 0 else text)
    return cells


@register.filter
def key_figure(figure) -> str:
    """A ratios.Figure as text: "12.3%", "1.25×", "USD 1.23B" (currency given separately),
    "0.4512"; missing -> "—"."""
    value = figure.value
    if value is None:
        return MISSING
    sign = "−" if value < 0 else ""
    if figure.kind == "percent":
        return f"{sign}{abs(value) * 100:,.1f}%"
    if figure.kind == "times":
        return f"{sign}{abs(value):,.2f}×"
    if figure.kind == "money":
        for size, suffix in SCALES:
            if abs(value) >= size:
                return f"{sign}{abs(value) / size:,.2f}{suffix}"
        return f"{sign}{abs(value):,.0f}"
    return f"{sign}{abs(value):,.4f}".rstrip("0").rstrip(".")


@register.filter
@functools.lru_cache(maxsize=4096)  # a few hundred period ends and trading days recur
def period_end(value: datetime.date | str) -> str:
    """A period end (a date or an ISO date) as "30 Jun 2026"."""
    if isinstance(value, str):
        value = datetime.date.fromisoformat(value)
    return f"{value.day} {value:%b %Y}"


@register.filter
def until(value) -> str:
    """A future moment as "in 3 h"; past or missing -> "now"."""
    if value is None:
        return "now"
    seconds = (value - timezone.now()).total_seconds()
    if seconds <= 0:
        return "now"
    for size, unit in ((86400 * 365, "y"), (86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"in {int(seconds // size)} {unit}"
    return "in under a minute"
