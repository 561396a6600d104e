"""Requests on loan: a worker takes a request with a lease, and a dead worker's leases go back.

scrapy-redis pops a request for good, so a worker killed mid-request would lose it.
Here taking a request moves it, in one Lua script, from the queue into a hash of
leases named after the worker; the worker deletes the lease when the request is
fully processed, and keeps a heartbeat key alive meanwhile. When a heartbeat
expires, any live worker puts that worker's leased requests back in the queue.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from crawler.distributed.keys import Keys

# KEYS: queue, leases; ARGV: lease prefix ("<worker> <n>"). Returns {lease, request} or nil.
_TAKE = """
local top = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if #top == 0 then return false end
redis.call('ZREM', KEYS[1], top[1])
local lease = ARGV[1] .. ' ' .. top[2]
redis.call('HSET', KEYS[2], lease, top[1])
return {lease, top[1]}
"""
# KEYS: queue, leases; ARGV: lease, score. Moves the leased request back into the queue.
_GIVE_BACK = """
local request = redis.call('HGET', KEYS[2], ARGV[1])
if not request then return 0 end
redis.call('HDEL', KEYS[2], ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], request)
return 1
"""


def _worker_of(lease: str) -> str:
    return lease.split(" ", 1)[0]


def _score_of(lease: str) -> str:
    return lease.rsplit(" ", 1)[1]


class Leases:
    """One worker's view of the shared queue: take, finish, give back, and rescue the dead's."""

    def __init__(self, client: Any, keys: Keys, worker_id: str, timeout: float) -> None:
        if " " in worker_id:
            raise ValueError(f"worker id {worker_id!r} must not contain spaces")
        self.client = client
        self.keys = keys
        self.worker_id = worker_id
        self.timeout_ms = max(1, math.ceil(timeout * 1000))
        self._take = client.register_script(_TAKE)
        self._give_back = client.register_script(_GIVE_BACK)
        self._taken = 0

    def take(self) -> tuple[str, bytes] | None:
        """The highest-priority queued request, now leased to this worker; None if empty."""
        self._taken += 1
        found = self._take(keys=[self.keys.requests, self.keys.leases],
                           args=[f"{self.worker_id} {self._taken}"])
        if not found:
            return None
        lease, data = found
        return lease.decode() if isinstance(lease, bytes) else lease, data

    def finish(self, leases: Iterable[str]) -> None:
        """The requests are fully processed: forget them."""
        leases = list(leases)
        if leases:
            self.client.hdel(self.keys.leases, *leases)

    def give_back(self, leases: Iterable[str]) -> int:
        """Put leased requests back in the queue, unprocessed; returns how many were still out."""
        return sum(int(self._give_back(keys=[self.keys.requests, self.keys.leases],
                                       args=[lease, _score_of(lease)])) for lease in leases)

    def beat(self) -> None:
        """Say this worker is alive for another `timeout` seconds."""
        self.client.set(self.keys.worker(self.worker_id), b"1", px=self.timeout_ms)

    def leave(self) -> None:
        self.client.delete(self.keys.worker(self.worker_id))

    def rescue(self) -> int:
        """Give back the leases of workers whose heartbeat has expired; returns how many."""
        leases = [k.decode() if isinstance(k, bytes) else k
                  for k in self.client.hkeys(self.keys.leases)]
        workers = sorted({_worker_of(lease) for lease in leases} - {self.worker_id})
        if not workers:
            return 0
        pipe = self.client.pipeline(transaction=False)
        for worker in workers:
            pipe.exists(self.keys.worker(worker))
        dead = {w for w, alive in zip(workers, pipe.execute(), strict=True) if not alive}
        return self.give_back(lease for lease in leases if _worker_of(lease) in dead)

    def outstanding(self) -> int:
        """Requests queued or leased anywhere: work that may still produce articles."""
        pipe = self.client.pipeline(transaction=False)
        pipe.zcard(self.keys.requests)
        pipe.hlen(self.keys.leases)
        return int(sum(pipe.execute()))
