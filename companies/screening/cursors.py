"""Signed page positions of a screen's results: an offset into the sorted matches, bound to the
screen (its canonical expression), sort, order and status, so that a forged, truncated or
foreign cursor fails to load instead of showing some other page. No session state: a URL with
a cursor opens the same page for anyone while the snapshots are unchanged."""

import hashlib

from django.core import signing


class InvalidCursor(Exception):
    """The cursor was not made by this site for this screen, sort and order."""


MESSAGE = "This page link is damaged or belongs to another screen or sort order."


def _salt(*, screen: str, sort: str, order: str, status: str) -> str:
    bound = "\x1f".join((screen, sort, order, status)).encode()
    return f"asxdb.screen.{hashlib.sha256(bound).hexdigest()[:24]}"


def dump(offset: int, *, screen: str, sort: str, order: str, status: str) -> str:
    return signing.dumps(offset, salt=_salt(screen=screen, sort=sort, order=order, status=status))


def load(cursor: str, *, screen: str, sort: str, order: str, status: str) -> int:
    """The offset; raises InvalidCursor for anything this site did not sign for this screen."""
    salt = _salt(screen=screen, sort=sort, order=order, status=status)
    try:
        offset = signing.loads(cursor, salt=salt)
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise InvalidCursor(MESSAGE) from exc
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise InvalidCursor(MESSAGE)
    return offset
