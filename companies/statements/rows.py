"""A stored statement as the rows a reader sees: in layout order, with level, subtotal, units
kind and label, and the computed rows (growth, margins) worked out from the reported figures.
Pure: takes a selectors.StatementTable, returns plain data."""

import datetime
from typing import NamedTuple

from companies.statements import layout
from companies.statements.labels import line_item_label

# How far apart two period ends may be and still count as "a year apart" (52/53-week years).
YEAR_DAYS = range(350, 381)


class StatementRow(NamedTuple):
    key: str  # Yahoo's raw key, or a computed row's own name ("gross_margin")
    label: str
    values: list  # aligned with the table's periods; None where there is no figure
    level: int  # 0: a section total or a line of its own; 1 and more: parts, indented
    subtotal: bool
    kind: str  # layout.MONEY, PER_SHARE, SHARES, RATE, or FRACTION for computed rows
    section: str
    key_line: bool
    formula: str | None = None  # how a computed row is worked out; None for reported rows

    @property
    def computed(self) -> bool:
        return self.formula is not None


def _year_before(ends: list[datetime.date], months: list[int], i: int) -> int | None:
    for j, end in enumerate(ends):
        if months[j] == months[i] and (ends[i] - end).days in YEAR_DAYS:
            return j
    return None


def growth(current, previous) -> float | None:
    """Change on a base figure as a fraction of it; None where an input is missing or the base
    is zero or negative: growth from a loss says nothing a reader can use."""
    if current is None or previous is None or previous <= 0:
        return None
    return (current - previous) / previous


def _share(part, whole) -> float | None:
    if part is None or whole is None or whole <= 0:
        return None
    return part / whole


def _first_reported(columns: dict[str, list], keys: tuple[str, ...], count: int) -> list:
    """Per period, the first of `keys` with a figure (Yahoo names some figures two ways)."""
    values = []
    for i in range(count):
        found = None
        for key in keys:
            value = columns.get(key, [None] * count)[i]
            if value is not None:
                found = value
                break
        values.append(found)
    return values


def computed_values(row: layout.Computed, table) -> list:
    """A computed row's value per period of `table` (a plain fraction: 0.146 for 14.6%)."""
    columns = {item.key: item.values for item in table.items}
    count = len(table.periods)
    source = columns.get(row.of, [None] * count)
    if row.kind == "margin":
        revenue = _first_reported(columns, layout.REVENUE_KEYS, count)
        return [_share(value, base) for value, base in zip(source, revenue, strict=True)]
    ends = [period.end for period in table.periods]
    months = [period.months for period in table.periods]
    values = []
    for i in range(count):
        j = _year_before(ends, months, i)
        values.append(None if j is None else growth(source[i], source[j]))
    return values


def statement_rows(table, *, lines: str = layout.ALL_LINES) -> list[StatementRow]:
    """`table`'s line items in layout order (see layout.arrange), computed rows beside them."""
    items = {item.key: item for item in table.items}
    rows = []
    for slot in layout.arrange(table.statement, list(items), lines=lines):
        if slot.computed is not None:
            rows.append(
                StatementRow(
                    key=slot.key,
                    label=slot.label,
                    values=computed_values(slot.computed, table),
                    level=slot.level,
                    subtotal=False,
                    kind=layout.FRACTION,
                    section=slot.section,
                    key_line=True,
                    formula=slot.computed.formula,
                )
            )
            continue
        rows.append(
            StatementRow(
                key=slot.key,
                label=slot.label or line_item_label(slot.key),
                values=items[slot.key].values,
                level=slot.level,
                subtotal=slot.subtotal,
                kind=layout.figure_kind(slot.key),
                section=slot.section,
                key_line=slot.key_line,
            )
        )
    return rows
