"""The meta keys a queued request may carry, each checked: what the feeds spider, feedvault's
middlewares and Scrapy's own set on a request before it is queued (or queued again by a
retry or a redirect).

A known key of the wrong type or shape refuses the whole entry (ValueError): feedvault's
encoder never writes one, so the entry was forged. Any other key is dropped silently, and
the worker's own middlewares set again what they need from its own settings: the keys
that say how a worker connects or throttles (`proxy`, `bindaddress`, `download_timeout`,
`download_maxsize`, `download_slot`), the ones a source's settings decide
(`dont_obey_robotstxt`), readings of another process's clock (the deadline, when a request
was sent), and keys a newer Scrapy or another middleware adds: refusing those would lose
legitimate retries and redirects after an upgrade, and a dropped key has no effect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from crawler.config import SourceConfig
from crawler.config.model import HEADER_NAME, RsshubConfig
from crawler.health.middleware import ASKED
from crawler.limits.deadline import LATE
from crawler.middlewares.capture import CAPTURE_META
from crawler.middlewares.conditional import FORCE_META
from crawler.middlewares.http import SENT_META
from crawler.rsshub import RSSHUB_META

SOURCE = "feedvault_source"
MAX_COUNT = 1_000_000  # retries, redirects, depth: far above any limit a crawl sets
MAX_RETRIES = 100
MAX_LIST = 100  # redirect chains (REDIRECT_MAX_TIMES is 20), header names


def _flag(value: Any) -> bool:
    return isinstance(value, bool)


def _count(value: Any, most: int = MAX_COUNT) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= most


def _retries(value: Any) -> bool:  # the feeds spider sets 0: the next RSSHub instance retries
    return _count(value, MAX_RETRIES)


def _urls(value: Any) -> bool:
    return isinstance(value, list) and len(value) <= MAX_LIST and all(
        isinstance(url, str) and _scheme(url) in ("http", "https") for url in value)


def _reasons(value: Any) -> bool:  # HTTP statuses, or "meta refresh"
    return isinstance(value, list) and len(value) <= MAX_LIST and all(
        _count(reason) or (isinstance(reason, str) and len(reason) <= 40) for reason in value)


def _header_names(value: Any) -> bool:
    return isinstance(value, list) and len(value) <= MAX_LIST and all(
        isinstance(name, str) and HEADER_NAME.match(name) for name in value)


# Keys whose value alone says whether it is of the right shape.
SHAPES: dict[str, Callable[[Any], bool]] = {
    CAPTURE_META: _flag, FORCE_META: _flag, LATE: _flag, ASKED: _flag,
    "is_start_request": _flag,
    "max_retry_times": _retries, "retry_times": _count, "depth": _count,
    "redirect_times": _count, "redirect_ttl": _count,
    "redirect_urls": _urls, "redirect_reasons": _reasons,
    SENT_META: _header_names,  # the source's headers to take off after a redirect elsewhere
}
# Keys checked against the configuration: the source, its cookie jar, its RSSHub instance.
CONFIGURED = frozenset({SOURCE, "cookiejar", RSSHUB_META})
ALLOWED = frozenset(SHAPES) | CONFIGURED


def trusted_meta(meta: Mapping[str, Any], sources: Mapping[str, SourceConfig],
                 rsshub: RsshubConfig | None) -> dict[str, Any]:
    """meta with only the allowed keys; ValueError naming the first one of a wrong shape."""
    kept = {key: value for key, value in meta.items() if key in ALLOWED}
    for key, value in kept.items():
        if key in SHAPES and not SHAPES[key](value):
            raise ValueError(f"meta {key!r} is not what feedvault sets ({_shown(value)})")
    source = kept.get(SOURCE)
    if SOURCE in kept and (not isinstance(source, str) or source not in sources):
        raise ValueError(f"meta {SOURCE!r}: unknown source {_shown(source)}")
    if "cookiejar" in kept and (source is None or kept["cookiejar"] != f"feedvault:{source}"):
        raise ValueError(f"meta 'cookiejar' is not its source's ({_shown(kept['cookiejar'])})")
    if RSSHUB_META in kept:
        index = kept[RSSHUB_META]
        instances = len(rsshub.instances) if rsshub is not None else 0
        route = sources[source].rsshub if source is not None else None
        if route is None or not _count(index, instances - 1):
            raise ValueError(f"meta {RSSHUB_META!r}: {_shown(index)} is not an RSSHub "
                             f"instance of the source (it has {instances if route else 0})")
    return kept


def _shown(value: Any) -> str:
    return repr(value)[:60]


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:
        return ""
