"""When a source is due: its interval or cron schedule, pushed back by what the site asked for."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from croniter import croniter

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def parse_duration(text: str) -> float:
    """Seconds in `"30m"`, `"1h30m"`, `"2d"`, `"45s"` or a bare number of seconds."""
    raw = text.strip().lower().replace(" ", "")
    if re.fullmatch(r"\d+(?:\.\d+)?", raw):
        return float(raw)
    if not raw or _DURATION.sub("", raw):
        raise ValueError(f"{text!r} is not a duration; write e.g. \"30m\", \"1h30m\", \"2d\"")
    return float(sum(float(n) * _UNITS[u] for n, u in _DURATION.findall(raw)))


def check_cron(expr: str) -> str:
    if not croniter.is_valid(expr):
        raise ValueError(f"{expr!r} is not a cron expression (five fields: "
                         "minute hour day-of-month month day-of-week, e.g. \"0 * * * *\")")
    return expr


@dataclass(frozen=True)
class Schedule:
    """Every `interval` seconds, or at the times of a cron expression (UTC)."""

    interval: float | None = None
    cron: str | None = None

    def next_after(self, last: datetime) -> datetime:
        if self.cron:
            return croniter(self.cron, last).get_next(datetime)  # type: ignore[no-any-return]
        return last + timedelta(seconds=self.interval or 3600)

    def describe(self) -> str:
        return f"cron {self.cron!r}" if self.cron else f"every {int(self.interval or 3600)}s"


def skip_adjusted(when: datetime, skip_hours: Iterable[int], skip_days: Iterable[str]) -> datetime:
    """The first moment at or after when outside the feed's skipHours/skipDays (both in GMT)."""
    hours, days = set(skip_hours), {d.lower() for d in skip_days}
    if not hours and not days:
        return when
    if len(hours) >= 24 or len(days) >= 7:
        return when  # a feed that skips everything: ignore the hint rather than never poll
    for _ in range(24 * 8):
        if when.hour not in hours and DAYS[when.weekday()] not in days:
            return when
        when = (when + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    return when


def next_poll(
    schedule: Schedule,
    last_polled: datetime | None,
    not_before: datetime | None = None,
    skip_hours: Iterable[int] = (),
    skip_days: Iterable[str] = (),
) -> datetime | None:
    """When the source may next be polled; None if never polled (due now)."""
    candidates = [t for t in (last_polled and schedule.next_after(last_polled), not_before) if t]
    if not candidates:
        return None
    return skip_adjusted(max(candidates), skip_hours, skip_days)
