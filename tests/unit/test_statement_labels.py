"""Line-item labels: Yahoo's raw keys made readable, and nothing else changed."""

import pytest

from companies.statements import vocabulary
from companies.statements.labels import line_item_label
from scraping import normalize


def test_scraping_and_the_site_name_the_same_statements_and_period_types():
    assert normalize.STATEMENTS == vocabulary.STATEMENTS
    assert normalize.PERIOD_TYPES == vocabulary.PERIOD_TYPES


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("TotalRevenue", "Total Revenue"),
        ("CostOfRevenue", "Cost of Revenue"),
        ("EBITDA", "EBITDA"),
        ("NormalizedEBITDA", "Normalized EBITDA"),
        ("NetPPE", "Net PPE"),
        ("BasicEPS", "Basic EPS"),
        ("DilutedNIAvailtoComStockholders", "Diluted NI Available to Common Stockholders"),
        ("GainonSaleofLoans", "Gain on Sale of Loans"),
        ("TradeandOtherPayablesNonCurrent", "Trade and Other Payables Non-Current"),
        (
            "CashFlowFromContinuingOperatingActivities",
            "Cash Flow from Continuing Operating Activities",
        ),
        ("OtherGandA", "Other G&A"),
        ("Weird_key", "Weird_key"),
    ],
)
def test_line_item_labels_are_readable(key, label):
    assert line_item_label(key) == label


def test_labels_only_space_and_case_yahoos_keys_unless_repaired():
    from yfinance.const import fundamentals_keys

    repaired = {
        "DilutedNIAvailtoComStockholders",
        "OtherGandA",
        "RestructuringAndMergernAcquisition",
    }
    repaired |= {"CashFlowsfromusedinOperatingActivitiesDirect", "TaxRateForCalcs"}
    for keys in fundamentals_keys.values():
        for key in keys:
            label = line_item_label(key)
            assert label == " ".join(label.split()), key
            if key not in repaired:
                assert label.replace(" ", "").replace("-", "").lower() == key.lower(), key
