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
