"""Opaque, signed page positions for the directory listing.

A cursor names the edge of the page the reader came from (the index key of its last row, for
"next", or its first row, for "previous"). It is signed with the site's secret and a salt that
binds it to one sort and order and, on a filtered listing, to a digest of its filters, so a
forged, truncated or foreign cursor fails to load instead of reaching DynamoDB or the index.
It carries no session state: a URL with a cursor opens the same page for anyone.
"""

from typing import NamedTuple

from django.core import signing

FORWARD = "n"
BACKWARD = "p"


class InvalidCursor(Exception):
    """The cursor was not made by this site for this sort, order and filters."""


class Position(NamedTuple):
    direction: str  # FORWARD: the page after `key`; BACKWARD: the page before it
    key: str  # the range-key value of the edge row on the sort's index


FOREIGN = "This page link is damaged, or belongs to another sort order or other filters."


def _salt(sort: str, order: str, filters: str) -> str:
    # The unfiltered listing's salt is the one cursors had before filters, so old links work.
    return f"asxdb.listing.{sort}.{order}" + (f".{filters}" if filters else "")


def dump(position: Position, *, sort: str, order: str, filters: str = "") -> str:
    """`filters`: the digest of the listing's filters ("" for the unfiltered listing)."""
    return signing.dumps(
        [position.direction, position.key], salt=_salt(sort, order, filters), compress=True
    )


def load(cursor: str, *, sort: str, order: str, filters: str = "") -> Position:
    """Raises InvalidCursor for anything this site did not sign for this sort, order and
    filters."""
    try:
        direction, key = signing.loads(cursor, salt=_salt(sort, order, filters))
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidCursor(FOREIGN) from exc
    if direction not in (FORWARD, BACKWARD) or not isinstance(key, str) or not key:
        raise InvalidCursor(FOREIGN)
    return Position(direction, key)
