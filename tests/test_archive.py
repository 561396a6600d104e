"""The archive as a library: round trips, paths, idempotence, in-place updates, crash leftovers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import HIDDEN, Archive, ArchiveError, Article, get_preset
from archive.layout import article_path
from archive.presets import normalize_body

HEXO = get_preset("hexo")
WHEN = datetime(2021, 4, 20, tzinfo=UTC)


def _article(n: int = 1, **changes: object) -> Article:
    base = Article(
        source="s",
        title=f"Title {n}",
        body=f"<p>Body {n}</p>",
        date=WHEN,
        categories=("a", "b"),
        author="Author",
        cover="https://img.example/c.jpg",
        original_url=f"https://example.org/{n}",
        guid=f"g{n}",
    )
    return base.with_(**changes)


text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
articles = st.builds(
    Article,
    source=st.from_regex(r"[A-Za-z0-9_-]{1,20}", fullmatch=True),
    title=text,
    body=text.map(normalize_body),
    date=st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5, minutes=-30))]),
    ).map(lambda d: d.replace(microsecond=0)),
    categories=st.lists(text.filter(bool), max_size=4).map(tuple),
    author=st.none() | text.filter(bool),
    cover=st.none() | st.just("https://img.example/x.jpg?a=1&b={2}"),
    original_url=st.just("https://example.org/p"),
    guid=st.none() | text.filter(bool),
    extra=st.dictionaries(st.sampled_from(["comments", "layout", "toc"]),
                          st.booleans() | text, max_size=3),
)


@given(articles)
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_dumps_loads_round_trip(article: Article) -> None:
    assert HEXO.loads(HEXO.dumps(article)) == article


def test_template_tags_are_escaped_in_the_body_only() -> None:
    article = _article(title="{{ title }}", body="<p>{{ x }} {% y %} {# z #}</p>")
    text = HEXO.dumps(article)
    body = text.split("\n---\n", 1)[1]
    assert "{" not in body and "}" not in body
    assert "title: '{{ title }}'" in text
    assert HEXO.loads(text) == article


@pytest.mark.parametrize("title", [
    "../../etc/passwd", "a/b\\c", "\x00\x1f\u202eevil", "...", "---", "产业互联网" * 100, "", "   ",
])
def test_paths_are_safe_and_short(title: str) -> None:
    path = article_path(source="s", date=WHEN, title=title, identity="id", extension=".md",
                        taken=lambda p: False)
    parts = path.split("/")
    assert parts[:2] == ["s", "2021"] and len(parts) == 3
    assert all(len(p.encode()) <= 255 for p in parts)
    assert ".." not in parts[2] and "\\" not in parts[2]
    assert not any(ord(c) < 32 or c == "\u202e" for c in parts[2])
    assert parts[2].startswith("2021-04-20") and parts[2].endswith(".md")


def test_put_is_idempotent_and_updates_in_place(tmp_path: Path) -> None:
    with Archive(tmp_path) as archive:
        first = archive.put(_article())
        assert first.status == "new"
        target = tmp_path / first.path
        stamp = target.stat().st_mtime_ns
        data = target.read_bytes()
        assert archive.put(_article()).status == "unchanged"
        assert (target.read_bytes(), target.stat().st_mtime_ns) == (data, stamp)
        again = archive.put(_article(body="<p>Edited</p>"))
        assert again == type(again)("updated", first.path)
        assert archive.load(first.path).body == "<p>Edited</p>"
        assert len(archive.ledger.revisions("s", "g1")) == 2


def test_same_title_same_day_gets_two_files(tmp_path: Path) -> None:
    with Archive(tmp_path) as archive:
        a = archive.put(_article(1, title="Same"))
        b = archive.put(_article(2, title="Same"))
    assert a.path != b.path
    assert {p.name for p in (tmp_path / "s" / "2021").iterdir()} == {
        Path(a.path).name, Path(b.path).name}


def test_missing_date_is_first_seen_and_stays(tmp_path: Path) -> None:
    clock = iter([datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC)])
    with Archive(tmp_path, clock=lambda: next(clock)) as archive:
        first = archive.put(_article(date=None))
        second = archive.put(_article(date=None))
        assert second.status == "unchanged"
        assert archive.load(first.path).date == datetime(2024, 5, 1, tzinfo=UTC)


def test_file_written_before_a_crash_is_adopted_not_duplicated(tmp_path: Path) -> None:
    with Archive(tmp_path) as archive:
        result = archive.put(_article())
    (tmp_path / HIDDEN / "ledger.sqlite").unlink()  # as if killed before the ledger commit
    for leftover in (tmp_path / HIDDEN).glob("ledger.sqlite-*"):
        leftover.unlink()
    (tmp_path / HIDDEN / "tmp" / "tmpabc.tmp").write_bytes(b"half")
    with Archive(tmp_path) as archive:
        assert not list((tmp_path / HIDDEN / "tmp").iterdir())  # leftovers swept
        again = archive.put(_article())
    assert again.path == result.path
    assert len(list((tmp_path / "s").rglob("*.md"))) == 1


def test_foreign_file_on_the_natural_path_is_left_alone(tmp_path: Path) -> None:
    natural = tmp_path / "s" / "2021" / "2021-04-20-title-1.md"
    natural.parent.mkdir(parents=True)
    natural.write_text("my own notes", encoding="utf-8")
    with Archive(tmp_path) as archive:
        result = archive.put(_article())
    assert result.path != "s/2021/2021-04-20-title-1.md"
    assert natural.read_text(encoding="utf-8") == "my own notes"


def test_invalid_source_and_escaping_paths_are_refused(tmp_path: Path) -> None:
    with Archive(tmp_path) as archive:
        with pytest.raises(ArchiveError, match="invalid source name"):
            archive.put(_article(source="../x"))
        with pytest.raises(ArchiveError, match="outside"):
            archive.load("../../etc/passwd")
