"""One article from two sources: the other source's row for its link, and joining its file."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import replace
from pathlib import PurePosixPath

from archive.document import Article, content_hash
from archive.ledger import Ledger, LedgerRow
from archive.presets import SOURCES_KEY, Preset


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


def join_copy(ledger: Ledger, preset: Preset, article: Article, identity: str,
              apart: Collection[str], link_key: Callable[[str], str], *,
              load: Callable[[str], Article], write: Callable[[str, str], None],
              seen: Callable[[], str]) -> tuple[str, str] | None:
    """This source's copy of an article another source archived: that file gains this
    source in its `sources` list (written, then the ledger); (status, path) of that file,
    or None when there is no such article.

    DocumentError when that file is missing or unreadable (then this source cannot
    join it). A file that already lists this source (a join whose ledger row was lost
    or never committed) is left as it is and only the ledger learns of the join."""
    path = ledger.joined(article.source, identity)
    if path is not None and ledger.by_path(path) is not None:
        return "unchanged", path
    owner = same_article(ledger, article, apart, link_key, preset.extension)
    if owner is None:
        return None
    current = load(owner.path)
    listed = current.extra.get(SOURCES_KEY)
    status = "updated"
    if isinstance(listed, list) and article.source in listed:
        status = "unchanged"
    else:
        sources = list(dict.fromkeys([owner.source, *ledger.joined_sources(owner.path),
                                      article.source]))
        current = current.with_(extra={**current.extra, SOURCES_KEY: sources})
        write(owner.path, preset.dumps(current))  # its own `updated` stays
    digest = content_hash(current.with_(updated=None))
    ledger.record_join(article.source, identity, replace(owner, content_hash=digest),
                       seen=seen())
    return status, owner.path
