"""The fake Yahoo's companies: who they are and every figure they report, test-only.

Companies come from tests/fixtures/yahoo_companies.json (`fixture_companies`) and, for any
other symbol, from `generated_company` (realistic, deterministic, for benchmarks). Each
company's figures are derived from its revenue per period by `period_statements`: income and
cash flow scale with the period's revenue, the balance sheet with the year's, and a steady
+-10% jitter per symbol, period and line item keeps them from being exact multiples.
`company_points` lays them out as Yahoo's timeseries points ("annualTotalRevenue" -> {period
end: raw value}), rounded as Yahoo reports them.
"""

import calendar
import datetime
import json
import random
import zlib
from dataclasses import dataclass, field
from pathlib import Path

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "yahoo_companies.json"
AS_OF = datetime.date(2026, 6, 30)  # the newest period end a generated company reports

UNROUNDED = {"BasicEPS", "DilutedEPS", "TaxRateForCalcs"}
COUNTS = {"BasicAverageShares", "DilutedAverageShares", "ShareIssued", "OrdinarySharesNumber"}


@dataclass
class FakeCompany:
    """One company as the fake Yahoo serves it; `delisted`: Yahoo no longer knows it."""

    symbol: str
    profile: dict = field(default_factory=dict)  # Yahoo's field names: longName, sector, ...
    delisted: bool = False
    # Yahoo type name ("annualTotalRevenue") -> {period end: raw value}
    points: dict[str, dict[datetime.date, float | int]] = field(default_factory=dict)
    # how it trades (listing, volatility, dividends, splits), the fixture's "prices" entry;
    # empty: seeded from the symbol (see tests.fakes.prices)
    prices: dict = field(default_factory=dict)

    @property
    def financial_currency(self) -> str:
        return self.profile.get("financialCurrency") or self.profile.get("currency") or "AUD"


def _date(text: str) -> datetime.date:
    return datetime.date.fromisoformat(text)


def _month_end(year: int, month: int) -> datetime.date:
    return datetime.date(year, month, calendar.monthrange(year, month)[1])


def _months_back(end: datetime.date, months: int) -> datetime.date:
    index = end.year * 12 + end.month - 1 - months
    return _month_end(index // 12, index % 12 + 1)


def _jitter(symbol: str, end: datetime.date, key: str) -> float:
    """A steady +-10% so that no two periods or companies are exact multiples."""
    return 1 + (zlib.crc32(f"{symbol}|{end}|{key}".encode()) % 2001 - 1000) / 10000


def _income(revenue: float, shares: int, j, kind: str) -> dict[str, float]:
    da = revenue * 0.07 * j("da")
    if kind == "bank":
        interest_income = revenue * 1.9 * j("ii")
        interest_expense = interest_income - revenue * 0.78
        opex = revenue * 0.42 * j("opex")
        pretax = revenue - opex - revenue * 0.04
        items = {
            "InterestIncome": interest_income,
            "InterestExpense": interest_expense,
            "NetInterestIncome": interest_income - interest_expense,
            "SalariesAndWages": opex * 0.55,
            "OccupancyAndEquipment": opex * 0.12,
            "OtherNonInterestExpense": opex * 0.33,
            "SellingGeneralAndAdministration": opex,
        }
        expenses = opex
    else:
        cost = revenue * 0.58 * j("cost")
        sga = revenue * 0.09 * j("sga")
        other = revenue * 0.04 * j("other")
        interest_expense = revenue * 0.015 * j("ie")
        interest_income = revenue * 0.006 * j("ii")
        pretax = revenue - cost - sga - other - interest_expense + interest_income
        items = {
            "CostOfRevenue": cost,
            "ReconciledCostOfRevenue": cost,
            "GrossProfit": revenue - cost,
            "SellingGeneralAndAdministration": sga,
            "OtherOperatingExpenses": other,
            "OperatingExpense": sga + other,
            "OperatingIncome": revenue - cost - sga - other,
            "TotalOperatingIncomeAsReported": revenue - cost - sga - other,
            "InterestExpense": interest_expense,
            "InterestExpenseNonOperating": interest_expense,
            "InterestIncome": interest_income,
            "InterestIncomeNonOperating": interest_income,
            "NetInterestIncome": interest_income - interest_expense,
            "NetNonOperatingInterestIncomeExpense": interest_income - interest_expense,
        }
        expenses = cost + sga + other
    tax = pretax * 0.3
    net = pretax - tax
    minority = net * 0.02
    common = net - minority
    diluted_shares = round(shares * 1.002)
    items |= {
        "TotalRevenue": revenue,
        "OperatingRevenue": revenue,
        "TotalExpenses": expenses,
        "ReconciledDepreciation": da,
        "EBIT": pretax + items["InterestExpense"],
        "EBITDA": pretax + items["InterestExpense"] + da,
        "NormalizedEBITDA": pretax + items["InterestExpense"] + da,
        "PretaxIncome": pretax,
        "TaxProvision": tax,
        "TaxRateForCalcs": 0.3,
        "TaxEffectOfUnusualItems": 0,
        "NetIncomeContinuousOperations": net,
        "NetIncomeIncludingNoncontrollingInterests": net,
        "MinorityInterests": -minority,
        "NetIncome": common,
        "NetIncomeCommonStockholders": common,
        "DilutedNIAvailtoComStockholders": common,
        "NetIncomeFromContinuingOperationNetMinorityInterest": common,
        "NetIncomeFromContinuingAndDiscontinuedOperation": common,
        "NormalizedIncome": common,
        "BasicAverageShares": shares,
        "DilutedAverageShares": diluted_shares,
        "BasicEPS": round(common / shares, 4),
        "DilutedEPS": round(common / diluted_shares, 4),
    }
    return items


def _balance(annual_revenue: float, shares: int, j, kind: str) -> dict[str, float]:
    if kind == "bank":
        assets = annual_revenue * 45 * j("ta")
        cash = assets * 0.07
        loans = assets * 0.72
        goodwill = assets * 0.006
        liabilities = assets * 0.935
        debt = liabilities * 0.16
        equity = assets - liabilities
        return {
            "TotalAssets": assets,
            "CashAndCashEquivalents": cash,
            "CashFinancial": cash,
            "NetLoan": loans,
            "TradingSecurities": assets * 0.05,
            "AvailableForSaleSecurities": assets * 0.09,
            "GoodwillAndOtherIntangibleAssets": goodwill,
            "Goodwill": goodwill * 0.8,
            "NetPPE": assets * 0.004,
            "TotalLiabilitiesNetMinorityInterest": liabilities,
            "LongTermDebt": debt,
            "TotalDebt": debt,
            "StockholdersEquity": equity,
            "CommonStockEquity": equity,
            "TotalEquityGrossMinorityInterest": equity,
            "RetainedEarnings": equity * 0.45,
            "CapitalStock": equity * 0.55,
            "CommonStock": equity * 0.55,
            "ShareIssued": shares,
            "OrdinarySharesNumber": shares,
            "TangibleBookValue": equity - goodwill,
            "InvestedCapital": equity + debt,
        }
    assets = annual_revenue * 1.6 * j("ta")
    current = assets * 0.28
    cash = current * 0.45
    receivables = current * 0.3
    inventory = current * 0.18
    non_current = assets - current
    net_ppe = non_current * 0.72
    gross_ppe = net_ppe * 1.65
    goodwill = non_current * 0.08
    liabilities = assets * 0.48
    current_liabilities = liabilities * 0.35
    current_debt = current_liabilities * 0.2
    payables = current_liabilities * 0.5
    long_term_debt = (liabilities - current_liabilities) * 0.6
    minority = assets * 0.01
    equity = assets - liabilities - minority
    debt = current_debt + long_term_debt
    items = {
        "TotalAssets": assets,
        "CurrentAssets": current,
        "CashAndCashEquivalents": cash,
        "CashCashEquivalentsAndShortTermInvestments": cash,
        "Receivables": receivables,
        "AccountsReceivable": receivables * 0.8,
        "OtherReceivables": receivables * 0.2,
        "Inventory": inventory,
        "OtherCurrentAssets": current - cash - receivables - inventory,
        "TotalNonCurrentAssets": non_current,
        "NetPPE": net_ppe,
        "GrossPPE": gross_ppe,
        "AccumulatedDepreciation": net_ppe - gross_ppe,
        "GoodwillAndOtherIntangibleAssets": goodwill,
        "Goodwill": goodwill * 0.7,
        "OtherIntangibleAssets": goodwill * 0.3,
        "OtherNonCurrentAssets": non_current - net_ppe - goodwill,
        "TotalLiabilitiesNetMinorityInterest": liabilities,
        "CurrentLiabilities": current_liabilities,
        "AccountsPayable": payables,
        "Payables": payables,
        "PayablesAndAccruedExpenses": payables,
        "CurrentDebt": current_debt,
        "CurrentDebtAndCapitalLeaseObligation": current_debt,
        "OtherCurrentLiabilities": current_liabilities - payables - current_debt,
        "TotalNonCurrentLiabilitiesNetMinorityInterest": liabilities - current_liabilities,
        "LongTermDebt": long_term_debt,
        "LongTermDebtAndCapitalLeaseObligation": long_term_debt,
        "OtherNonCurrentLiabilities": liabilities - current_liabilities - long_term_debt,
        "TotalDebt": debt,
        "StockholdersEquity": equity,
        "CommonStockEquity": equity,
        "TotalEquityGrossMinorityInterest": equity + minority,
        "MinorityInterest": minority,
        "RetainedEarnings": equity * 0.7,
        "CapitalStock": equity * 0.3,
        "CommonStock": equity * 0.3,
        "ShareIssued": shares,
        "OrdinarySharesNumber": shares,
        "WorkingCapital": current - current_liabilities,
        "TangibleBookValue": equity - goodwill,
        "InvestedCapital": equity + debt,
        "TotalCapitalization": equity + long_term_debt,
    }
    if debt > cash:  # Yahoo leaves NetDebt out when there is net cash
        items["NetDebt"] = debt - cash
    return items


def _cash_flow(revenue: float, income: dict, j) -> dict[str, float]:
    net = income["NetIncomeContinuousOperations"]
    da = income["ReconciledDepreciation"]
    working_capital = -revenue * 0.02 * j("wc")
    compensation = revenue * 0.003
    operating = net + da + working_capital + compensation
    capex = -revenue * 0.11 * j("capex")
    other_investing = -revenue * 0.01 * j("oi")
    dividends = -max(net, 0) * 0.6
    repaid = -revenue * 0.03 * j("repay")
    issued = revenue * 0.025 * j("issue")
    financing = dividends + repaid + issued
    change = operating + capex + other_investing + financing
    beginning = revenue * 0.2 * j("begin")
    return {
        "OperatingCashFlow": operating,
        "CashFlowFromContinuingOperatingActivities": operating,
        "NetIncomeFromContinuingOperations": net,
        "DepreciationAndAmortization": da,
        "DepreciationAmortizationDepletion": da,
        "ChangeInWorkingCapital": working_capital,
        "StockBasedCompensation": compensation,
        "CapitalExpenditure": capex,
        "PurchaseOfPPE": capex,
        "NetPPEPurchaseAndSale": capex,
        "NetOtherInvestingChanges": other_investing,
        "InvestingCashFlow": capex + other_investing,
        "CashFlowFromContinuingInvestingActivities": capex + other_investing,
        "CashDividendsPaid": dividends,
        "CommonStockDividendPaid": dividends,
        "RepaymentOfDebt": repaid,
        "LongTermDebtPayments": repaid,
        "IssuanceOfDebt": issued,
        "LongTermDebtIssuance": issued,
        "NetIssuancePaymentsOfDebt": repaid + issued,
        "NetLongTermDebtIssuance": repaid + issued,
        "FinancingCashFlow": financing,
        "CashFlowFromContinuingFinancingActivities": financing,
        "FreeCashFlow": operating + capex,
        "ChangesInCash": change,
        "BeginningCashPosition": beginning,
        "EndCashPosition": beginning + change,
        "IncomeTaxPaidSupplementalData": income["TaxProvision"] * 0.9,
        "InterestPaidSupplementalData": income["InterestExpense"] * 0.95,
    }


def _raw(key: str, value: float) -> float | int:
    if key in UNROUNDED:
        return value
    if key in COUNTS:
        return int(value)
    return int(round(value, -3))  # ASX accounts are in thousands at best


def period_statements(
    symbol: str,
    *,
    end: datetime.date,
    revenue: float,
    shares: int,
    year_revenue: float | None = None,
    kind: str = "general",
) -> dict[str, dict[str, float]]:
    """One period's three statements, {"income": ..., "balance": ..., "cashflow": ...}, each
    {Yahoo line item ("TotalRevenue"): value}, as the fake Yahoo derives them for `symbol`'s
    period ending `end`.

    `revenue` is the period's revenue in the reporting currency; income and cash flow scale
    with it. `year_revenue` is the revenue of the year the period belongs to, which the balance
    sheet scales with (None: `revenue`, for a full year). `shares` is the share count; `kind`
    is "general" or "bank". Values are floats before Yahoo's rounding (`company_points` rounds
    them to thousands, and counts to whole shares); a line item Yahoo leaves out (NetDebt when
    there is net cash) is absent."""

    def j(key: str) -> float:
        return _jitter(symbol, end, key)

    income = _income(revenue, shares, j, kind)
    return {
        "income": income,
        "balance": _balance(revenue if year_revenue is None else year_revenue, shares, j, kind),
        "cashflow": _cash_flow(revenue, income, j),
    }


def company_points(
    symbol: str,
    *,
    annual: dict[datetime.date, float],
    quarterly: dict[datetime.date, float],
    trailing: datetime.date | None,
    shares: int,
    kind: str = "general",
) -> dict[str, dict[datetime.date, float | int]]:
    """Every timeseries point of one company, derived from its revenue per period (in the
    reporting currency) by `period_statements`: income and cash flow scale with the period's
    revenue, the balance sheet with the year's."""
    points: dict[str, dict[datetime.date, float | int]] = {}

    def add(prefix: str, end: datetime.date, items: dict[str, float]) -> None:
        for key, value in items.items():
            points.setdefault(prefix + key, {})[end] = _raw(key, value)

    def yearly_revenue(end: datetime.date) -> float:
        nearest = min(annual, key=lambda a: abs((a - end).days)) if annual else None
        return annual[nearest] if nearest else sum(quarterly.values()) / len(quarterly) * 2

    for prefix, periods in (("annual", annual), ("quarterly", quarterly)):
        for end, revenue in periods.items():
            statements = period_statements(
                symbol,
                end=end,
                revenue=revenue,
                year_revenue=yearly_revenue(end),
                shares=shares,
                kind=kind,
            )
            for items in statements.values():
                add(prefix, end, items)
    if trailing is not None:
        revenue = annual[trailing] if trailing in annual else yearly_revenue(trailing)
        statements = period_statements(
            symbol, end=trailing, revenue=revenue, shares=shares, kind=kind
        )
        add("trailing", trailing, statements["income"])  # Yahoo has no trailing balance sheet
        add("trailing", trailing, statements["cashflow"])
    return points


def _fixture_company(spec: dict) -> FakeCompany:
    symbol = spec["symbol"]
    if spec.get("delisted"):
        return FakeCompany(symbol=symbol, delisted=True)
    profile = {key: value for key, value in spec.items() if key[0].islower() and key[0] != "_"}
    for key in (
        "symbol",
        "kind",
        "annual",
        "quarterly",
        "trailing",
        "figures",
        "missing",
        "prices",
    ):
        profile.pop(key, None)
    points = company_points(
        symbol,
        annual={_date(end): value for end, value in spec["annual"].items()},
        quarterly={_date(end): value for end, value in spec["quarterly"].items()},
        trailing=_date(spec["trailing"]) if spec.get("trailing") else None,
        shares=spec["sharesOutstanding"],
        kind=spec.get("kind", "general"),
    )
    for type_name, values in spec.get("figures", {}).items():
        for end, value in values.items():
            points.setdefault(type_name, {})[_date(end)] = value
    for type_name, end in spec.get("missing", []):
        points.get(type_name, {}).pop(_date(end), None)
    return FakeCompany(symbol=symbol, profile=profile, points=points, prices=spec.get("prices", {}))


def fixture_companies(path: Path = FIXTURE) -> dict[str, FakeCompany]:
    """The companies of tests/fixtures/yahoo_companies.json, by Yahoo symbol."""
    specs = json.loads(path.read_text())["companies"]
    return {spec["symbol"]: _fixture_company(spec) for spec in specs}


_SECTORS = (
    ("Basic Materials", "Gold"),
    ("Basic Materials", "Other Industrial Metals & Mining"),
    ("Energy", "Oil & Gas E&P"),
    ("Healthcare", "Biotechnology"),
    ("Technology", "Software - Application"),
    ("Real Estate", "REIT - Diversified"),
    ("Consumer Cyclical", "Specialty Retail"),
    ("Industrials", "Engineering & Construction"),
    ("Financial Services", "Asset Management"),
    ("Communication Services", "Telecom Services"),
)
_CITIES = (("Sydney", "NSW", "2000"), ("Melbourne", "VIC", "3000"), ("Perth", "WA", "6000"))


def generated_company(symbol: str) -> FakeCompany:
    """A realistic, deterministic company for any symbol: a June (or December) year end, four
    years of annual figures, five half-years (a few: quarters; some: none), AUD (a few report
    in USD)."""
    code = symbol.split(".")[0].upper()
    rng = random.Random(zlib.crc32(symbol.encode()))
    year_end_month = 6 if rng.random() < 0.7 else 12
    cadence = rng.choices((6, 3, None), weights=(75, 5, 20))[0]
    scale = 10 ** rng.uniform(6.5, 10.5)
    growth = rng.uniform(-0.05, 0.15)
    shares = int(10 ** rng.uniform(7.5, 9.7))
    latest_annual = AS_OF if year_end_month == 6 else _month_end(AS_OF.year - 1, 12)
    annual_ends = [_months_back(latest_annual, 12 * n) for n in range(3, -1, -1)]

    def revenue_at(end: datetime.date, months: int) -> float:
        years = (end - annual_ends[0]).days / 365.25
        return scale * (1 + growth) ** years * months / 12 * _jitter(symbol, end, "revenue")

    annual = {end: revenue_at(end, 12) for end in annual_ends}
    quarterly = {}
    if cadence:
        quarterly = {
            _months_back(AS_OF, cadence * n): revenue_at(_months_back(AS_OF, cadence * n), cadence)
            for n in range(4, -1, -1)
        }
    sector, industry = rng.choice(_SECTORS)
    city, state, postcode = rng.choice(_CITIES)
    currency = "USD" if rng.random() < 0.05 else "AUD"
    price = round(10 ** rng.uniform(-1.3, 1.9), 3)
    profile = {
        "longName": f"{code.title()} Holdings Limited",
        "shortName": f"{code} HOLDINGS FPO [{code}]",
        "sector": sector,
        "industry": industry,
        "website": f"https://www.{code.lower()}.com.au",
        "address1": f"Level {rng.randint(1, 40)}, {rng.randint(1, 400)} George Street",
        "city": city,
        "state": state,
        "zip": postcode,
        "country": "Australia",
        "phone": f"61 {rng.randint(2, 8)} {rng.randint(8000, 9999)} {rng.randint(1000, 9999)}",
        "fullTimeEmployees": rng.randint(2, 40000),
        "longBusinessSummary": f"{code.title()} Holdings Limited operates in {industry.lower()} "
        f"in Australia. The company is headquartered in {city}, Australia.",
        "currency": "AUD",
        "financialCurrency": currency,
        "price": price,
        "sharesOutstanding": shares,
    }
    points = company_points(
        symbol,
        annual=annual,
        quarterly=quarterly,
        trailing=max(quarterly) if quarterly else latest_annual,
        shares=shares,
    )
    return FakeCompany(symbol=symbol, profile=profile, points=points)
