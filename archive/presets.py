"""Front-matter presets: how an Article becomes a file a site generator reads, and back."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from archive import _frontmatter, _protect
from archive._protect import Protection
from archive.body import BODY_FORMATS
from archive.document import Article
from archive.errors import DocumentError
from archive.layout import BY_SOURCE_AND_YEAR, JEKYLL_POSTS, Layout

# Every source an article came from, when more than its first `source` delivered it
# (cross_source = "merge"): an `extra` key the archive sets, written after `source`.
SOURCES_KEY = "sources"

# Kept for callers of the first version: the archive's body normalization.
normalize_body = _protect.normalize


@dataclass(frozen=True)
class BodyStyle:
    """What one body format looks like under one preset: extension, protection, extra keys."""

    extension: str
    protection: Protection
    fixed: Mapping[str, Any] = field(default_factory=dict)


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
    """A site generator's conventions, as data: keys, layout, body styles, front-matter syntax.

    `body` and `front_matter_format` select one of `styles` and `syntaxes`;
    `configured()` returns the preset with another selection.
    """

    name: str
    layout: Layout
    styles: Mapping[str, BodyStyle]
    cover_keys: tuple[str, ...] = ()  # each holds the cover URL
    cover_list_key: str | None = None  # holds [cover] (Hugo's `images`)
    updated_key: str = "updated"  # Hugo calls it `lastmod`
    fixed: Mapping[str, Any] = field(default_factory=dict)  # e.g. draft = false
    syntaxes: tuple[str, ...] = ("yaml",)
    body: str = "html"
    front_matter_format: str = "yaml"

    def configured(self, body: str | None = None, front_matter_format: str | None = None
                   ) -> Preset:
        """This preset with another body or front-matter syntax (ValueError if unsupported)."""
        body = body or self.body
        syntax = front_matter_format or self.front_matter_format
        if body not in self.styles:
            raise ValueError(f"expected one of {', '.join(map(repr, self.styles))} "
                             f"(preset {self.name!r}), got {body!r}")
        if syntax not in self.syntaxes:
            raise ValueError(f"expected {' or '.join(map(repr, self.syntaxes))} for preset "
                             f"{self.name!r}, got {syntax!r}")
        return replace(self, body=body, front_matter_format=syntax)

    @property
    def style(self) -> BodyStyle:
        return self.styles[self.body]

    @property
    def extension(self) -> str:
        return self.style.extension

    @property
    def fixed_keys(self) -> Mapping[str, Any]:
        return {**self.fixed, **self.style.fixed}

    @property
    def reserved_keys(self) -> frozenset[str]:
        """Keys the preset writes itself; constants may not override them."""
        keys = {"title", "date", "categories", "author", "original_url", "guid", "source",
                SOURCES_KEY, self.updated_key, *self.cover_keys, *self.fixed}
        if self.cover_list_key:
            keys.add(self.cover_list_key)
        for style in self.styles.values():
            keys |= set(style.fixed)
        return frozenset(keys)

    def _date(self, value: datetime | None) -> Any:
        if value is None:
            return None
        # TOML has a datetime type; YAML dates stay ISO 8601 strings, offset included.
        return value if self.front_matter_format == "toml" else value.isoformat()

    def front_matter(self, article: Article) -> dict[str, Any]:
        meta: dict[str, Any] = {"title": article.title, "date": self._date(article.date)}
        meta[self.updated_key] = self._date(article.updated)
        meta.update(self.fixed_keys)
        if article.categories:
            meta["categories"] = list(article.categories)
        if article.author:
            meta["author"] = article.author
        if article.cover:
            for key in self.cover_keys:
                meta[key] = article.cover
            if self.cover_list_key:
                meta[self.cover_list_key] = [article.cover]
        extra = dict(article.extra)
        sources = extra.pop(SOURCES_KEY, None)
        meta.update(extra)
        meta["original_url"] = article.original_url
        meta["guid"] = article.guid
        meta["source"] = article.source
        meta[SOURCES_KEY] = sources
        return {k: v for k, v in meta.items() if v is not None}

    def dumps(self, article: Article) -> str:
        body = self.style.protection.escape(article.body)
        return _frontmatter.dumps(self.front_matter(article), body, self.front_matter_format)

    def loads(self, text: str, *, where: str = "<string>") -> Article:
        try:
            meta, body = _frontmatter.loads(text, self.front_matter_format)
        except Exception as exc:  # yaml and tomllib raise many unrelated types
            raise DocumentError(f"{where}: front matter does not parse: {exc}") from exc
        if "title" not in meta or "source" not in meta:
            raise DocumentError(f"{where}: not a feedvault article (no 'title' or 'source' key)")
        for key in self.fixed_keys:
            meta.pop(key, None)
        cover = None
        if self.cover_list_key:
            covers = meta.pop(self.cover_list_key, None)
            cover = covers[0] if isinstance(covers, list) and covers else cover
        for key in self.cover_keys:
            cover = meta.pop(key, None) or cover
        categories = meta.pop("categories", None) or ()
        if isinstance(categories, str):
            categories = (categories,)
        return Article(
            source=str(meta.pop("source")),
            title=str(meta.pop("title")),
            body=self.style.protection.unescape(body),
            date=_parse_date(meta.pop("date", None), "date"),
            updated=_parse_date(meta.pop(self.updated_key, None), self.updated_key),
            categories=tuple(str(c) for c in categories),
            author=meta.pop("author", None),
            cover=cover,
            original_url=meta.pop("original_url", None),
            guid=meta.pop("guid", None),
            extra=meta,
        )


def _frozen(**items: Any) -> Mapping[str, Any]:
    return MappingProxyType(items)


HEXO = Preset(
    name="hexo",
    layout=BY_SOURCE_AND_YEAR,
    styles=_frozen(
        html=BodyStyle(".md", _protect.HEXO_HTML),
        markdown=BodyStyle(".md", _protect.NONE, _frozen(disableNunjucks=True)),
    ),
    cover_keys=("headimg", "thumbnail"),
)

HUGO = Preset(
    name="hugo",
    layout=BY_SOURCE_AND_YEAR,
    styles=_frozen(
        html=BodyStyle(".html", _protect.BRACES),
        markdown=BodyStyle(".md", _protect.HUGO_MARKDOWN),
    ),
    cover_list_key="images",
    updated_key="lastmod",
    fixed=_frozen(draft=False),
    syntaxes=("yaml", "toml"),
)

JEKYLL = Preset(
    name="jekyll",
    layout=JEKYLL_POSTS,
    styles=_frozen(
        html=BodyStyle(".html", _protect.LIQUID_RAW),
        markdown=BodyStyle(".md", _protect.KRAMDOWN_RAW),
    ),
    cover_keys=("image",),
    fixed=_frozen(layout="post"),
)

PRESETS: Mapping[str, Preset] = MappingProxyType({p.name: p for p in (HEXO, HUGO, JEKYLL)})
assert all(set(p.styles) == set(BODY_FORMATS) for p in PRESETS.values())


def get_preset(name: str, *, body: str | None = None,
               front_matter_format: str | None = None) -> Preset:
    """A preset by name (KeyError if unknown), optionally configured (ValueError if unsupported)."""
    try:
        preset = PRESETS[name]
    except KeyError:
        raise KeyError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None
    return preset.configured(body, front_matter_format)
