"""Front-matter presets: how an Article becomes a file a site generator reads, and back."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import frontmatter

from .document import Article
from .errors import DocumentError

# Hexo (Nunjucks) treats `{{ }}`, `{% %}` and `{# #}` in a post as template tags.
# In HTML, `&#123;` and `&#125;` are the same characters, so escaping every brace
# keeps the page identical and the build safe. Cleaned HTML never contains these
# references (the serializer writes braces literally), so the escape is reversed
# exactly; `normalize_body` folds any literal reference into its brace first.
_BRACE_REFS = (("{", "&#123;"), ("}", "&#125;"))


def normalize_body(body: str) -> str:
    """The body as the archive stores it: brace references folded, outer blanks stripped."""
    for char, ref in _BRACE_REFS:
        body = body.replace(ref, char)
    return body.strip()


def _escape_braces(body: str) -> str:
    for char, ref in _BRACE_REFS:
        body = body.replace(char, ref)
    return body


def _unescape_braces(body: str) -> str:
    for char, ref in _BRACE_REFS:
        body = body.replace(ref, char)
    return body


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _parse_date(value: Any, key: str) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise DocumentError(f"front-matter key {key!r}: {value!r} is not an ISO 8601 date") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Preset:
    """A site generator's conventions: file extension, key names, body protection."""

    name: str
    extension: str
    cover_keys: tuple[str, ...]
    escape_body: Callable[[str], str]
    unescape_body: Callable[[str], str]

    @property
    def reserved_keys(self) -> frozenset[str]:
        """Keys the preset writes itself; constants may not override them."""
        return frozenset(
            {"title", "date", "updated", "categories", "author", "original_url", "guid", "source"}
            | set(self.cover_keys)
        )

    def front_matter(self, article: Article) -> dict[str, Any]:
        meta: dict[str, Any] = {"title": article.title}
        meta["date"] = _iso(article.date)
        if article.updated:
            meta["updated"] = _iso(article.updated)
        if article.categories:
            meta["categories"] = list(article.categories)
        if article.author:
            meta["author"] = article.author
        if article.cover:
            for key in self.cover_keys:
                meta[key] = article.cover
        meta.update(article.extra)
        if article.original_url:
            meta["original_url"] = article.original_url
        if article.guid:
            meta["guid"] = article.guid
        meta["source"] = article.source
        return {k: v for k, v in meta.items() if v is not None}

    def dumps(self, article: Article) -> str:
        post = frontmatter.Post(self.escape_body(article.body), **self.front_matter(article))
        return frontmatter.dumps(post, sort_keys=False, width=1 << 20) + "\n"

    def loads(self, text: str, *, where: str = "<string>") -> Article:
        try:
            post = frontmatter.loads(text)
        except Exception as exc:  # yaml raises many unrelated types
            raise DocumentError(f"{where}: front matter does not parse: {exc}") from exc
        meta = dict(post.metadata)
        if "title" not in meta or "source" not in meta:
            raise DocumentError(f"{where}: not a feedvault article (no 'title' or 'source' key)")
        cover = None
        for key in self.cover_keys:
            cover = meta.pop(key, None) or cover
        categories = meta.pop("categories", None) or ()
        if isinstance(categories, str):
            categories = (categories,)
        return Article(
            source=str(meta.pop("source")),
            title=str(meta.pop("title")),
            body=self.unescape_body(post.content),
            date=_parse_date(meta.pop("date", None), "date"),
            updated=_parse_date(meta.pop("updated", None), "updated"),
            categories=tuple(str(c) for c in categories),
            author=meta.pop("author", None),
            cover=cover,
            original_url=meta.pop("original_url", None),
            guid=meta.pop("guid", None),
            extra=meta,
        )


HEXO = Preset(
    name="hexo",
    extension=".md",
    cover_keys=("headimg", "thumbnail"),
    escape_body=_escape_braces,
    unescape_body=_unescape_braces,
)

PRESETS: Mapping[str, Preset] = {p.name: p for p in (HEXO,)}


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None
