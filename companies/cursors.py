"""Opaque, signed page positions for the directory listing.

A cursor names the edge of the page the reader came from (the index key of its last row, for
"next", or its first row, for "previous"). It is signed with the site's secret and a salt that
binds it to one sort and order, so a forged, truncated or foreign cursor fails to load instead of
reaching DynamoDB. It carries no session state: a URL with a cursor opens the same page for anyone.
"""

from dataclasses import dataclass

from django.core import signing

FORWARD = "n"
BACKWARD = "p"


class InvalidCursor(Exception):
    """The cursor was not made by this site for this sort and order."""


@dataclass(frozen=True)
class Position:
    direction: str  # FORWARD: the page after `key`; BACKWARD: the page before it
    key: str  # the range-key value of the edge row on the sort's index


def _salt(sort: str, order: str) -> str:
    return f"asxdb.listing.{sort}.{order}"


def dump(position: Position, *, sort: str, order: str) -> str:
    return signing.dumps([position.direction, position.key], salt=_salt(sort, order), compress=True)


def load(cursor: str, *, sort: str, order: str) -> Position:
    """Raises InvalidCursor for anything this site did not sign for this sort and order."""
    try:
        direction, key = signing.loads(cursor, salt=_salt(sort, order))
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidCursor("This page link is damaged or belongs to another sort order.") from exc
    if direction not in (FORWARD, BACKWARD) or not isinstance(key, str) or not key:
        raise InvalidCursor("This page link is damaged or belongs to another sort order.")
    return Position(direction, key)
