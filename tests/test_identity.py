"""Identity policies: which feed items are one article, under each policy, on their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from archive import POLICIES, Article, identity_of
from archive.identity import LinkClaims

DATE = datetime(2024, 1, 2, 10, 0, tzinfo=timezone(timedelta(hours=8)))


def article(**fields: object) -> Article:
    values: dict[str, object] = {
        "source": "s", "title": "Hello", "body": "<p>x</p>", "date": DATE,
        "guid": "urn:1", "original_url": "http://example.invalid/1",
    }
    values.update(fields)
    return Article(**values)  # type: ignore[arg-type]


def test_the_policies_are_the_documented_four() -> None:
    assert POLICIES == ("auto", "guid", "link", "title+date")


@pytest.mark.parametrize(("policy", "expected"), [
    ("auto", "urn:1"),
    ("guid", "urn:1"),
    ("link", "http://example.invalid/1"),
    ("title+date", "Hello|2024-01-02T10:00:00+08:00"),
])
def test_what_each_policy_keys_an_article_by(policy: str, expected: str) -> None:
    assert identity_of(article(), policy) == expected


def test_auto_is_the_default() -> None:
    assert identity_of(article()) == identity_of(article(), "auto") == "urn:1"


@pytest.mark.parametrize(("policy", "fields", "expected"), [
    ("auto", {"guid": None}, "http://example.invalid/1"),  # no guid: the link
    ("guid", {"guid": ""}, "http://example.invalid/1"),
    ("link", {"original_url": None}, "urn:1"),  # no link: the guid
    ("title+date", {"date": None}, "urn:1"),  # no date: the guid, then the link
    ("title+date", {"date": None, "guid": None}, "http://example.invalid/1"),
])
def test_each_policy_falls_back_when_its_field_is_missing(
        policy: str, fields: dict[str, object], expected: str) -> None:
    assert identity_of(article(**fields), policy) == expected


def _same(policy: str, one: Article, two: Article) -> bool:
    return identity_of(one, policy) == identity_of(two, policy)


def test_guid_policies_keep_an_article_whose_title_body_and_link_changed() -> None:
    edited = article(title="Hello, edited", body="<p>y</p>", original_url="http://example.invalid/moved")
    for policy in ("auto", "guid"):
        assert _same(policy, article(), edited)
    assert not _same("link", article(), edited)
    assert not _same("title+date", article(), edited)


def test_link_policy_keeps_an_article_whose_guid_changes_on_every_build() -> None:
    rebuilt = article(guid="urn:build-2:1")
    assert _same("link", article(), rebuilt)
    assert not _same("auto", article(), rebuilt)  # (Archive.put recognises the link under auto)
    assert not _same("guid", article(), rebuilt)


def test_title_date_policy_tells_same_title_on_other_days_apart() -> None:
    daily = article(guid=None, original_url=None, title="Daily digest")
    tomorrow = daily.with_(date=DATE + timedelta(days=1))
    assert not _same("title+date", daily, tomorrow)
    assert _same("title+date", daily, daily.with_(body="<p>other</p>"))


def test_title_date_policy_keys_the_instant_with_its_offset() -> None:
    """The same instant written with another UTC offset is another key: feeds must be stable."""
    in_utc = article(date=DATE.astimezone(UTC))
    assert identity_of(in_utc, "title+date") == "Hello|2024-01-02T02:00:00+00:00"
    assert not _same("title+date", article(), in_utc)


def test_no_guid_and_no_link_is_an_error_naming_the_article() -> None:
    bare = article(guid=None, original_url=None, title="Lonely")
    for policy in ("auto", "guid", "link"):
        with pytest.raises(ValueError, match="'Lonely' has neither guid nor original_url"):
            identity_of(bare, policy)
    assert identity_of(bare, "title+date") == "Lonely|2024-01-02T10:00:00+08:00"
    with pytest.raises(ValueError, match="neither guid nor original_url"):
        identity_of(bare.with_(date=None), "title+date")


def test_an_unknown_policy_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match=r"unknown identity policy 'url'; choose one of "
                                         r"auto, guid, link, title\+date"):
        identity_of(article(), "url")


@pytest.mark.parametrize("hostile", [
    "../../etc/passwd", "urn:a\x00b", "\u202eevil", "题" * 5000, " ", "a|b", "'; DROP TABLE articles;--",
])
def test_hostile_values_are_kept_verbatim(hostile: str) -> None:
    """An identity is a key, never a path or a query: it is kept exactly as the feed gave it."""
    assert identity_of(article(guid=hostile)) == hostile
    assert identity_of(article(original_url=hostile), "link") == hostile
    assert identity_of(article(title=hostile), "title+date") == f"{hostile}|{DATE.isoformat()}"


def test_link_claims_keep_one_link_to_its_first_identity() -> None:
    claims = LinkClaims()
    claims.claim("s", "http://example.invalid/home", "urn:1")
    claims.claim("s", "http://example.invalid/home", "urn:2")  # first claim stays
    assert not claims.held_by_other("s", "http://example.invalid/home", "urn:1")
    assert claims.held_by_other("s", "http://example.invalid/home", "urn:2")
    assert not claims.held_by_other("other", "http://example.invalid/home", "urn:2")
    assert not claims.held_by_other("s", "http://example.invalid/unclaimed", "urn:2")
    claims.claim("s", None, "urn:3")  # an item without a link claims nothing
    claims.claim("s", "", "urn:3")
    assert not claims.held_by_other("s", "", "urn:4")
