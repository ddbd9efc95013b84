"""The company page's query forms share their fields, and still judge each request alone."""

from companies.forms import StatementQuery
from companies.market.forms import PriceQuery


def test_forms_share_their_fields_and_keep_their_own_errors():
    bad = StatementQuery({"period": "weekly"})
    good = StatementQuery({"period": "ttm", "lines": "all"})
    assert bad.fields["period"] is good.fields["period"]  # not deep-copied per request
    assert not bad.is_valid() and "'period' must be one of" in bad.error_summary()
    assert good.is_valid() and good.cleaned_data == {"period": "ttm", "lines": "all"}
    assert StatementQuery({}).is_valid()


def test_price_forms_too():
    bad, good = PriceQuery({"range": "2y"}), PriceQuery({"range": "5y", "close": "adjusted"})
    assert bad.fields["range"] is good.fields["range"]
    assert not bad.is_valid() and "'range' must be one of" in bad.error_summary()
    assert good.is_valid() and good.cleaned_data["range"].key == "5y"
