"""feedparser's cp1252 repair of every text it returns, as a table that is faster to look up.

feedparser maps the C1 code points U+0080-U+009F of each text to the characters cp1252 has
there (`output.translate(_cp1252)` in `feedparser.mixin`). Its table is a dict of those 27
code points: `str.translate` looks every other non-ASCII character up in it and handles the
KeyError, which made this one call about a tenth of a whole crawl's CPU time for feeds of
non-Latin text. A tuple indexed by code point, identity everywhere else in the Basic
Multilingual Plane, translates the same (a character beyond it raises IndexError, which
`str.translate` also takes as "unchanged") in about half the time. About 2 MB, built once.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import ModuleType

_PLANE = 0x10000


def as_sequence(table: Mapping[int, str | int | None]) -> tuple[str | int | None, ...]:
    """The same translation as table, as a tuple indexed by code point (identity elsewhere)."""
    return tuple(table.get(point, point) for point in range(_PLANE))


def install(mixin: ModuleType) -> bool:
    """Give feedparser's mixin module the faster table; False (left as it is) when its table
    is not the dict of small code points this replaces (another feedparser version)."""
    table = getattr(mixin, "_cp1252", None)
    if not isinstance(table, dict) or not all(
            isinstance(point, int) and 0 <= point < _PLANE for point in table):
        return False
    mixin._cp1252 = as_sequence(table)  # type: ignore[attr-defined]
    return True
