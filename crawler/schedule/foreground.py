"""The foreground scheduler: crawl due sources in child processes, one at a time, until stopped."""

from __future__ import annotations

import json
import logging
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import FrameType

from crawler.config import Config
from crawler.schedule.due import next_poll_of
from crawler.schedule.http_state import HttpState

logger = logging.getLogger(__name__)

TICK = 0.2  # seconds between checks of the stop flag
HOLD = timedelta(minutes=5)  # a source still due right after its crawl waits this long
MAX_SLEEP = 300.0  # re-read the state at least this often (a cron job may crawl too)


def _now() -> datetime:
    return datetime.now(UTC)


class Scheduler:
    """Each crawl runs as `feedvault crawl --due` in a child process: Twisted's reactor cannot
    be restarted in one process, and a crashed crawl cannot take the scheduler down with it.

    SIGTERM or SIGINT stops the loop; a running crawl gets one SIGTERM, which Scrapy
    treats as a graceful shutdown (in-flight requests and items finish), and is waited for.
    """

    def __init__(self, config: Config, sources: list[str], *, log: Callable[[str], None],
                 verbosity: int = 0, max_time: float | None = None,
                 clock: Callable[[], datetime] = _now) -> None:
        self.config = config
        self.sources = config.select(sources)
        self.log = log
        self.verbosity = verbosity
        self.max_time = max_time  # None: the crawl's own `[crawl] max_time`, if any
        self.clock = clock
        self.stopping = False
        self.child: subprocess.Popen[bytes] | None = None
        self.held: dict[str, datetime] = {}

    def _stop(self, signum: int, _frame: FrameType | None) -> None:
        first = not self.stopping
        self.stopping = True
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signal.SIGTERM)
        if first:
            self.log(f"received {signal.Signals(signum).name}: "
                     + ("letting the running crawl finish its articles, then exiting"
                        if self.child else "exiting"))

    def run(self) -> int:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._stop)
        names = ", ".join(s.name for s in self.sources)
        self.log(f"scheduling {names} for {self.config.archive_path}")
        while not self.stopping:
            due, wake = self._due()
            if not due:
                self._sleep(min(MAX_SLEEP, max(TICK, (wake - self.clock()).total_seconds())))
                continue
            self._sleep(random.uniform(0, self.config.jitter))
            if self.stopping:
                break
            self._crawl(due)
        self.log("stopped")
        return 0

    def _due(self) -> tuple[list[str], datetime]:
        now = self.clock()
        due, wake = [], now + timedelta(seconds=MAX_SLEEP)
        with HttpState(self.config.archive_path) as state:
            for source in self.sources:
                when = next_poll_of(self.config, source, state)
                held = self.held.get(source.name)
                if held and (when is None or when < held):
                    when = held
                if when is None or when <= now:
                    due.append(source.name)
                else:
                    wake = min(wake, when)
        return due, wake

    def _sleep(self, seconds: float) -> None:
        end = time.monotonic() + seconds
        while not self.stopping and time.monotonic() < end:
            time.sleep(min(TICK, max(0.0, end - time.monotonic())))

    def _crawl(self, due: list[str]) -> None:
        fd, report_name = tempfile.mkstemp(prefix="feedvault-report-", suffix=".json")
        os.close(fd)
        report = Path(report_name)
        command = [sys.executable, "-m", "crawler.cli", "crawl", "--due",
                   "--config", str(self.config.file), "--report", str(report)]
        command += [arg for name in due for arg in ("--source", name)]
        command += ["-v"] * self.verbosity
        if self.max_time:
            command += ["--max-time", f"{self.max_time:g}s"]
        started = time.monotonic()
        try:
            self.child = subprocess.Popen(
                command, stdout=None if self.verbosity else subprocess.DEVNULL,
                start_new_session=True,  # a terminal's Ctrl-C reaches us only; we forward it once
                env={**os.environ, "PYTHONPATH": os.pathsep.join(
                    p for p in (str(Path(__file__).resolve().parent.parent),
                                os.environ.get("PYTHONPATH")) if p)},
            )
            status = self.child.wait()
            self.child = None
            self.log(self._line(due, status, time.monotonic() - started, report))
        finally:
            report.unlink(missing_ok=True)
        now = self.clock()
        still_due, _ = self._due()
        for name in still_due:
            if name in due:
                self.held[name] = now + HOLD

    def _line(self, due: list[str], status: int, seconds: float, report: Path) -> str:
        try:
            data = json.loads(report.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return f"crawl of {', '.join(due)}: exit {status} after {seconds:.1f}s (no report)"
        totals = data["totals"]
        failed = [s["name"] for s in data["sources"] if s["status"] == "failed"]
        left = sum(len(s.get("left", [])) for s in data["sources"])
        return (f"crawled {', '.join(due)} in {seconds:.1f}s, exit {status}: "
                f"{totals['new']} new, {totals['updated']} updated, {totals['unchanged']} "
                f"unchanged, {totals['not_modified']} not modified, {totals['failed']} failed"
                + (f" (failed sources: {', '.join(failed)})" if failed else "")
                + (f"; stopped: {data['stopped']}, {left} URLs left for the next crawl"
                   if data.get("stopped") else ""))
