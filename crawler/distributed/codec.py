"""Stream entries: a finished article (the item as JSON) or a per-source report event."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from crawler.distributed import _tagged
from crawler.distributed._typed import MAX_ENTRY, MAX_STRING, build
from crawler.items import ArticleItem
from crawler.outcome.report import STATUSES

ARTICLE = "article"
EVENTS = ("count", "problem", "broken")
MAX_COUNT = 1_000_000


def article_entry(item: ArticleItem) -> dict[str, bytes]:
    return {"kind": ARTICLE.encode(), "data": _tagged.dumps(asdict(item))}


def event_entry(kind: str, source: str, **values: Any) -> dict[str, bytes]:
    if kind not in EVENTS:
        raise ValueError(f"unknown event kind {kind!r}")
    return {"kind": kind.encode(), "data": _tagged.dumps({"source": source, **values})}


def decode(entry: dict[bytes, bytes]) -> tuple[str, Any]:
    """(kind, ArticleItem) for an article, (kind, dict) for an event. Raises ValueError,
    saying why, for anything a worker does not write: other fields, not JSON, a field of
    the wrong type or too long (`_typed.py`)."""
    if set(entry) != {b"kind", b"data"}:
        raise ValueError(f"expected the fields kind and data, got "
                         f"{sorted(k.decode('utf-8', 'replace')[:40] for k in entry)}")
    kind = entry[b"kind"].decode("utf-8", "replace")
    if kind != ARTICLE and kind not in EVENTS:
        raise ValueError(f"unknown stream entry kind {kind[:40]!r}")
    if len(entry[b"data"]) > MAX_ENTRY:
        raise ValueError(f"entry of {len(entry[b'data'])} bytes, more than {MAX_ENTRY}")
    data = _tagged.loads(entry[b"data"])
    if kind == ARTICLE:
        try:
            return kind, build(ArticleItem, data)
        except ValueError as exc:
            raise ValueError(f"{exc} (is this writer older than the workers?)"
                             if "unknown fields" in str(exc) else str(exc)) from None
    return kind, _event(kind, data)


def _event(kind: str, data: Any) -> dict[str, Any]:
    if not isinstance(data, dict) or not isinstance(data.get("source"), str) or \
            len(data["source"]) > MAX_STRING:
        raise ValueError(f"{kind} event without a source name")
    if kind == "count":
        n = data.get("n", 1)
        if data.get("status") not in STATUSES or isinstance(n, bool) or \
                not isinstance(n, int) or not 0 < n <= MAX_COUNT:
            raise ValueError(f"count event with status {str(data.get('status'))[:40]!r} and "
                             f"n {str(n)[:20]}")
    elif kind == "problem":
        message = data.get("message")
        if not isinstance(message, str) or len(message) > MAX_STRING:
            raise ValueError("problem event without a message of at most "
                             f"{MAX_STRING} characters")
    return data
