import pytest

from companies import cursors


def test_cursor_round_trips_for_its_own_sort_and_order():
    position = cursors.Position(cursors.FORWARD, "1000000000012345\x1fBHP")
    token = cursors.dump(position, sort="market_cap", order="desc")
    assert cursors.load(token, sort="market_cap", order="desc") == position


@pytest.mark.parametrize(
    ("sort", "order"), [("market_cap", "asc"), ("name", "desc"), ("ticker", "desc")]
)
def test_cursor_from_another_sort_or_order_is_rejected(sort, order):
    token = cursors.dump(cursors.Position(cursors.FORWARD, "BHP"), sort="market_cap", order="desc")
    with pytest.raises(cursors.InvalidCursor):
        cursors.load(token, sort=sort, order=order)


def test_tampered_cursor_is_rejected():
    token = cursors.dump(cursors.Position(cursors.FORWARD, "BHP"), sort="ticker", order="asc")
    flipped = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    with pytest.raises(cursors.InvalidCursor):
        cursors.load(flipped, sort="ticker", order="asc")


@pytest.mark.parametrize("garbage", ["", "abc", "x" * 500, "::", "e30:1abc:def"])
def test_truncated_or_made_up_cursor_is_rejected(garbage):
    token = cursors.dump(cursors.Position(cursors.FORWARD, "BHP"), sort="ticker", order="asc")
    for candidate in (garbage, token[: len(token) // 2]):
        with pytest.raises(cursors.InvalidCursor):
            cursors.load(candidate, sort="ticker", order="asc")


def test_cursor_is_bound_to_its_filters():
    position = cursors.Position(cursors.FORWARD, "1materials\x1fBHP")
    token = cursors.dump(position, sort="industry_group", order="asc", filters="3f2a")
    assert cursors.load(token, sort="industry_group", order="asc", filters="3f2a") == position
    for other in ("", "3f2b"):
        with pytest.raises(cursors.InvalidCursor):
            cursors.load(token, sort="industry_group", order="asc", filters=other)
    unfiltered = cursors.dump(position, sort="industry_group", order="asc")
    with pytest.raises(cursors.InvalidCursor):
        cursors.load(unfiltered, sort="industry_group", order="asc", filters="3f2a")


def test_links_shared_before_filters_existed_still_open():
    from django.core import signing

    shared = signing.dumps(["n", "BHP"], salt="asxdb.listing.ticker.asc", compress=True)
    assert cursors.load(shared, sort="ticker", order="asc") == cursors.Position("n", "BHP")
