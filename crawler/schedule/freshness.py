"""How long a site asks us to wait: HTTP caching headers, Retry-After, RSS ttl and skip rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

# A site cannot push a source back further than this (a typo'd max-age of years).
MAX_POSTPONE = timedelta(days=7)

_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*\"?(\d+)", re.IGNORECASE)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-cache|no-store)\b", re.IGNORECASE)
_TTL = re.compile(rb"<ttl>\s*(\d+)\s*</ttl>", re.IGNORECASE)
_SKIP_HOURS = re.compile(rb"<skipHours>(.*?)</skipHours>", re.IGNORECASE | re.DOTALL)
_SKIP_DAYS = re.compile(rb"<skipDays>(.*?)</skipDays>", re.IGNORECASE | re.DOTALL)
_HOUR = re.compile(rb"<hour>\s*(\d+)\s*</hour>", re.IGNORECASE)
_DAY = re.compile(rb"<day>\s*([A-Za-z]+)\s*</day>", re.IGNORECASE)
_DAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}


def http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _capped(when: datetime | None, now: datetime) -> datetime | None:
    if when is None or when <= now:
        return None
    return min(when, now + MAX_POSTPONE)


def cache_expiry(headers: Mapping[str, str], now: datetime) -> datetime | None:
    """When a cached copy goes stale: `Cache-Control: max-age` (less `Age`), else `Expires`."""
    control = headers.get("cache-control", "")
    if _NO_CACHE.search(control):
        return None
    match = _MAX_AGE.search(control)
    if match:
        age = headers.get("age", "0").strip()
        seconds = int(match.group(1)) - (int(age) if age.isdigit() else 0)
        return _capped(now + timedelta(seconds=seconds), now)
    return _capped(http_date(headers.get("expires")), now)


def retry_after(value: str | None, now: datetime) -> datetime | None:
    """`Retry-After` as seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return _capped(now + timedelta(seconds=int(value)), now)
    return _capped(http_date(value), now)


@dataclass(frozen=True)
class FeedHints:
    """RSS 2.0 channel elements about polling: `<ttl>` minutes, `<skipHours>`, `<skipDays>`."""

    ttl: int | None = None
    skip_hours: tuple[int, ...] = ()
    skip_days: tuple[str, ...] = ()

    def expiry(self, now: datetime) -> datetime | None:
        return _capped(now + timedelta(minutes=self.ttl), now) if self.ttl else None


def feed_hints(body: bytes) -> FeedHints:
    """The channel's polling hints, looked for outside the items only (cheap: no XML parse)."""
    first = body.find(b"<item")
    last = body.rfind(b"</item>")
    channel = body if first < 0 else body[:first] + body[last:] if last > first else body[:first]
    ttl = _TTL.search(channel)
    hours: set[int] = set()
    for block in _SKIP_HOURS.findall(channel):
        hours.update(h for h in (int(x) for x in _HOUR.findall(block)) if 0 <= h <= 23)
    days: set[str] = set()
    for block in _SKIP_DAYS.findall(channel):
        days.update(d for d in (x.decode().lower() for x in _DAY.findall(block)) if d in _DAYS)
    return FeedHints(int(ttl.group(1)) if ttl else None, tuple(sorted(hours)),
                     tuple(sorted(days)))
