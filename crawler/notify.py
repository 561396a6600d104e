"""Notifications: one digest per crawl through Apprise; a failing source is announced once
when it starts failing and once when it recovers."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from crawler.config._notify import apprise_module
from crawler.config.model import NotifyConfig
from crawler.outcome.history import DRIFT_WORDS, SourceRun
from crawler.outcome.report import SourceSummary

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Digest:
    """The one message a crawl sends."""

    title: str
    body: str


def digest(summaries: Iterable[SourceSummary], before: Mapping[str, SourceRun],
           on: Iterable[str]) -> Digest | None:
    """What this crawl has to say for the chosen events, or None when nothing is worth a
    message. `before` is each source's last run before this crawl (`RunHistory.record`)."""
    events = set(on)
    crawled = [s for s in summaries if not s.skipped]
    new = sum(s.new for s in crawled) if "new" in events else 0
    updated = sum(s.updated for s in crawled) if "updated" in events else 0
    failing, recovered = [], []
    if "failed" in events:
        for s in crawled:
            was_failing = s.name in before and before[s.name].failing
            if s.status == "failed" and not was_failing:
                failing.append(s)
            elif s.status != "failed" and was_failing:
                recovered.append(s)
    drifting = [s for s in crawled if "drift" in events
                and any(DRIFT_WORDS in p for p in s.problems)]
    if not (new or updated or failing or recovered or drifting):
        return None
    head = []
    if new or updated:
        head.append(", ".join(part for part in (f"{new} new" if "new" in events else "",
                                                f"{updated} updated" if "updated" in events
                                                else "") if part))
    if failing:
        head.append(f"{len(failing)} source{'s' if len(failing) != 1 else ''} failing")
    if recovered:
        head.append(f"{len(recovered)} recovered")
    if drifting:
        head.append(f"{len(drifting)} drifting")
    lines = []
    for s in crawled:
        counts = [f"{n} {word}" for n, word in ((s.new, "new"), (s.updated, "updated"))
                  if n and word in events]
        if counts:
            lines.append(f"{s.name}: {', '.join(counts)}")
    lines += [f"{s.name}: FAILING: {s.problems[0] if s.problems else 'failed'}"
              for s in failing]
    lines += [f"{s.name}: recovered ({before[s.name].failures} failed crawls in a row before)"
              for s in recovered]
    for s in drifting:
        lines += [f"{s.name}: drift: {p}" for p in s.problems if DRIFT_WORDS in p]
    return Digest(f"feedvault: {'; '.join(head)}", "\n".join(lines))


def send(config: NotifyConfig, message: Digest) -> bool:
    """Send the digest to every configured service; a failure is one warning line that
    names no URL (they hold tokens and passwords)."""
    # Apprise's own log lines describe the services it talks to; ours say enough.
    logging.getLogger("apprise").setLevel(logging.CRITICAL)
    try:
        with apprise_module() as apprise:
            services = apprise.Apprise()
            for url in config.urls:
                services.add(url)
            sent = bool(services.notify(title=message.title, body=message.body))
    except Exception as exc:  # a plugin's bug must not fail a crawl that archived its articles
        logger.warning("notification not sent (%s)", type(exc).__name__)
        return False
    if not sent:
        logger.warning("notification not sent to every service in [notify] urls "
                       "(%d configured)", len(config.urls))
    return sent


def notify_crawl(config: NotifyConfig | None, summaries: Iterable[SourceSummary],
                 before: Mapping[str, SourceRun]) -> Digest | None:
    """The end-of-crawl hook: build the digest and send it, if there is one to send."""
    if config is None:
        return None
    message = digest(summaries, before, config.on)
    if message is not None:
        send(config, message)
    return message
