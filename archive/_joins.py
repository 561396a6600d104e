"""One article from two sources: the other source's ledger row for an article's link."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from pathlib import PurePosixPath

from archive.document import Article
from archive.ledger import Ledger, LedgerRow


def same_article(ledger: Ledger, article: Article, apart: Collection[str],
                 link_key: Callable[[str], str], extension: str) -> LedgerRow | None:
    """Another source's ledger row for this article's link, by link_key (the link without
    what tells two copies apart, e.g. click trackers), in a file of this archive's extension;
    sources in apart (cross_source = "separate") are never matched."""
    link = article.original_url
    if not link:
        return None
    key = link_key(link)
    stem = re.split(r"[?#]", link, maxsplit=1)[0]
    scheme, colon, rest = stem.partition(":")
    stems = [stem]  # then the other scheme's spelling, if link_key folds them
    if colon and scheme.lower() in ("http", "https"):
        stems.append(f"{'https' if scheme.lower() == 'http' else 'http'}:{rest}")
    for candidate in stems:
        for row in ledger.near_link(candidate):
            if row.source != article.source and row.source not in apart and row.link \
                    and PurePosixPath(row.path).suffix == extension \
                    and link_key(row.link) == key:
                return row
    return None
