"""A Scrapy add-on: turns a crawl distributed when feedvault.toml has `[distributed]`.

Without `[distributed]` it changes nothing, and nothing Redis-related is imported.
"""

from __future__ import annotations

from typing import Any

from archive import ConfigError, QueueError
from crawler.config import config_from_settings
from crawler.distributed.roles import DEFAULT_IDLE_CLOSE, ENQUEUE, WORKER, IdleClose, SkipStart, role_of

SERIALIZER_REFUSED = ("[scrapy] SCHEDULER_SERIALIZER: the distributed queue always holds "
                      "feedvault's JSON, never pickles (see the README's distributed mode); "
                      "remove the key")


class DistributedAddon:
    def update_settings(self, settings: Any) -> None:
        if config_from_settings(settings).distributed is None:
            return
        try:
            from crawler.distributed.scheduler import LeasedScheduler
            from crawler.distributed.stats import StreamStats
            from pipelines.store import StorePipeline
            from pipelines.stream import StreamPipeline
        except ImportError as exc:
            raise QueueError(f"[distributed] needs Redis support ({exc}): "
                             "pip install 'feedvault[distributed]'") from exc
        if settings.get("SCHEDULER_SERIALIZER"):
            raise ConfigError(SERIALIZER_REFUSED)
        role = role_of(settings)
        settings.set("SCHEDULER", LeasedScheduler, "addon")
        settings.set("STATS_CLASS", StreamStats, "addon")
        settings.set("FEEDVAULT_IDLE_CLOSE", DEFAULT_IDLE_CLOSE, "addon")
        # Workers hand articles to the one writer instead of writing the archive themselves.
        settings.replace_in_component_priority_dict("ITEM_PIPELINES", StorePipeline,
                                                    StreamPipeline)
        if role != ENQUEUE:
            settings.set_in_component_priority_dict("EXTENSIONS", IdleClose, 0)
        if role == WORKER:
            settings.set_in_component_priority_dict("SPIDER_MIDDLEWARES", SkipStart, 0)
