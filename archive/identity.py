"""Identity policies: what makes two feed items the same article, per source."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Protocol

Policy = Literal["auto", "guid", "link", "title+date"]
POLICIES: tuple[str, ...] = ("auto", "guid", "link", "title+date")


class Identified(Protocol):
    """What the identity rule reads of an article (archive.document.Article has it all)."""

    @property
    def guid(self) -> str | None: ...
    @property
    def original_url(self) -> str | None: ...
    @property
    def title(self) -> str: ...
    @property
    def date(self) -> datetime | None: ...


def identity_of(article: Identified, policy: str = "auto") -> str:
    """The article's key in the ledger under policy (see identity_key)."""
    ident = identity_key(policy, guid=article.guid, link=article.original_url,
                         title=article.title, date=article.date)
    if not ident:
        raise ValueError(f"article {article.title!r} has neither guid nor original_url")
    return ident


def identity_key(policy: str, *, guid: str | None, link: str | None, title: str,
                 date: datetime | None) -> str | None:
    """The identity rule on plain values; None when they give no identity at all.

    link is the link as the archive stores it (absolute, host in lower case, see
    `archive.urls.canonical_link`, then `safe_url`), so two spellings of one link are
    one article.

    - `auto` and `guid`: the guid, else the link (`auto` also recognises a known
      link with a new guid; see `Archive.put`);
    - `link`: the link, else the guid, for feeds whose guids change on every build;
    - `title+date`: title and date, for feeds with neither stable guid nor link.
    """
    if policy == "link":
        return link or guid
    if policy == "title+date":
        return (f"{title}|{date.isoformat()}" if date else None) or guid or link
    if policy in ("auto", "guid"):
        return guid or link
    raise ValueError(f"unknown identity policy {policy!r}; choose one of {', '.join(POLICIES)}")


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
