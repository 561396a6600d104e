"""Scrapy's stats for distributed crawls: per-source report events also go to the writer."""

from __future__ import annotations

import logging
import re
from typing import Any

from scrapy.statscollectors import MemoryStatsCollector

from crawler.config import config_from_settings
from crawler.distributed.codec import event_entry
from crawler.distributed.keys import Keys, connect
from crawler.distributed.outage import OutageLog, outage_errors
from crawler.outcome.report import STATUSES

logger = logging.getLogger(__name__)

_REPORT_KEY = re.compile(r"^feedvault/(?P<source>[^/]+)/(?P<what>[a-z_]+)$")


class StreamStats(MemoryStatsCollector):
    """A worker's failures and problems (crawler.outcome.report) reach the writer's summary."""

    def __init__(self, crawler: Any) -> None:
        super().__init__(crawler)
        config = config_from_settings(crawler.settings).distributed
        assert config is not None, "StreamStats is only installed in distributed mode"
        self.client = connect(config)
        self.stream = Keys(config.prefix).articles
        self.unsent: list[dict[str, bytes]] = []
        self.outage = OutageLog(logger, config.redis)

    def inc_value(self, key: str, count: int = 1, start: int = 0, spider: Any = None) -> None:
        super().inc_value(key, count, start)
        match = _REPORT_KEY.match(key)
        if match and match["what"] in STATUSES:
            self._send(event_entry("count", match["source"], status=match["what"], n=count))

    def set_value(self, key: str, value: Any, spider: Any = None) -> None:
        super().set_value(key, value)
        match = _REPORT_KEY.match(key)
        if not match or not value:
            return
        if match["what"] == "problems":
            self._send(event_entry("problem", match["source"], message=str(value[-1])))
        elif match["what"] == "broken":
            self._send(event_entry("broken", match["source"]))

    def _send(self, entry: dict[str, bytes]) -> None:
        # Called from spider callbacks: an unreachable Redis must not break them (their
        # articles would be lost). Events wait in memory and go with the next one.
        self.unsent.append(entry)
        try:
            while self.unsent:
                self.client.xadd(self.stream, self.unsent[0])
                self.unsent.pop(0)
        except outage_errors() as exc:
            self.outage.failed(exc, f"{len(self.unsent)} report events wait in memory")
        else:
            self.outage.recovered()
