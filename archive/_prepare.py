"""An article as the archive stores it: body normalized (or Markdown), links made safe, dates."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from archive._protect import normalize
from archive._urls import safe_url
from archive.body import to_markdown
from archive.document import Article
from archive.presets import Preset


def stored_link(article: Article) -> str | None:
    """The article's link as the archive stores (and identifies) it."""
    return safe_url(article.original_url) if article.original_url else article.original_url


def prepared(article: Article, preset: Preset, constants: Mapping[str, Any]) -> Article:
    """The article as its file will say it, before its `updated`: the body normalized (and
    converted when the preset writes Markdown), the configured constant keys under its own
    extra keys, the link and the cover made safe (front matter that themes print into
    attributes), and `updated` left out (see `updated_time`)."""
    body = normalize(article.body)
    if preset.body == "markdown":
        body = normalize(to_markdown(body))
    return article.with_(
        body=body,
        extra={**constants, **article.extra},
        updated=None,
        cover=safe_url(article.cover) if article.cover else article.cover,
        original_url=stored_link(article),
    )


def updated_time(date: datetime, source_updated: datetime | None,
                 changed_at: datetime | None = None) -> datetime:
    """The `updated` an article's file says: the source's own update time when it gives
    one, else the moment feedvault saw its content change, else its publication date.

    Never the crawl time of a first sight, never before the article's date: a site
    shows an article as updated only when it was."""
    stamp = source_updated or changed_at or date
    if stamp.tzinfo is None or date.tzinfo is None:  # compare naive times as UTC
        return max(stamp, date, key=lambda d: d if d.tzinfo else d.replace(tzinfo=UTC))
    return max(stamp, date)
