"""A readable label for each of Yahoo's raw line-item keys ("TotalRevenue" -> "Total Revenue")."""

import functools
import re

_LABELS = {
    "DilutedNIAvailtoComStockholders": "Diluted NI Available to Common Stockholders",
    "OtherGandA": "Other G&A",
    "RestructuringAndMergernAcquisition": "Restructuring and Mergers & Acquisitions",
    "CashFlowsfromusedinOperatingActivitiesDirect": (
        "Cash Flows from (used in) Operating Activities, Direct"
    ),
    "TaxRateForCalcs": "Tax Rate for Calculations",
}
# Yahoo glues a lower-case word onto the word before it ("GainonSaleofLoans").
_GLUED = {
    "Associatesat": "Associates at",
    "Availto": "Available to",
    "Behalfof": "Behalf of",
    "Changein": "Change in",
    "Classesof": "Classes of",
    "Designatedas": "Designated as",
    "Duefrom": "Due from",
    "Dueto": "Due to",
    "Extinguishmentof": "Extinguishment of",
    "Feesby": "Fees by",
    "Gainon": "Gain on",
    "Goodsand": "Goods and",
    "Heldfor": "Held for",
    "Investmentin": "Investment in",
    "Investmentsin": "Investments in",
    "Losson": "Loss on",
    "Offof": "Off of",
    "Otherunder": "Other under",
    "Paymentsfrom": "Payments from",
    "Paymentson": "Payments on",
    "Paymentsto": "Payments to",
    "Pensionand": "Pension and",
    "Profitor": "Profit or",
    "Provisionand": "Provision and",
    "Receiptsfrom": "Receipts from",
    "Saleof": "Sale of",
    "Subsidiariesat": "Subsidiaries at",
    "Suppliersfor": "Suppliers for",
    "Tradeand": "Trade and",
    "Venturesat": "Ventures at",
}
_MINOR_WORDS = {"And", "As", "At", "By", "For", "From", "In", "Of", "On", "Or", "To", "Under"}
_WORD = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


@functools.lru_cache(maxsize=4096)
def line_item_label(key: str) -> str:
    """A display label for one of Yahoo's raw line-item keys: "TotalRevenue" -> "Total Revenue",
    "CostOfRevenue" -> "Cost of Revenue", acronyms kept ("EBITDA", "Net PPE"), and the keys
    Yahoo mangles repaired ("DilutedNIAvailtoComStockholders" -> "Diluted NI Available to Common
    Stockholders"). A key with nothing to split is returned as it is."""
    if key in _LABELS:
        return _LABELS[key]
    words = _WORD.findall(key)
    if "".join(words) != key:
        return key
    label = []
    for i, word in enumerate(words):
        word = _GLUED.get(word, word)
        if i > 0 and word in _MINOR_WORDS:
            word = word.lower()
        label.append(word)
    return " ".join(label).replace("Non Current", "Non-Current")
