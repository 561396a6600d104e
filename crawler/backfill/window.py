"""The date window of a backfill: `--since` and `--until`, both inclusive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from archive.errors import ConfigError
from crawler.feeds.dates import parse_date


def parse_bound(text: str, *, end: bool = False) -> datetime:
    """`2024-01-31`, an ISO date-time, or any date parse_date reads (`2024年1月31日`,
    `3 days ago`); a bare date ends at midnight after it when `end`."""
    value = parse_date(text)
    if value is None:
        raise ConfigError(f"{text!r} is not a date: write YYYY-MM-DD or an ISO date-time")
    bare = value.time() == time(0) and "T" not in text and ":" not in text
    if end and bare:
        value += timedelta(days=1) - timedelta(microseconds=1)
    return value


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Window:
    since: datetime | None = None
    until: datetime | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise ConfigError(f"--since {self.since.date()} is after --until {self.until.date()}")

    def contains(self, date: datetime | None) -> bool:
        """True for a date in the window, and for an unknown date (nothing tells it is out)."""
        if date is None:
            return True
        date = aware(date)
        return not ((self.since and date < self.since) or (self.until and date > self.until))

    def overlaps(self, start: datetime, end: datetime) -> bool:
        """Whether some moment from start to end is in the window (a sitemap's date-only
        `<lastmod>2024-01-31</lastmod>` against `--since 2024-01-31T12:00`)."""
        return not ((self.since and aware(end) < self.since)
                    or (self.until and aware(start) > self.until))

    def older(self, date: datetime | None) -> bool:
        return bool(date and self.since and aware(date) < self.since)

    def key(self) -> str:
        """What a resumed run must share with the run it continues."""
        return f"{self.since.isoformat() if self.since else ''}..{self.until.isoformat() if self.until else ''}"

    def describe(self) -> str:
        if not (self.since or self.until):
            return "all dates"
        since = self.since.date().isoformat() if self.since else "the start"
        until = self.until.date().isoformat() if self.until else "now"
        return f"{since} to {until}"
