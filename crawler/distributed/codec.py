"""Stream entries: a finished article (the item as JSON) or a per-source report event."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from ..items import ArticleItem

ARTICLE = "article"
EVENTS = ("count", "problem", "broken")
_DATETIME = "$datetime"
_ITEM_FIELDS = {f.name for f in fields(ArticleItem)}


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return {_DATETIME: value.isoformat()}
    raise TypeError(f"cannot put {type(value).__name__} on the article stream")


def _hook(obj: dict[str, Any]) -> Any:
    if set(obj) == {_DATETIME}:
        return datetime.fromisoformat(obj[_DATETIME])
    return obj


def article_entry(item: ArticleItem) -> dict[str, bytes]:
    data = json.dumps(asdict(item), default=_default, ensure_ascii=False)
    return {"kind": ARTICLE.encode(), "data": data.encode("utf-8")}


def event_entry(kind: str, source: str, **values: Any) -> dict[str, bytes]:
    if kind not in EVENTS:
        raise ValueError(f"unknown event kind {kind!r}")
    data = json.dumps({"source": source, **values}, ensure_ascii=False)
    return {"kind": kind.encode(), "data": data.encode("utf-8")}


def decode(entry: dict[bytes, bytes]) -> tuple[str, Any]:
    """(kind, ArticleItem) for an article, (kind, dict) for an event. Raises ValueError."""
    try:
        kind = entry[b"kind"].decode()
        data = json.loads(entry[b"data"].decode("utf-8"), object_hook=_hook)
    except (KeyError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"malformed stream entry: {exc}") from exc
    if kind == ARTICLE:
        unknown = set(data) - _ITEM_FIELDS
        if unknown:
            raise ValueError(f"article with unknown fields {sorted(unknown)}: "
                             "is this writer older than the workers?")
        return kind, ArticleItem(**data)
    if kind in EVENTS and isinstance(data.get("source"), str):
        return kind, data
    raise ValueError(f"unknown stream entry kind {kind!r}")
