"""Reading the dates feeds and pages write: feedparser's tuple, ISO 8601, RFC 2822, free text, CJK.

One parser for feed entries, backfill listings and sitemaps, and page metadata. It runs
once per entry, so the cheap readers go first (feedparser's parsed tuple, `fromisoformat`,
`email.utils`, dateutil) and dateparser (CJK such as `2024年1月2日 10:30`, relative dates
such as `3 days ago` or `2小时前`) only reads what they all refused. dateparser runs with
strict parsing, so text without a day, a month and a year (`May`, `10`, `Posted by Bob`)
gives no date rather than a guess.

A date keeps the UTC offset it was written with; one written without an offset is read
as UTC, as feedparser reads it.
"""

from __future__ import annotations

import calendar
import email.utils
import re
import warnings
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from dateutil import parser as dateutil_parser
from dateutil.parser import UnknownTimezoneWarning

__all__ = ["LANGUAGES", "parse_date"]

# The languages dateparser tries (besides numeric formats): fewer is faster and guesses less.
LANGUAGES = ["en", "zh", "ja", "ko"]
_DATEPARSER_SETTINGS = {
    "STRICT_PARSING": True,  # day, month and year must all be written (relative dates aside)
    "TIMEZONE": "UTC",  # relative dates count from now in UTC; written offsets become UTC
    "PREFER_DATES_FROM": "past",
}
_LONGEST = 200  # characters: a date is short; longer text is not read by dateparser
# What any date dateparser could read contains: a digit, or a word of a relative date
# ("an hour ago", "yesterday", 昨天, 刚刚, 어제). Other text skips it (a millisecond each).
# The common CJK form, `2024年1月2日` with an optional `10:30[:00]`, read directly: dateparser
# takes about 2 ms for it. Anything else written with 年月日 still goes to dateparser.
_CJK_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日"
                       r"(?:\s*(\d{1,2})\s*[:：]\s*(\d{2})(?:\s*[:：]\s*(\d{2}))?)?")
_MAYBE_DATE = re.compile(r"\d|ago|yesterday|today|now|前|昨|今|刚|剛|어제|오늘|전", re.IGNORECASE)


def parse_date(raw: str | None, parsed: Any = None) -> datetime | None:
    """The date raw gives, timezone-aware, or None when it gives none.

    parsed is feedparser's `*_parsed` time tuple (UTC): it fixes the instant, and raw
    then only supplies the original UTC offset when it names the same instant.
    """
    instant = None
    if parsed:
        try:
            instant = datetime.fromtimestamp(calendar.timegm(parsed), UTC)
        except (OverflowError, ValueError, OSError, TypeError):
            instant = None
    local = _read(raw.strip()) if isinstance(raw, str) and raw.strip() else None
    if local is None:
        return instant
    try:
        offset = local.utcoffset()
        zone = UTC if not offset else timezone(offset) if offset is not None else None
    except ValueError:  # an offset no clock has (`+99:00`): the tuple's instant, if any
        return instant
    if offset is None:
        # No offset given: read as UTC, as feedparser does. Where the tuple disagrees, the
        # tuple is the misreading: feedparser turns formats it does not know but that
        # start with a year (`2024年1月2日`, `2024/01/02 10:30`) into November 1st.
        return local.replace(tzinfo=UTC)
    local = local.replace(tzinfo=zone)
    return local if instant is None or local == instant else instant


def _read(text: str) -> datetime | None:
    cjk = _CJK_DATE.fullmatch(text)
    if cjk is not None:  # read here or not at all: dateparser would swap 13 and 2 in 2024年13月2日
        year, month, day, hour, minute, second = (int(p) if p else 0 for p in cjk.groups())
        try:
            return datetime(year, month, day, hour, minute, second)
        except ValueError:
            return None
    for reader in (datetime.fromisoformat, email.utils.parsedate_to_datetime, _dateutil):
        try:
            value = reader(text)
        except (ValueError, OverflowError, TypeError, IndexError):
            continue
        if value is not None:
            return value
    return _dateparser(text)


def _dateutil(text: str) -> datetime:
    """dateutil's reading; a time zone name it does not know (`PST`) would be silently
    dropped, so that text is left to dateparser, which knows them. Text longer than any
    date is not read: dateutil's time grows with the square of the length (a 1 MB
    `pubDate` of digits took a minute, and one feed can hold dozens)."""
    if len(text) > _LONGEST:
        raise ValueError("too long to be a date")
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnknownTimezoneWarning)
        try:
            return dateutil_parser.parse(text)
        except UnknownTimezoneWarning as exc:
            raise ValueError(str(exc)) from None


def _dateparser(text: str) -> datetime | None:
    if len(text) > _LONGEST or not _MAYBE_DATE.search(text):
        return None
    import dateparser  # here, not above: loading its language data takes a moment

    try:
        found = dateparser.parse(text, languages=LANGUAGES, settings=_DATEPARSER_SETTINGS)
        if found is None:
            return None
        # A relative date ("3 days ago", 2小时前) counts from now: read again from a day
        # earlier; if it moved, it is relative, and only its day is kept, so that the same
        # article gets the same date on every crawl of that day and after ("4 days ago")
        earlier = dateparser.parse(text, languages=LANGUAGES, settings={
            **_DATEPARSER_SETTINGS, "RELATIVE_BASE": datetime.now(UTC).replace(tzinfo=None)
            - timedelta(days=1)})
    except (ValueError, OverflowError, TypeError):
        return None
    if earlier is not None and earlier != found:
        return found.replace(hour=0, minute=0, second=0, microsecond=0)
    return found
