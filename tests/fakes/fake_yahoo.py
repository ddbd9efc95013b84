"""A Yahoo-compatible HTTP server on 127.0.0.1 for tests and benchmarks: yfinance's real code
reaches it through scraping.yahoo's URL rewrite, so nothing is mocked and nothing leaves the
machine. Test-only: never on the production path.

It speaks what yfinance 1.7 asks for: the cookie (`fc.yahoo.com` -> `/`), the crumb
(`/v1/test/getcrumb`), `/v10/finance/quoteSummary/{SYMBOL}`, `/v7/finance/quote?symbols=` and
`/ws/fundamentals-timeseries/v1/finance/timeseries/{SYMBOL}` (exactly the `type=` names asked
for, within period1..period2), in the shapes of the payloads recorded in
shared/data/yahoo-shapes/. Companies come from tests/fixtures/yahoo_companies.json and, with
`any_symbol=True`, from `generated_company` for every other symbol (for benchmarks).

Faults are set at run time, for one symbol or all, one endpoint or every data endpoint, a
number of times or for good: "429", "500", "timeout" (hang past the client's timeout),
"slow" (`seconds` of extra latency), "malformed" (truncated JSON), "null_point" (a null in a
timeseries list). `latency` delays every answer.

    with FakeYahoo() as yahoo:
        yahoo.set_fault("429", symbol="BHP.AX", times=1)
        client = YahooClient(base_url=yahoo.base_url, ...)
"""

import calendar
import datetime
import json
import random
import threading
import time
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "yahoo_companies.json"
CRUMB = "haT3oykhHqZ"  # as recorded in shared/data/yahoo-shapes/getcrumb.response.json
AS_OF = datetime.date(2026, 6, 30)  # the newest period end a generated company reports

FAULT_MODES = ("429", "500", "timeout", "slow", "malformed", "null_point")
DATA_ENDPOINTS = ("quoteSummary", "quote", "timeseries")
PERIOD_TYPES = {"annual": "12M", "quarterly": "3M", "trailing": "TTM"}  # Yahoo's labels
UNROUNDED = {"BasicEPS", "DilutedEPS", "TaxRateForCalcs"}
COUNTS = {"BasicAverageShares", "DilutedAverageShares", "ShareIssued", "OrdinarySharesNumber"}


# --- companies ------------------------------------------------------------------------------


@dataclass
class FakeCompany:
    symbol: str
    profile: dict = field(default_factory=dict)  # Yahoo's field names: longName, sector, ...
    delisted: bool = False
    # Yahoo type name ("annualTotalRevenue") -> {period end: raw value}
    points: dict[str, dict[datetime.date, float | int]] = field(default_factory=dict)

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
    reporting currency): income and cash flow scale with the period's revenue, the balance
    sheet with the year's."""
    points: dict[str, dict[datetime.date, float | int]] = {}

    def add(prefix: str, end: datetime.date, items: dict[str, float]) -> None:
        for key, value in items.items():
            points.setdefault(prefix + key, {})[end] = _raw(key, value)

    def yearly_revenue(end: datetime.date) -> float:
        nearest = min(annual, key=lambda a: abs((a - end).days)) if annual else None
        return annual[nearest] if nearest else sum(quarterly.values()) / len(quarterly) * 2

    def jitter(end):
        return lambda key: _jitter(symbol, end, key)

    for prefix, periods in (("annual", annual), ("quarterly", quarterly)):
        for end, revenue in periods.items():
            income = _income(revenue, shares, jitter(end), kind)
            add(prefix, end, income)
            add(prefix, end, _balance(yearly_revenue(end), shares, jitter(end), kind))
            add(prefix, end, _cash_flow(revenue, income, jitter(end)))
    if trailing is not None:
        revenue = annual[trailing] if trailing in annual else yearly_revenue(trailing)
        income = _income(revenue, shares, jitter(trailing), kind)
        add("trailing", trailing, income)
        add("trailing", trailing, _cash_flow(revenue, income, jitter(trailing)))
    return points


def _fixture_company(spec: dict) -> FakeCompany:
    symbol = spec["symbol"]
    if spec.get("delisted"):
        return FakeCompany(symbol=symbol, delisted=True)
    profile = {key: value for key, value in spec.items() if key[0].islower() and key[0] != "_"}
    for key in ("symbol", "kind", "annual", "quarterly", "trailing", "figures", "missing"):
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
    return FakeCompany(symbol=symbol, profile=profile, points=points)


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


# --- payloads -------------------------------------------------------------------------------


def _epoch(day: datetime.date) -> int:
    return calendar.timegm(day.timetuple())


def _fmt(value: float | int) -> str:
    for size, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.2f}{suffix}"
    return f"{value:.2f}"


def quote_summary_payload(company: FakeCompany, modules: Iterable[str]) -> dict:
    p = company.profile
    now = int(time.time())
    market_cap = int(p["price"] * p["sharesOutstanding"])
    revenue = company.points.get("annualTotalRevenue", {})
    latest_revenue = revenue[max(revenue)] if revenue else None
    known = {
        "assetProfile": {
            **{
                key: p[key]
                for key in ("address1", "address2", "city", "state", "zip", "country", "phone")
                if key in p
            },
            "website": p["website"],
            "industry": p["industry"],
            "industryKey": p["industry"].lower().replace(" ", "-"),
            "industryDisp": p["industry"],
            "sector": p["sector"],
            "sectorKey": p["sector"].lower().replace(" ", "-"),
            "sectorDisp": p["sector"],
            "longBusinessSummary": p["longBusinessSummary"],
            "fullTimeEmployees": p["fullTimeEmployees"],
            "companyOfficers": [],
            "executiveTeam": [],
            "maxAge": 86400,
        },
        "financialData": {
            "maxAge": 86400,
            "currentPrice": p["price"],
            "totalRevenue": latest_revenue,
            "revenuePerShare": round(latest_revenue / p["sharesOutstanding"], 3)
            if latest_revenue
            else None,
            "recommendationKey": "none",
            "financialCurrency": p["financialCurrency"],
        },
        "quoteType": {
            "exchange": "ASX",
            "quoteType": "EQUITY",
            "symbol": company.symbol,
            "underlyingSymbol": company.symbol,
            "shortName": p["shortName"],
            "longName": p["longName"],
            "firstTradeDateEpochUtc": 946854000,
            "timeZoneFullName": "Australia/Sydney",
            "timeZoneShortName": "AEST",
            "uuid": f"{zlib.crc32(company.symbol.encode()):08x}-fake-3c18-89f9-c1fdf4a819fb",
            "messageBoardId": f"finmb_{zlib.crc32(company.symbol.encode())}",
            "gmtOffSetMilliseconds": 36000000,
            "maxAge": 1,
        },
        "defaultKeyStatistics": {
            "maxAge": 1,
            "priceHint": 2,
            "sharesOutstanding": p["sharesOutstanding"],
            "impliedSharesOutstanding": p["sharesOutstanding"],
            "enterpriseValue": int(market_cap * 1.1),
            "category": None,
            "fundFamily": None,
            "lastSplitFactor": None,
        },
        "summaryDetail": {
            "maxAge": 1,
            "priceHint": 2,
            "previousClose": p["price"],
            "open": p["price"],
            "regularMarketPreviousClose": p["price"],
            "marketCap": market_cap,
            "currency": p["currency"],
            "fromCurrency": None,
            "toCurrency": None,
            "lastMarket": None,
            "tradeable": False,
        },
        "price": {
            "maxAge": 1,
            "regularMarketPrice": p["price"],
            "regularMarketTime": now,
            "exchange": "ASX",
            "exchangeName": "ASX",
            "quoteType": "EQUITY",
            "symbol": company.symbol,
            "shortName": p["shortName"],
            "longName": p["longName"],
            "currency": p["currency"],
            "marketCap": market_cap,
        },
    }
    result = {name: known[name] for name in modules if name in known}
    return {"quoteSummary": {"result": [result], "error": None}}


def quote_payload(company: FakeCompany) -> dict:
    p = company.profile
    return {
        "quoteResponse": {
            "result": [
                {
                    "language": "en-US",
                    "region": "US",
                    "quoteType": "EQUITY",
                    "typeDisp": "Equity",
                    "quoteSourceName": "Delayed Quote",
                    "currency": p["currency"],
                    "exchange": "ASX",
                    "fullExchangeName": "ASX",
                    "market": "au_market",
                    "marketState": "CLOSED",
                    "exchangeTimezoneName": "Australia/Sydney",
                    "exchangeTimezoneShortName": "AEST",
                    "gmtOffSetMilliseconds": 36000000,
                    "shortName": p["shortName"],
                    "longName": p["longName"],
                    "financialCurrency": p["financialCurrency"],
                    "regularMarketPrice": p["price"],
                    "regularMarketTime": int(time.time()),
                    "sharesOutstanding": p["sharesOutstanding"],
                    "marketCap": int(p["price"] * p["sharesOutstanding"]),
                    "esgPopulated": False,
                    "tradeable": False,
                    "triggerable": False,
                    "symbol": company.symbol,
                }
            ],
            "error": None,
        }
    }


def timeseries_payload(
    company: FakeCompany | None, symbol: str, types: Iterable[str], period1: int, period2: int
) -> dict:
    """One entry per type asked for, in Yahoo's shape: `meta` alone when there is no figure."""
    result = []
    currency = company.financial_currency if company else None
    for type_name in types:
        entry: dict = {"meta": {"symbol": [symbol], "type": [type_name]}}
        prefix = next((p for p in PERIOD_TYPES if type_name.startswith(p)), None)
        points = company.points.get(type_name, {}) if company else {}
        ends = sorted(end for end in points if period1 <= _epoch(end) <= period2)
        if ends and prefix:
            entry["timestamp"] = [_epoch(end) for end in ends]
            entry[type_name] = [
                {
                    "dataId": 20000 + zlib.crc32(type_name.encode()) % 1000,
                    "asOfDate": end.isoformat(),
                    "periodType": PERIOD_TYPES[prefix],
                    "currencyCode": currency,
                    "reportedValue": {"raw": points[end], "fmt": _fmt(points[end])},
                }
                for end in ends
            ]
        result.append(entry)
    return {"timeseries": {"result": result, "error": None}}


def not_found_payload(symbol: str) -> dict:
    return {
        "quoteSummary": {
            "result": None,
            "error": {"code": "Not Found", "description": f"Quote not found for symbol: {symbol}"},
        }
    }


# --- the server -----------------------------------------------------------------------------


@dataclass
class Fault:
    mode: str
    symbol: str | None
    endpoint: str | None
    remaining: int | None  # None: for good
    seconds: float
    skip: int = 0  # matching requests still to let through first

    def matches(self, endpoint: str, symbol: str | None) -> bool:
        if self.remaining == 0:
            return False
        if self.endpoint is None and endpoint not in DATA_ENDPOINTS:
            return False
        if self.endpoint is not None and self.endpoint != endpoint:
            return False
        return self.symbol is None or self.symbol == symbol


@dataclass(frozen=True)
class Seen:
    at: float  # time.monotonic() when the request arrived
    endpoint: str  # cookie, crumb, consent, quoteSummary, quote, timeseries, other
    symbol: str | None
    status: int | None  # None: the fake hung up without answering
    path: str


class FakeYahoo:
    """The server. `base_url` is what YahooClient(base_url=...) takes; `seen` lists every
    request; `count(endpoint=, symbol=)` counts them."""

    def __init__(
        self,
        *,
        companies: dict[str, FakeCompany] | None = None,
        any_symbol: bool = False,
        latency: float = 0.0,
        hang_seconds: float = 5.0,
    ):
        self.companies = fixture_companies() if companies is None else companies
        self.any_symbol = any_symbol
        self.latency = latency
        self.hang_seconds = hang_seconds
        self.seen: list[Seen] = []
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # lifecycle

    def start(self) -> "FakeYahoo":
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-yahoo", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes any hanging or slow answer
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> "FakeYahoo":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # faults

    def set_fault(
        self,
        mode: str,
        *,
        symbol: str | None = None,
        endpoint: str | None = None,
        times: int | None = None,
        skip: int = 0,
        seconds: float = 0.15,
    ) -> None:
        """Answer with `mode` instead: for `symbol` (None: every symbol), on `endpoint` (None:
        quoteSummary, quote and timeseries), `times` times (None: until clear_faults), after
        letting `skip` matching requests through. `seconds` is the extra latency of "slow"."""
        if mode not in FAULT_MODES:
            raise ValueError(f"mode must be one of {FAULT_MODES}")
        fault = Fault(mode, symbol and symbol.upper(), endpoint, times, seconds, skip)
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, endpoint: str, symbol: str | None) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(endpoint, symbol):
                    if fault.skip > 0:
                        fault.skip -= 1
                        return None
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    # what it saw

    def count(self, endpoint: str | None = None, symbol: str | None = None) -> int:
        with self._lock:
            return sum(
                1
                for seen in self.seen
                if (endpoint is None or seen.endpoint == endpoint)
                and (symbol is None or seen.symbol == symbol)
            )

    def reset_counts(self) -> None:
        with self._lock:
            self.seen.clear()

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self.seen.append(seen)

    def company(self, symbol: str) -> FakeCompany | None:
        company = self.companies.get(symbol)
        if company is None and self.any_symbol:
            company = generated_company(symbol)
            with self._lock:
                company = self.companies.setdefault(symbol, company)
        return company

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)


def _route(path: str, query: dict) -> tuple[str, str | None]:
    if path in ("", "/"):
        return "cookie", None
    if path == "/v1/test/getcrumb":
        return "crumb", None
    if path.startswith("/consent") or path.startswith("/v2/collectConsent"):
        return "consent", None
    if path.startswith("/v10/finance/quoteSummary/"):
        return "quoteSummary", path.rsplit("/", 1)[1].upper()
    if path.rstrip("/") == "/v7/finance/quote":
        symbols = query.get("symbols", [""])[0]
        return "quote", symbols.split(",")[0].upper() or None
    if path.startswith("/ws/fundamentals-timeseries/v1/finance/timeseries/"):
        return "timeseries", path.rsplit("/", 1)[1].upper()
    return "other", None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else headers and body, written apart, wait 40 ms for an ACK
    fake: FakeYahoo

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.do_GET()

    def do_GET(self):
        arrived = time.monotonic()
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        endpoint, symbol = _route(url.path, query)
        fake = self.fake
        fake.sleep(fake.latency)
        fault = fake._take_fault(endpoint, symbol)

        if fault and fault.mode == "timeout":
            fake._record(Seen(arrived, endpoint, symbol, None, url.path))
            fake.sleep(fake.hang_seconds)
            self.close_connection = True
            return
        if fault and fault.mode == "slow":
            fake.sleep(fault.seconds)
        if fault and fault.mode == "429":
            return self._answer(
                arrived, endpoint, symbol, 429, b"Edge: Too Many Requests", "text/plain"
            )
        if fault and fault.mode == "500":
            body = {"finance": {"result": None, "error": {"code": "internal-error"}}}
            return self._json(arrived, endpoint, symbol, 500, body)

        status, body = self._payload(endpoint, symbol, query, url.path)
        if isinstance(body, str):
            return self._answer(arrived, endpoint, symbol, status, body.encode(), "text/plain")
        if fault and fault.mode == "null_point" and endpoint == "timeseries":
            for entry in body["timeseries"]["result"]:
                data_key = entry["meta"]["type"][0]
                if entry.get(data_key):
                    entry[data_key][0] = None
                    break
        if fault and fault.mode == "malformed":
            text = json.dumps(body).encode()
            return self._answer(arrived, endpoint, symbol, 200, text[: len(text) // 2], None)
        return self._json(arrived, endpoint, symbol, status, body)

    def _payload(self, endpoint: str, symbol: str | None, query: dict, path: str):
        fake = self.fake
        if endpoint == "cookie":
            return 404, "Not Found"
        if endpoint == "crumb":
            return 200, CRUMB
        if endpoint == "consent":
            return 404, "Not Found"
        if endpoint == "other":
            return 404, {"finance": {"result": None, "error": {"code": "Not Found"}}}
        company = fake.company(symbol) if symbol else None
        live = company if company is not None and not company.delisted else None
        if endpoint == "quoteSummary":
            if live is None:
                return 404, not_found_payload(symbol)
            modules = query.get("modules", [""])[0].split(",")
            return 200, quote_summary_payload(live, modules)
        if endpoint == "quote":
            if live is None:
                return 200, {"quoteResponse": {"result": [], "error": None}}
            return 200, quote_payload(live)
        types = [t for t in query.get("type", [""])[0].split(",") if t]
        period1 = int(query.get("period1", ["0"])[0])
        period2 = int(query.get("period2", [str(2**40)])[0])
        return 200, timeseries_payload(live, symbol, types, period1, period2)

    def _json(self, arrived, endpoint, symbol, status, body):
        self._answer(arrived, endpoint, symbol, status, json.dumps(body).encode(), None)

    def _answer(self, arrived, endpoint, symbol, status, data: bytes, content_type: str | None):
        self.fake._record(Seen(arrived, endpoint, symbol, status, urlsplit(self.path).path))
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type or "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            if endpoint == "cookie":
                self.send_header(
                    "Set-Cookie", "A3=d=AQABBFAKE&S=AQAAAFAKE; Max-Age=31557600; Path=/"
                )
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
