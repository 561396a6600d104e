"""Where an article lives in the archive: deterministic, safe, collision-free paths."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath

from slugify import slugify

MAX_NAME_BYTES = 255
_SUFFIX_BYTES = 1 + 8  # "-" and eight hex digits of the identity digest


def _truncate_utf8(text: str, limit: int) -> str:
    """The longest prefix of text that fits in limit bytes of UTF-8."""
    encoded = text.encode("utf-8")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", errors="ignore").rstrip("-")


def slug(title: str) -> str:
    """A file-name-safe slug that keeps CJK and other letters: no dots, separators or controls."""
    return slugify(title, allow_unicode=True, lowercase=True)


def identity_digest(identity: str) -> str:
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:8]


@dataclass(frozen=True)
class Layout:
    """A preset's folder scheme: `folder` is a template with `{source}` and `{yyyy}`.

    File names are always `{yyyy-mm-dd}-{slug}{ext}`, the article's own date
    first, which is what Jekyll requires of `_posts` and harmless elsewhere.
    """

    folder: str

    def folder_for(self, source: str, date: datetime) -> PurePosixPath:
        return PurePosixPath(self.folder.format(source=source, yyyy=f"{date:%Y}"))


BY_SOURCE_AND_YEAR = Layout("{source}/{yyyy}")  # Hexo's source/_posts, Hugo's content/<section>
JEKYLL_POSTS = Layout("_posts/{source}")  # the Jekyll site root: _posts/<source>/<date>-<slug>


def article_path(
    *,
    source: str,
    date: datetime,
    title: str,
    identity: str,
    extension: str,
    taken: Callable[[str], bool],
    layout: Layout = BY_SOURCE_AND_YEAR,
) -> str:
    """The relative POSIX path `{folder}/{yyyy-mm-dd}-{slug}{ext}` for a new article.

    Every component stays within 255 bytes of UTF-8. When the natural path is
    taken by another article, an eight-digit digest of the identity makes it
    unique (and still deterministic).
    """
    prefix = f"{date:%Y-%m-%d}"
    room = MAX_NAME_BYTES - len(prefix.encode()) - 1 - len(extension.encode()) - _SUFFIX_BYTES
    stem = _truncate_utf8(slug(title), room)
    folder = layout.folder_for(source, date)
    first = str(folder / f"{prefix}-{stem}{extension}") if stem else None
    if first and not taken(first):
        return first
    digest = identity_digest(identity)
    name = f"{prefix}-{stem}-{digest}" if stem else f"{prefix}-{digest}"
    return str(folder / f"{name}{extension}")
