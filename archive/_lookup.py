"""Which ledger row an article is: by its identity, or by its link when only its guid changed."""

from __future__ import annotations

from archive.document import Article
from archive.identity import LinkClaims
from archive.ledger import Ledger, LedgerRow


def known_entry(ledger: Ledger, claims: LinkClaims, article: Article, identity: str,
                policy: str) -> LedgerRow | None:
    """The ledger row of this article: the one of its identity, else (policy "auto") the one
    row of its source with its link, when no other item of this crawl claimed that link (the
    item is that article under a new guid)."""
    entry = ledger.get(article.source, identity)
    if entry is not None or policy != "auto":
        return entry
    link = article.original_url
    if not link or claims.held_by_other(article.source, link, identity):
        return None
    rows = ledger.by_link(article.source, link)
    return rows[0] if len(rows) == 1 else None
