"""Identity policies: what makes two feed items the same article, per source."""

from __future__ import annotations

from typing import Literal

from archive.document import Article

Policy = Literal["auto", "guid", "link", "title+date"]
POLICIES: tuple[str, ...] = ("auto", "guid", "link", "title+date")


def identity_of(article: Article, policy: str = "auto") -> str:
    """The article's key in the ledger under policy.

    - `auto` and `guid`: the guid, else the link (`auto` also recognises a known
      link with a new guid; see `Archive.put`);
    - `link`: the link, else the guid, for feeds whose guids change on every build;
    - `title+date`: title and date, for feeds with neither stable guid nor link.
    """
    if policy == "link":
        ident = article.original_url or article.guid
    elif policy == "title+date":
        ident = f"{article.title}|{article.date.isoformat()}" if article.date else None
        ident = ident or article.guid or article.original_url
    elif policy in ("auto", "guid"):
        ident = article.guid or article.original_url
    else:
        raise ValueError(f"unknown identity policy {policy!r}; choose one of {', '.join(POLICIES)}")
    if not ident:
        raise ValueError(f"article {article.title!r} has neither guid nor original_url")
    return ident


class LinkClaims:
    """Links already matched to an identity in this session.

    Under `auto`, an item whose guid is unknown but whose link is known is the
    same article with a new guid. Feeds that give several items one link (a home
    page) would otherwise fold distinct articles together: once a link has been
    claimed by one identity in a crawl, another identity cannot take it over.
    """

    def __init__(self) -> None:
        self._claims: dict[tuple[str, str], str] = {}

    def claim(self, source: str, link: str | None, identity: str) -> None:
        if link:
            self._claims.setdefault((source, link), identity)

    def held_by_other(self, source: str, link: str, identity: str) -> bool:
        holder = self._claims.get((source, link))
        return holder is not None and holder != identity
