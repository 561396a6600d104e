"""Which sources a crawl takes: due by their schedule, not postponed by the site."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from crawler.config import Config, SourceConfig
from crawler.schedule.http_state import HttpState
from crawler.schedule.rules import next_poll


@dataclass(frozen=True)
class Plan:
    """The sources to crawl now, and why each other one waits."""

    crawl: tuple[SourceConfig, ...]
    skipped: dict[str, str]


def next_poll_of(config: Config, source: SourceConfig, state: HttpState) -> datetime | None:
    poll = state.poll(source.name)
    return next_poll(config.schedule_of(source), poll.last_polled, poll.not_before,
                     poll.skip_hours, poll.skip_days)


def plan(config: Config, sources: Iterable[SourceConfig], state: HttpState, now: datetime, *,
         due_only: bool = False, force: bool = False) -> Plan:
    """Without due_only, every source the site has not asked us to leave alone; force: all."""
    crawl, skipped = [], {}
    for source in sources:
        poll = state.poll(source.name)
        if force:
            crawl.append(source)
            continue
        if due_only:
            when = next_poll_of(config, source, state)
            if when is not None and when > now:
                skipped[source.name] = f"not due until {when.isoformat()}"
                continue
        elif poll.not_before is not None and poll.not_before > now:
            skipped[source.name] = (f"postponed until {poll.not_before.isoformat()} "
                                    f"({poll.outcome or 'asked by the site'}; --force to crawl)")
            continue
        crawl.append(source)
    return Plan(tuple(crawl), skipped)
