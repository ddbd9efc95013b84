"""How each statement is presented: its sections in the order accountants write them, each
section's parts (indented) before its total (bold), as plain data that pages, API, downloads and
tests all read.

A section lists Yahoo's raw line-item keys. A `part` or `total` is a key line, shown by default;
a `more` line is shown only with "All lines" (normalised, reconciled and tax-effect lines, and
the finer breakdowns). A line with alternatives shows the first key the company reports, and the
others become `more` lines of the same section (Yahoo names some figures two ways, and banks
report interest where others report cost of revenue). A `computed` line is worked out here from
reported lines (growth, margins) and is never presented as reported.

`arrange()` puts a statement's items in this order. Keys the layout does not name go after it,
in the order Yahoo gave them, so "All lines" always holds every key exactly once.
"""

import functools
from typing import NamedTuple

KEY_LINES = "key"
ALL_LINES = "all"
LINE_CHOICES = (KEY_LINES, ALL_LINES)

# What a figure counts: money in the statement's currency (scaled with the table), money per
# share (never scaled), shares (scaled on their own), a plain rate, or a computed fraction.
MONEY = "money"
PER_SHARE = "per_share"
SHARES = "shares"
RATE = "rate"
FRACTION = "fraction"

OTHER_SECTION = "Other lines"


class Line(NamedTuple):
    keys: tuple[str, ...]  # the key, or alternatives in order of preference
    level: int  # 0: a section total; 1 and more: its parts, indented
    subtotal: bool = False
    key_line: bool = True  # False: "All lines" only
    computed: str | None = None  # a computed row's kind: "growth" or "margin"
    label: str | None = None  # overrides the label made from the key


class Section(NamedTuple):
    name: str
    lines: tuple[Line, ...]


def part(*keys: str, level: int = 1, label: str | None = None) -> Line:
    return Line(keys, level, label=label)


def subtotal(*keys: str, level: int = 1, label: str | None = None) -> Line:
    """A part that is itself the sum of the finer lines under it."""
    return Line(keys, level, subtotal=True, label=label)


def total(*keys: str, label: str | None = None) -> Line:
    return Line(keys, 0, subtotal=True, label=label)


def figure(*keys: str, label: str | None = None) -> Line:
    """A line of its own, level 0 but not a sum (tax, EPS, a share count)."""
    return Line(keys, 0, label=label)


def more(*keys: str, level: int = 2) -> tuple[Line, ...]:
    """Lines shown only with "All lines", each on its own row."""
    return tuple(Line((key,), level, key_line=False) for key in keys)


class Computed(NamedTuple):
    key: str  # our own name, never one of Yahoo's
    label: str
    kind: str  # "growth" (year on year) or "margin" (of revenue)
    of: str  # the layout slot it is computed from: the first key of that Line
    formula: str


def _section(name: str, *lines: Line | tuple[Line, ...]) -> Section:
    flat: list[Line] = []
    for line in lines:
        flat.extend((line,) if isinstance(line, Line) else line)
    return Section(name, tuple(flat))


REVENUE_KEYS = ("TotalRevenue", "OperatingRevenue")
NET_INCOME_KEYS = ("NetIncome", "NetIncomeCommonStockholders")

INCOME = (
    _section(
        "Revenue",
        part("OperatingRevenue"),
        more("ExciseTaxes", level=1),
        total("TotalRevenue"),
    ),
    _section(
        "Cost of revenue",
        figure("CostOfRevenue"),
        more("ReconciledCostOfRevenue", level=1),
    ),
    _section("Gross profit", total("GrossProfit")),
    _section(
        "Operating expenses",
        subtotal("SellingGeneralAndAdministration"),
        more(
            "GeneralAndAdministrativeExpense",
            "OtherGandA",
            "SalariesAndWages",
            "RentAndLandingFees",
            "InsuranceAndClaims",
            "SellingAndMarketingExpense",
            "OccupancyAndEquipment",
            "ProfessionalExpenseAndContractServicesExpense",
        ),
        part("ResearchAndDevelopment"),
        subtotal("DepreciationAmortizationDepletionIncomeStatement"),
        more(
            "DepreciationAndAmortizationInIncomeStatement",
            "DepreciationIncomeStatement",
            "AmortizationOfIntangiblesIncomeStatement",
            "Amortization",
            "DepletionIncomeStatement",
            "ReconciledDepreciation",
        ),
        more(
            "ProvisionForDoubtfulAccounts",
            "OtherTaxes",
            "OtherNonInterestExpense",
            "LossAdjustmentExpense",
            "NetPolicyholderBenefitsAndClaims",
            "PolicyholderBenefitsGross",
            "PolicyholderBenefitsCeded",
            level=1,
        ),
        part("OtherOperatingExpenses"),
        total("OperatingExpense"),
    ),
    _section(
        "Operating income",
        total("OperatingIncome"),
        more("TotalOperatingIncomeAsReported", level=1),
    ),
    _section(
        "Net interest",
        part("InterestIncomeNonOperating", "InterestIncome"),
        part("InterestExpenseNonOperating", "InterestExpense"),
        more("TotalOtherFinanceCost", level=1),
        total("NetNonOperatingInterestIncomeExpense", "NetInterestIncome"),
    ),
    _section(
        "Other income and expenses",
        subtotal("SpecialIncomeCharges"),
        more(
            "RestructuringAndMergernAcquisition",
            "ImpairmentOfCapitalAssets",
            "WriteOff",
            "OtherSpecialCharges",
            "GainOnSaleOfBusiness",
            "GainOnSaleOfPPE",
        ),
        part("GainOnSaleOfSecurity"),
        part("EarningsFromEquityInterest"),
        more("SecuritiesAmortization", level=1),
        part("OtherNonOperatingIncomeExpenses"),
        total("OtherIncomeExpense"),
    ),
    _section("Pretax income", total("PretaxIncome")),
    _section(
        "Tax",
        figure("TaxProvision"),
        more("TaxRateForCalcs", "TaxEffectOfUnusualItems", level=1),
    ),
    _section(
        "Net income",
        part("NetIncomeContinuousOperations", label="Net Income from Continuing Operations"),
        part("NetIncomeDiscontinuousOperations", label="Net Income from Discontinued Operations"),
        more(
            "NetIncomeExtraordinary",
            "NetIncomeFromTaxLossCarryforward",
            "EarningsFromEquityInterestNetOfTax",
            level=1,
        ),
        subtotal(
            "NetIncomeIncludingNoncontrollingInterests",
            label="Net Income Including Non-Controlling Interests",
        ),
        part("MinorityInterests", label="Minority Interests"),
        total("NetIncome"),
        part("PreferredStockDividends"),
        more("OtherunderPreferredStockDividend", level=1),
        total("NetIncomeCommonStockholders", label="Net Income to Common Shareholders"),
        more(
            "AverageDilutionEarnings",
            "DilutedNIAvailtoComStockholders",
            "NetIncomeFromContinuingOperationNetMinorityInterest",
            "NetIncomeFromContinuingAndDiscontinuedOperation",
            "NormalizedIncome",
            "TotalUnusualItems",
            "TotalUnusualItemsExcludingGoodwill",
            level=1,
        ),
    ),
    _section(
        "Earnings per share",
        figure("BasicEPS"),
        more(
            "BasicContinuousOperations",
            "BasicDiscontinuousOperations",
            "BasicExtraordinary",
            "BasicAccountingChange",
            "TaxLossCarryforwardBasicEPS",
            "BasicEPSOtherGainsLosses",
            "ContinuingAndDiscontinuedBasicEPS",
            "NormalizedBasicEPS",
            "ReportedNormalizedBasicEPS",
            level=1,
        ),
        figure("DilutedEPS"),
        more(
            "DilutedContinuousOperations",
            "DilutedDiscontinuousOperations",
            "DilutedExtraordinary",
            "DilutedAccountingChange",
            "TaxLossCarryforwardDilutedEPS",
            "DilutedEPSOtherGainsLosses",
            "ContinuingAndDiscontinuedDilutedEPS",
            "NormalizedDilutedEPS",
            "ReportedNormalizedDilutedEPS",
            level=1,
        ),
        more("DividendPerShare", level=0),
    ),
    _section(
        "Average shares",
        figure("BasicAverageShares"),
        figure("DilutedAverageShares"),
    ),
    _section(
        "Earnings before interest, tax, depreciation and amortisation",
        more(
            "EBIT",
            "EBITDA",
            "NormalizedEBITDA",
            "TotalExpenses",
            "RentExpenseSupplemental",
            level=0,
        ),
    ),
)

BALANCE = (
    _section(
        "Current assets",
        subtotal(
            "CashCashEquivalentsAndShortTermInvestments", label="Cash and Short-Term Investments"
        ),
        part("CashAndCashEquivalents", level=2),
        more(
            "CashFinancial",
            "CashEquivalents",
            "CashCashEquivalentsAndFederalFundsSold",
            "OtherShortTermInvestments",
            "RestrictedCash",
        ),
        subtotal("Receivables"),
        more(
            "AccountsReceivable",
            "GrossAccountsReceivable",
            "AllowanceForDoubtfulAccountsReceivable",
            "LoansReceivable",
            "NotesReceivable",
            "AccruedInterestReceivable",
            "TaxesReceivable",
            "DuefromRelatedPartiesCurrent",
            "OtherReceivables",
            "ReceivablesAdjustmentsAllowances",
        ),
        subtotal("Inventory"),
        more(
            "RawMaterials",
            "WorkInProcess",
            "FinishedGoods",
            "OtherInventories",
            "InventoriesAdjustmentsAllowances",
        ),
        part("PrepaidAssets"),
        more(
            "CurrentDeferredAssets",
            "CurrentDeferredTaxesAssets",
            "AssetsHeldForSaleCurrent",
            "HedgingAssetsCurrent",
            level=1,
        ),
        part("OtherCurrentAssets"),
        total("CurrentAssets"),
    ),
    _section(
        "Non-current assets",
        subtotal("NetPPE", label="Net Property, Plant and Equipment"),
        more(
            "GrossPPE",
            "Properties",
            "LandAndImprovements",
            "BuildingsAndImprovements",
            "MachineryFurnitureEquipment",
            "OtherProperties",
            "ConstructionInProgress",
            "Leases",
            "AccumulatedDepreciation",
        ),
        subtotal("GoodwillAndOtherIntangibleAssets"),
        more("Goodwill", "OtherIntangibleAssets"),
        subtotal("InvestmentsAndAdvances"),
        more(
            "LongTermEquityInvestment",
            "InvestmentsinSubsidiariesatCost",
            "InvestmentsinAssociatesatCost",
            "InvestmentsInOtherVenturesUnderEquityMethod",
            "InvestmentsinJointVenturesatCost",
            "InvestmentProperties",
            "InvestmentinFinancialAssets",
            "TradingSecurities",
            "FinancialAssetsDesignatedasFairValueThroughProfitorLossTotal",
            "AvailableForSaleSecurities",
            "HeldToMaturitySecurities",
            "OtherInvestments",
            "FixedMaturityInvestments",
            "EquityInvestments",
        ),
        more(
            "NetLoan",
            "FinancialAssets",
            "NonCurrentAccountsReceivable",
            "NonCurrentNoteReceivables",
            "DuefromRelatedPartiesNonCurrent",
            "NonCurrentDeferredAssets",
            "NonCurrentDeferredTaxesAssets",
            "DeferredAssets",
            "NonCurrentPrepaidAssets",
            "DefinedPensionBenefit",
            level=1,
        ),
        part("OtherNonCurrentAssets"),
        total("TotalNonCurrentAssets"),
    ),
    _section("Total assets", total("TotalAssets")),
    _section(
        "Current liabilities",
        subtotal("PayablesAndAccruedExpenses"),
        more(
            "Payables",
            "AccountsPayable",
            "TotalTaxPayable",
            "IncomeTaxPayable",
            "DividendsPayable",
            "DuetoRelatedPartiesCurrent",
            "OtherPayable",
            "InterestPayable",
            "CurrentAccruedExpenses",
        ),
        subtotal(
            "CurrentDebtAndCapitalLeaseObligation", label="Current Debt and Lease Obligations"
        ),
        more(
            "CurrentDebt",
            "CurrentNotesPayable",
            "CommercialPaper",
            "LineOfCredit",
            "OtherCurrentBorrowings",
            "CurrentCapitalLeaseObligation",
        ),
        part("CurrentProvisions"),
        more(
            "PensionandOtherPostRetirementBenefitPlansCurrent",
            "CurrentDeferredLiabilities",
            "CurrentDeferredRevenue",
            "CurrentDeferredTaxesLiabilities",
            level=1,
        ),
        part("OtherCurrentLiabilities"),
        total("CurrentLiabilities"),
    ),
    _section(
        "Non-current liabilities",
        subtotal(
            "LongTermDebtAndCapitalLeaseObligation", label="Long-Term Debt and Lease Obligations"
        ),
        more("LongTermDebt", "LongTermCapitalLeaseObligation"),
        part("LongTermProvisions"),
        more(
            "NonCurrentDeferredLiabilities",
            "NonCurrentDeferredTaxesLiabilities",
            "NonCurrentDeferredRevenue",
            "TradeandOtherPayablesNonCurrent",
            "DuetoRelatedPartiesNonCurrent",
            "NonCurrentAccruedExpenses",
            "NonCurrentPensionAndOtherPostretirementBenefitPlans",
            "EmployeeBenefits",
            "DerivativeProductLiabilities",
            "PreferredSecuritiesOutsideStockEquity",
            "RestrictedCommonStock",
            "LiabilitiesHeldforSaleNonCurrent",
            level=1,
        ),
        part("OtherNonCurrentLiabilities"),
        total(
            "TotalNonCurrentLiabilitiesNetMinorityInterest", label="Total Non-Current Liabilities"
        ),
    ),
    _section(
        "Total liabilities",
        total("TotalLiabilitiesNetMinorityInterest", label="Total Liabilities"),
    ),
    _section(
        "Equity",
        subtotal("CapitalStock"),
        more("CommonStock", "PreferredStock", "OtherCapitalStock"),
        part("AdditionalPaidInCapital"),
        part("RetainedEarnings"),
        part("TreasuryStock"),
        subtotal("GainsLossesNotAffectingRetainedEarnings", label="Reserves"),
        more(
            "UnrealizedGainLoss",
            "MinimumPensionLiabilities",
            "ForeignCurrencyTranslationAdjustments",
            "FixedAssetsRevaluationReserve",
            "OtherEquityAdjustments",
        ),
        more(
            "OtherEquityInterest",
            "TotalPartnershipCapital",
            "GeneralPartnershipCapital",
            "LimitedPartnershipCapital",
            level=1,
        ),
        total("StockholdersEquity", label="Shareholders' Equity"),
        more("CommonStockEquity", "PreferredStockEquity", level=1),
        part("MinorityInterest", label="Minority Interest"),
        total("TotalEquityGrossMinorityInterest", label="Total Equity incl. Minority Interest"),
    ),
    _section(
        "Capital and debt",
        part("TotalDebt"),
        part("NetDebt"),
        more("CapitalLeaseObligations", level=1),
        part("WorkingCapital"),
        part("TangibleBookValue"),
        more("NetTangibleAssets", level=1),
        part("InvestedCapital"),
        total("TotalCapitalization"),
    ),
    _section(
        "Shares",
        figure("OrdinarySharesNumber", label="Ordinary Shares"),
        figure("ShareIssued", label="Shares Issued"),
        more("TreasurySharesNumber", "PreferredSharesNumber", level=0),
    ),
)

CASHFLOW = (
    _section(
        "Operating activities",
        part("NetIncomeFromContinuingOperations"),
        subtotal("DepreciationAmortizationDepletion", "DepreciationAndAmortization"),
        more(
            "Depreciation",
            "AmortizationCashFlow",
            "AmortizationOfIntangibles",
            "Depletion",
        ),
        part("StockBasedCompensation"),
        part("DeferredTax"),
        more("DeferredIncomeTax"),
        subtotal("ChangeInWorkingCapital"),
        more(
            "ChangeInReceivables",
            "ChangesInAccountReceivables",
            "ChangeInInventory",
            "ChangeInPrepaidAssets",
            "ChangeInPayablesAndAccruedExpense",
            "ChangeInPayable",
            "ChangeInAccountPayable",
            "ChangeInTaxPayable",
            "ChangeInIncomeTaxPayable",
            "ChangeInDividendPayable",
            "ChangeInInterestPayable",
            "ChangeInAccruedExpense",
            "ChangeInOtherCurrentAssets",
            "ChangeInOtherCurrentLiabilities",
            "ChangeInOtherWorkingCapital",
        ),
        more(
            "OperatingGainsLosses",
            "GainLossOnSaleOfBusiness",
            "GainLossOnSaleOfPPE",
            "NetForeignCurrencyExchangeGainLoss",
            "GainLossOnInvestmentSecurities",
            "EarningsLossesFromEquityInvestments",
            "PensionAndEmployeeBenefitExpense",
            "AmortizationOfSecurities",
            "AssetImpairmentCharge",
            "ProvisionandWriteOffofAssets",
            "UnrealizedGainLossOnInvestmentSecurities",
            "ExcessTaxBenefitFromStockBasedCompensation",
            "DividendPaidCFO",
            "DividendReceivedCFO",
            "InterestPaidCFO",
            "InterestReceivedCFO",
            "TaxesRefundPaid",
            level=1,
        ),
        part("OtherNonCashItems"),
        more(
            "CashFlowsfromusedinOperatingActivitiesDirect",
            "ClassesofCashReceiptsfromOperatingActivities",
            "ReceiptsfromCustomers",
            "ReceiptsfromGovernmentGrants",
            "OtherCashReceiptsfromOperatingActivities",
            "ClassesofCashPayments",
            "PaymentstoSuppliersforGoodsandServices",
            "PaymentsonBehalfofEmployees",
            "OtherCashPaymentsfromOperatingActivities",
            "DividendsPaidDirect",
            "DividendsReceivedDirect",
            "InterestPaidDirect",
            "InterestReceivedDirect",
            "TaxesRefundPaidDirect",
            level=1,
        ),
        more(
            "CashFlowFromContinuingOperatingActivities",
            "CashFromDiscontinuedOperatingActivities",
            level=1,
        ),
        total("OperatingCashFlow"),
    ),
    _section(
        "Investing activities",
        subtotal("CapitalExpenditure"),
        more(
            "CapitalExpenditureReported",
            "PurchaseOfPPE",
            "SaleOfPPE",
            "NetPPEPurchaseAndSale",
        ),
        part("NetIntangiblesPurchaseAndSale"),
        more("PurchaseOfIntangibles", "SaleOfIntangibles"),
        part("NetBusinessPurchaseAndSale"),
        more("PurchaseOfBusiness", "SaleOfBusiness"),
        part("NetInvestmentPurchaseAndSale"),
        more(
            "PurchaseOfInvestment",
            "SaleOfInvestment",
            "NetInvestmentPropertiesPurchaseAndSale",
            "PurchaseOfInvestmentProperties",
            "SaleOfInvestmentProperties",
        ),
        more("DividendsReceivedCFI", "InterestReceivedCFI", level=1),
        part("NetOtherInvestingChanges"),
        more(
            "CashFlowFromContinuingInvestingActivities",
            "CashFromDiscontinuedInvestingActivities",
            level=1,
        ),
        total("InvestingCashFlow"),
    ),
    _section(
        "Financing activities",
        subtotal("NetIssuancePaymentsOfDebt"),
        more(
            "NetLongTermDebtIssuance",
            "LongTermDebtIssuance",
            "LongTermDebtPayments",
            "NetShortTermDebtIssuance",
            "ShortTermDebtIssuance",
            "ShortTermDebtPayments",
            "IssuanceOfDebt",
            "RepaymentOfDebt",
        ),
        subtotal("NetCommonStockIssuance"),
        more(
            "CommonStockIssuance",
            "IssuanceOfCapitalStock",
            "CommonStockPayments",
            "RepurchaseOfCapitalStock",
            "ProceedsFromStockOptionExercised",
        ),
        more(
            "NetPreferredStockIssuance", "PreferredStockIssuance", "PreferredStockPayments", level=1
        ),
        subtotal("CashDividendsPaid"),
        more("CommonStockDividendPaid", "PreferredStockDividendPaid"),
        more("InterestPaidCFF", level=1),
        part("NetOtherFinancingCharges"),
        more(
            "CashFlowFromContinuingFinancingActivities",
            "CashFromDiscontinuedFinancingActivities",
            level=1,
        ),
        total("FinancingCashFlow"),
    ),
    _section(
        "Cash position",
        part("BeginningCashPosition"),
        part("ChangesInCash"),
        part("EffectOfExchangeRateChanges"),
        more(
            "CashFlowFromDiscontinuedOperation",
            "OtherCashAdjustmentInsideChangeinCash",
            "OtherCashAdjustmentOutsideChangeinCash",
            level=1,
        ),
        total("EndCashPosition"),
    ),
    _section("Free cash flow", total("FreeCashFlow")),
    _section(
        "Supplemental",
        more(
            "IncomeTaxPaidSupplementalData",
            "InterestPaidSupplementalData",
            "DomesticSales",
            "ForeignSales",
            "AdjustedGeographySegmentData",
            level=0,
        ),
    ),
)

LAYOUTS = {"income": INCOME, "balance": BALANCE, "cashflow": CASHFLOW}

# Rows computed beside the reported figures, each placed right after the line it is computed
# from. Margins are of revenue; growth is on the period a year before.
COMPUTED = {
    "income": (
        Computed(
            "revenue_growth",
            "Revenue growth",
            "growth",
            "TotalRevenue",
            "(revenue − revenue a year before) ÷ revenue a year before",
        ),
        Computed("gross_margin", "Gross margin", "margin", "GrossProfit", "gross profit ÷ revenue"),
        Computed(
            "operating_margin",
            "Operating margin",
            "margin",
            "OperatingIncome",
            "operating income ÷ revenue",
        ),
        Computed("net_margin", "Net margin", "margin", "NetIncome", "net income ÷ revenue"),
        Computed(
            "net_income_growth",
            "Net income growth",
            "growth",
            "NetIncome",
            "(net income − net income a year before) ÷ net income a year before",
        ),
        Computed(
            "diluted_eps_growth",
            "Diluted EPS growth",
            "growth",
            "DilutedEPS",
            "(diluted EPS − diluted EPS a year before) ÷ diluted EPS a year before",
        ),
    ),
}

PER_SHARE_KEYS = frozenset(
    key
    for section in INCOME
    if section.name == "Earnings per share"
    for line in section.lines
    for key in line.keys
)
SHARE_COUNT_KEYS = frozenset(
    {
        "BasicAverageShares",
        "DilutedAverageShares",
        "OrdinarySharesNumber",
        "ShareIssued",
        "TreasurySharesNumber",
        "PreferredSharesNumber",
    }
)
RATE_KEYS = frozenset({"TaxRateForCalcs"})


def figure_kind(key: str) -> str:
    """What one of Yahoo's keys counts (MONEY, PER_SHARE, SHARES or RATE); a key the layout does
    not name is judged by its name."""
    if key in PER_SHARE_KEYS or "EPS" in key or "PerShare" in key:
        return PER_SHARE
    if key in SHARE_COUNT_KEYS or key.endswith(("SharesNumber", "AverageShares")):
        return SHARES
    if key in RATE_KEYS:
        return RATE
    return MONEY


def layout_keys(statement: str) -> list[str]:
    """Every key the layout of `statement` names, in layout order."""
    return [key for section in LAYOUTS[statement] for line in section.lines for key in line.keys]


class Slot(NamedTuple):
    """One row of an arranged statement: a reported key (`computed` None) or a computed row."""

    key: str
    section: str
    level: int
    subtotal: bool
    key_line: bool
    label: str | None = None
    computed: Computed | None = None


def arrange(statement: str, reported: list[str], *, lines: str = ALL_LINES) -> list[Slot]:
    """The rows of `statement` in layout order, for the keys a company `reported` (any order).

    With KEY_LINES: the layout's key lines the company reports, and computed rows whose source
    line is shown. With ALL_LINES: every reported key exactly once — key lines, `more` lines and
    unused alternatives where the layout puts them, then keys the layout does not name, in the
    order given, under OTHER_SECTION.
    """
    if lines not in LINE_CHOICES:
        raise ValueError(f"lines must be one of {LINE_CHOICES}, not {lines!r}")
    return list(_arranged(statement, tuple(reported), lines))


# Most companies report one of a few sets of keys per statement: each arrangement is worked out
# once per process (slots are frozen, so every caller can share them).
@functools.lru_cache(maxsize=1024)
def _arranged(statement: str, reported: tuple[str, ...], lines: str) -> tuple[Slot, ...]:
    present = dict.fromkeys(reported)
    computed_after: dict[str, list[Computed]] = {}
    for row in COMPUTED.get(statement, ()):
        computed_after.setdefault(row.of, []).append(row)
    slots: list[Slot] = []
    placed: set[str] = set()

    def place(key: str, line: Line, section: Section, *, key_line: bool, level: int) -> None:
        placed.add(key)
        slots.append(
            Slot(
                key=key,
                section=section.name,
                level=level,
                subtotal=line.subtotal and key_line,
                key_line=key_line,
                label=line.label if key == line.keys[0] else None,
            )
        )
        if key_line:
            for row in computed_after.get(line.keys[0], ()):
                slots.append(
                    Slot(
                        key=row.key,
                        section=section.name,
                        level=max(line.level, 0) + 1,
                        subtotal=False,
                        key_line=True,
                        label=row.label,
                        computed=row,
                    )
                )

    for section in LAYOUTS[statement]:
        for line in section.lines:
            found = [key for key in line.keys if key in present and key not in placed]
            if not found:
                continue
            if line.key_line:
                place(found[0], line, section, key_line=True, level=line.level)
                alternates = found[1:]
            else:
                alternates = found
            if lines == ALL_LINES:
                for key in alternates:
                    level = line.level if not line.key_line else line.level + 1
                    place(key, line, section, key_line=False, level=level)
    if lines == ALL_LINES:
        for key in present:
            if key not in placed:
                slots.append(
                    Slot(key=key, section=OTHER_SECTION, level=0, subtotal=False, key_line=False)
                )
    return tuple(slots)
