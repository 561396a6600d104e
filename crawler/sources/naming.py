"""Source names derived from a feed's title: a slug feedvault.toml accepts, made unique."""

from __future__ import annotations

from collections.abc import Collection
from urllib.parse import urlsplit

from slugify import slugify

MAX_LENGTH = 64  # crawler.config.model.SOURCE_NAME


def derive_name(title: str | None, url: str | None, taken: Collection[str]) -> str:
    """slug(title), else slug(host of url), else "feed"; `-2`, `-3`… when the name is taken
    (compared without case: the archive's folders are named after sources)."""
    base = _slug(title or "") or _slug((urlsplit(url).hostname or "") if url else "") or "feed"
    used = {name.lower() for name in taken}
    name, number = base, 1
    while name.lower() in used:
        number += 1
        suffix = f"-{number}"
        name = base[:MAX_LENGTH - len(suffix)].rstrip("-_") + suffix
    return name


def _slug(text: str) -> str:
    # transliterated to ASCII (CJK becomes pinyin): names are [A-Za-z0-9_-]
    return slugify(text, max_length=MAX_LENGTH, word_boundary=True, separator="-")
