"""The article value object and its serialized form: front matter plus body."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from archive.identity import identity_of


@dataclass(frozen=True)
class Article:
    """One archived article, independent of how a preset lays it out on disk."""

    source: str
    title: str
    body: str
    date: datetime | None = None
    categories: tuple[str, ...] = ()
    author: str | None = None
    cover: str | None = None
    original_url: str | None = None
    guid: str | None = None
    updated: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def identity(self) -> str:
        """What makes two items the same article under the `auto` policy: the guid, else the link."""
        return identity_of(self)

    def with_(self, **changes: Any) -> Article:
        return replace(self, **changes)


def content_hash(article: Article) -> str:
    """A digest of everything the file holds except the `updated` bookkeeping key."""
    payload = [
        article.source,
        article.title,
        article.date.isoformat() if article.date else None,
        list(article.categories),
        article.author,
        article.cover,
        article.original_url,
        article.guid,
        sorted((k, repr(v)) for k, v in article.extra.items()),
        article.body,
    ]
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return hashlib.sha256(data).hexdigest()
