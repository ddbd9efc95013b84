"""Write companies/sample_data/fundamentals.json: invented, plausible statements for the sample
directory, in the shape yfinance hands over (line items by period end), so `make run` offline
shows full company pages. The figures are made up; every page that shows them says so.

    .venv/bin/python -m devtools.make_sample_fundamentals
"""

import csv
import datetime
import json
import random
from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "companies" / "sample_data"
USD_REPORTERS = {"BHP", "CSL", "FMG", "RMD", "JHX", "WDS", "STO", "AMC", "360", "RIO", "S32"}
NO_INTERIMS = {"14D", "WTC"}  # annual statements only, as for many small ASX companies


def _income(revenue: float, rng: random.Random, shares: float) -> dict:
    gross = revenue * rng.uniform(0.25, 0.6)
    operating = gross * rng.uniform(0.3, 0.7)
    interest = revenue * rng.uniform(0.005, 0.03)
    pretax = operating - interest
    tax = max(0.0, pretax * 0.3)
    net = pretax - tax
    return {
        "TotalRevenue": round(revenue),
        "CostOfRevenue": round(revenue - gross),
        "GrossProfit": round(gross),
        "OperatingExpense": round(gross - operating),
        "OperatingIncome": round(operating),
        "InterestExpense": round(interest),
        "PretaxIncome": round(pretax),
        "TaxProvision": round(tax),
        "NetIncome": round(net),
        "NetIncomeCommonStockholders": round(net),
        "EBITDA": round(operating * 1.25),
        "DilutedAverageShares": round(shares),
        "BasicEPS": round(net / shares, 2),
        "DilutedEPS": round(net / shares * 0.99, 2),
    }


def _balance(revenue: float, rng: random.Random, shares: float) -> dict:
    assets = revenue * rng.uniform(1.2, 2.5)
    current_assets = assets * rng.uniform(0.2, 0.4)
    liabilities = assets * rng.uniform(0.35, 0.65)
    current_liabilities = liabilities * rng.uniform(0.3, 0.5)
    debt = liabilities * rng.uniform(0.3, 0.6)
    return {
        "TotalAssets": round(assets),
        "CurrentAssets": round(current_assets),
        "CashAndCashEquivalents": round(current_assets * rng.uniform(0.3, 0.6)),
        "NetPPE": round(assets * rng.uniform(0.3, 0.6)),
        "TotalLiabilitiesNetMinorityInterest": round(liabilities),
        "CurrentLiabilities": round(current_liabilities),
        "TotalDebt": round(debt),
        "StockholdersEquity": round(assets - liabilities),
        "OrdinarySharesNumber": round(shares),
    }


def _cash_flow(revenue: float, net: float, rng: random.Random) -> dict:
    operating = net * rng.uniform(1.1, 1.6)
    capex = -revenue * rng.uniform(0.04, 0.12)
    return {
        "OperatingCashFlow": round(operating),
        "CapitalExpenditure": round(capex),
        "FreeCashFlow": round(operating + capex),
        "InvestingCashFlow": round(capex * rng.uniform(1.0, 1.4)),
        "FinancingCashFlow": round(-operating * rng.uniform(0.3, 0.8)),
        "CashDividendsPaid": round(-max(0.0, net) * rng.uniform(0.4, 0.8)),
    }


def company_sample(ticker: str, name: str, market_cap: int | None, industry: str) -> dict:
    rng = random.Random(ticker)
    size = (market_cap or 50_000_000) * rng.uniform(0.15, 0.6)
    shares = (market_cap or 50_000_000) / rng.uniform(2, 60)
    year_end = 6 if rng.random() < 0.7 else 12
    frames: dict[str, dict[str, dict]] = {}

    def add(statement: str, period_type: str, end: datetime.date, values: dict):
        frames.setdefault(f"{statement}/{period_type}", {})[end.isoformat()] = values

    for years_back in range(4, -1, -1):
        year = 2025 - years_back
        end = datetime.date(year, year_end, 30 if year_end == 6 else 31)
        revenue = size * (1.07 ** (-years_back)) * rng.uniform(0.9, 1.1)
        income = _income(revenue, rng, shares)
        add("income", "annual", end, income)
        add("balance", "annual", end, _balance(revenue, rng, shares))
        add("cashflow", "annual", end, _cash_flow(revenue, income["NetIncome"], rng))
        if years_back == 0:
            add("income", "ttm", end, income)
            add("cashflow", "ttm", end, _cash_flow(revenue, income["NetIncome"], rng))
        if ticker in NO_INTERIMS:
            continue
        for half_end in (
            datetime.date(end.year - 1, 12, 31) if year_end == 6 else datetime.date(year, 6, 30),
            end,
        ):
            half = revenue / 2 * rng.uniform(0.9, 1.1)
            income_half = _income(half, rng, shares)
            add("income", "quarterly", half_end, income_half)
            add("balance", "quarterly", half_end, _balance(revenue, rng, shares))
            add("cashflow", "quarterly", half_end, _cash_flow(half, income_half["NetIncome"], rng))
    # one line item not reported in one period, as real statements have
    frames["income/annual"][min(frames["income/annual"])].pop("InterestExpense")
    currency = "USD" if ticker in USD_REPORTERS else "AUD"
    info = {
        "longName": name.title(),
        "sector": industry,
        "industry": industry,
        "website": f"https://www.example.com/{ticker.lower()}",
        "city": "Sydney",
        "state": "NSW",
        "country": "Australia",
        "phone": "+61 2 0000 0000",
        "fullTimeEmployees": int(size / rng.uniform(200_000, 900_000)) or None,
        "longBusinessSummary": (
            f"{name.title()} is a sample company invented for ASX DB's offline demo. "
            "Its figures are made up and are not the company's reported results."
        ),
        "currency": "AUD",
        "financialCurrency": currency,
    }
    return {"info": info, "frames": frames}


def main() -> None:
    with (SAMPLE_DIR / "directory.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    sample = {
        row["ASX code"]: company_sample(
            row["ASX code"],
            row["Company name"],
            int(row["Market Cap"]) if row["Market Cap"] else None,
            row["GICs industry group"],
        )
        for row in rows
    }
    path = SAMPLE_DIR / "fundamentals.json"
    path.write_text(json.dumps(sample, separators=(",", ":")) + "\n")
    print(f"wrote {path} ({path.stat().st_size:,} bytes, {len(sample)} companies)")


if __name__ == "__main__":
    main()
