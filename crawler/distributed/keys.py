"""The Redis keys one distributed archive uses, all under `[distributed] prefix`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from archive import QueueError
from crawler.config import DistributedConfig

GROUP = "writer"  # the consumer group of the article stream


@dataclass(frozen=True)
class Keys:
    prefix: str = "feedvault"

    @property
    def requests(self) -> str:
        """Sorted set of serialized requests waiting for a worker (scrapy-redis queue)."""
        return f"{self.prefix}:requests"

    @property
    def dupefilter(self) -> str:
        """Set of request fingerprints already scheduled (scrapy-redis duplicate filter)."""
        return f"{self.prefix}:dupefilter"

    @property
    def leases(self) -> str:
        """Hash of requests a worker has taken but not finished: lease → request."""
        return f"{self.prefix}:leases"

    def worker(self, worker_id: str) -> str:
        """A worker's heartbeat: exists while the worker is alive."""
        return f"{self.prefix}:worker:{worker_id}"

    @property
    def articles(self) -> str:
        """Stream of finished articles and report events, read by the writer."""
        return f"{self.prefix}:articles"

    @property
    def rejected(self) -> str:
        """Stream of article-stream entries the writer could not use, each with its reason."""
        return f"{self.prefix}:rejected"


def connect(config: DistributedConfig) -> Any:
    """A Redis client for `[distributed] redis`, checked with PING."""
    try:
        import redis
    except ImportError as exc:
        raise QueueError("[distributed] needs Redis support: pip install 'feedvault[distributed]'"
                         ) from exc
    client = redis.Redis.from_url(config.redis, socket_timeout=30, socket_connect_timeout=10,
                                  retry_on_timeout=True)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise QueueError(f"{config.redis}: cannot reach Redis ({exc}); is redis-server running?"
                         ) from exc
    return client
