"""Key figures from plain statement tables: no DynamoDB, no Django."""

import datetime

import pytest

from companies import ratios
from companies.selectors import LineItem, PeriodColumn, StatementTable

FETCHED = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
Y2026, Y2025, Y2024 = (
    datetime.date(2026, 6, 30),
    datetime.date(2025, 6, 30),
    datetime.date(2024, 6, 30),
)


def table(statement: str, ends: list[datetime.date], **items: list) -> StatementTable:
    return StatementTable(
        ticker="TST",
        statement=statement,
        period_type="annual",
        currency="AUD",
        periods=[PeriodColumn(end=end, months=12, fetched=FETCHED, source="yahoo") for end in ends],
        items=[LineItem(key=key, label=key, values=values) for key, values in items.items()],
    )


def figures_of(**tables) -> dict[str, ratios.Figure]:
    return {figure.key: figure for figure in ratios.key_figures(tables, period_label="year")}


def full_statements() -> dict:
    ends = [Y2026, Y2025]
    return {
        "income": table(
            "income",
            ends,
            TotalRevenue=[1200, 1000],
            GrossProfit=[480, 380],
            OperatingIncome=[240, 200],
            NetIncome=[120, 150],
            DilutedEPS=[0.12, 0.15],
        ),
        "balance": table(
            "balance",
            ends,
            StockholdersEquity=[600, 500],
            TotalDebt=[300, 200],
            CurrentAssets=[500, 400],
            CurrentLiabilities=[250, 200],
        ),
        "cashflow": table(
            "cashflow", ends, OperatingCashFlow=[200, 180], CapitalExpenditure=[-50, -40]
        ),
    }


def test_every_figure_from_complete_statements():
    figures = figures_of(**full_statements())
    assert figures["revenue_growth"].value == pytest.approx(0.2)
    assert figures["net_income_growth"].value == pytest.approx(-0.2)
    assert figures["gross_margin"].value == pytest.approx(0.4)
    assert figures["operating_margin"].value == pytest.approx(0.2)
    assert figures["net_margin"].value == pytest.approx(0.1)
    assert figures["return_on_equity"].value == pytest.approx(0.2)
    assert figures["debt_to_equity"].value == pytest.approx(0.5)
    assert figures["current_ratio"].value == pytest.approx(2.0)
    assert figures["free_cash_flow"].value == 150  # computed: no FreeCashFlow line item
    assert figures["eps"].value == 0.12
    assert figures["revenue_growth"].periods == (Y2026, Y2025)
    assert figures["gross_margin"].periods == (Y2026,)


def test_a_missing_input_gives_no_figure():
    statements = full_statements()
    statements["income"] = table(
        "income", [Y2026, Y2025], TotalRevenue=[1200, None], GrossProfit=[None, 380]
    )
    figures = figures_of(**statements)
    assert figures["revenue_growth"].missing
    assert figures["gross_margin"].missing
    assert figures["net_margin"].missing  # NetIncome never reported
    assert figures["current_ratio"].value == pytest.approx(2.0)


def test_zero_or_negative_denominators_give_no_figure():
    statements = full_statements()
    statements["income"] = table(
        "income", [Y2026, Y2025], TotalRevenue=[0, 0], NetIncome=[-5, 0], GrossProfit=[0, 0]
    )
    statements["balance"] = table(
        "balance",
        [Y2026],
        StockholdersEquity=[-10],
        TotalDebt=[30],
        CurrentAssets=[5],
        CurrentLiabilities=[0],
    )
    figures = figures_of(**statements)
    for key in (
        "revenue_growth",
        "net_income_growth",
        "gross_margin",
        "net_margin",
        "return_on_equity",
        "debt_to_equity",
        "current_ratio",
    ):
        assert figures[key].missing, key


def test_growth_from_a_loss_is_missing_as_in_the_statement_table():
    statements = full_statements()
    statements["income"] = table("income", [Y2026, Y2025], TotalRevenue=[1, 1], NetIncome=[-5, -10])
    assert figures_of(**statements)["net_income_growth"].missing


def test_growth_needs_the_period_a_year_before():
    statements = full_statements()
    statements["income"] = table("income", [Y2026, Y2024], TotalRevenue=[1200, 1000])
    figures = figures_of(**statements)
    assert figures["revenue_growth"].missing
    assert figures["revenue_growth"].periods == (Y2026,)


def test_balance_sheet_inputs_come_from_the_same_period_end():
    statements = full_statements()
    statements["balance"] = table(
        "balance", [Y2025], StockholdersEquity=[500], CurrentAssets=[400], CurrentLiabilities=[200]
    )
    figures = figures_of(**statements)
    assert figures["return_on_equity"].missing
    assert figures["current_ratio"].missing


def test_reported_free_cash_flow_wins():
    statements = full_statements()
    statements["cashflow"] = table("cashflow", [Y2026], FreeCashFlow=[99], OperatingCashFlow=[200])
    figure = figures_of(**statements)["free_cash_flow"]
    assert figure.value == 99
    assert "as reported" in figure.formula


def test_no_statements_at_all_gives_every_figure_missing():
    empty = {name: table(name, []) for name in ("income", "balance", "cashflow")}
    assert all(figure.missing for figure in ratios.key_figures(empty))


def test_chart_series_runs_oldest_first_with_gaps_kept():
    statements = full_statements()
    series = ratios.chart_series(statements)
    assert series["ends"] == ["2025-06-30", "2026-06-30"]
    assert series["revenue"] == [1000, 1200]
    assert series["free_cash_flow"] == [140, 150]
    assert series["total_assets"] == [None, None]
