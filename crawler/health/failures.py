"""Host health: which failures mean a host is unreachable, and one report line per such host."""

from __future__ import annotations

from typing import Any

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
)
from twisted.internet import error

from crawler.outcome.report import problem

DNS = "DNS lookup failed"
REFUSED = "connection refused"
TIMEOUT = "timed out"
RESET = "connection reset"
CONNECT = "cannot connect"

# What each connection-level failure is called in reports (Scrapy's and Twisted's names).
_KINDS: tuple[tuple[tuple[type[BaseException], ...], str], ...] = (
    ((CannotResolveHostError, error.DNSLookupError), DNS),
    ((DownloadConnectionRefusedError, error.ConnectionRefusedError), REFUSED),
    ((DownloadTimeoutError, error.TimeoutError, error.TCPTimedOutError), TIMEOUT),
    ((DownloadFailedError, error.ConnectionLost, error.ConnectionDone), RESET),
    ((error.ConnectError,), CONNECT),
)


class HostDown(IgnoreRequest):
    """The request was not sent: its host is unreachable in this crawl."""

    def __init__(self, host: str, reason: str) -> None:
        super().__init__(f"{host}: unreachable ({reason})")
        self.host = host
        self.reason = reason


def network_failure(exc: BaseException) -> str | None:
    """What a connection-level failure was ("DNS lookup failed"), or None for anything else.

    An exception, or one it was raised from, with `host_failure = False` (a refusal by
    our own egress policy, say) is not one: it says nothing about the host.
    """
    chain: BaseException | None = exc
    while chain is not None:
        if getattr(chain, "host_failure", True) is False:
            return None
        chain = chain.__cause__ or chain.__context__
    for kinds, words in _KINDS:
        if isinstance(exc, kinds):
            return words
    return None


def host_down(failure: Any) -> HostDown | None:
    """The HostDown behind a request's failure: refused because its host was down, or the
    failure that found the host down (HostHealthMiddleware notes it in the request's meta)."""
    if isinstance(failure.value, HostDown):
        return failure.value
    found = failure.request.meta.get("feedvault_host_down")
    return HostDown(*found) if found else None


def _key(source: str) -> str:
    return f"feedvault/{source}/unreachable"


def unreachable(stats: Any, source: str, host: str, reason: str, what: str) -> None:
    """Count one URL of source that was not fetched because host is down; `what` is what
    the source kept instead ("kept their feed text") or "were not fetched"."""
    hosts = dict(stats.get_value(_key(source)) or {})
    entry = hosts.setdefault(host, {"reason": reason, "counts": {}})
    entry["counts"][what] = entry["counts"].get(what, 0) + 1
    stats.set_value(_key(source), hosts)


def report_unreachable(stats: Any) -> None:
    """One problem line per source and unreachable host, with the URLs it cost."""
    for key, hosts in list(stats.get_stats().items()):
        if not (key.startswith("feedvault/") and key.endswith("/unreachable")):
            continue
        source = key[len("feedvault/"):-len("/unreachable")]
        for host, entry in sorted(hosts.items()):
            counts = "; ".join(f"{n} {'page' if n == 1 else 'pages'} {what}"
                               for what, n in sorted(entry["counts"].items()))
            problem(stats, source, f"{host}: unreachable ({entry['reason']}); {counts}")
