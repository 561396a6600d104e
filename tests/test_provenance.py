"""Provenance in diffs: the source digest, what a snapshot records, and diff's labels."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from archive import Archive, Article
from archive.diff.provenance import BOTH, LABELS, RULES, SOURCE, UNKNOWN, label
from archive.ledger import Ledger, LedgerRow, Provenance
from archive.snapshots import Snapshots
from archive.snapshots.made_with import MadeWith, Manifest
from crawler.config.recorded import recorded_text
from crawler.items import ArticleItem
from crawler.provenance import entry_digest, with_page
from tests.conftest import REPO, LocalSite, archive_files, feedvault, rss_feed, write_config


def _item(**changes: object) -> ArticleItem:
    item = ArticleItem(source="blog", feed_url="https://example.invalid/feed.xml",
                       title="Hello", content="<p>Hello <b>world</b></p>",
                       link="https://example.invalid/posts/1", guid="urn:1", author="Ann",
                       date=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
                       media_images=["https://example.invalid/a.jpg"],
                       feed_categories=["news"])
    for key, value in changes.items():
        setattr(item, key, value)
    return item


def test_the_entry_digest_follows_what_the_source_said_and_nothing_else() -> None:
    digest = entry_digest(_item())
    assert len(digest) == 64 and digest == entry_digest(_item())
    # what the feed says for the entry: each field counts
    for change in ({"content": "<p>Hello <b>world</b>!</p>"}, {"title": "Hello!"},
                   {"link": "https://example.invalid/posts/2"}, {"guid": "urn:2"},
                   {"author": "Bob"}, {"date": datetime(2024, 1, 3, tzinfo=UTC)},
                   {"updated": datetime(2024, 1, 3, tzinfo=UTC)},
                   {"feed_categories": ["sport"]}, {"media_images": []}):
        assert entry_digest(_item(**change)) != digest, change
    # what feedvault's rules and pipelines make of it later does not count
    later = _item(cover="https://example.invalid/c.jpg", language="en",
                  images={"https://example.invalid/a.jpg": "/images/a.jpg"},
                  image_urls=["https://example.invalid/a.jpg"], feed_title="Another title")
    assert entry_digest(later) == digest


def test_pages_fold_into_the_digest_by_their_bytes_in_order() -> None:
    start = entry_digest(_item())
    one = with_page(start, b"<html>page one</html>")
    assert one != start and one == with_page(start, b"<html>page one</html>")
    assert with_page(start, b"<html>page one!</html>") != one
    both = with_page(one, b"<html>page two</html>")
    assert both != with_page(with_page(start, b"<html>page two</html>"), b"<html>page one</html>")
    assert with_page(None, b"x") != with_page(start, b"x")


def test_the_digest_is_the_same_in_another_process() -> None:
    """Stable across runs: no hash seed, dict order or clock goes into it."""
    code = ("from tests.test_provenance import _item, _PAGE_WITH_ALL; "
            "from crawler.provenance import *; "
            "print(with_page(entry_digest(_item()), _PAGE_WITH_ALL))")
    env = {**os.environ, "PYTHONPATH": str(REPO), "PYTHONHASHSEED": "12345", "TZ": "Asia/Tokyo"}
    other = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                           text=True, check=True, cwd=REPO).stdout.strip()
    assert other == with_page(entry_digest(_item()), _PAGE_WITH_ALL)


# attributes in any order, <meta>, JSON-LD, noise, <pre>, UTF-8: all of the page digest's paths
_PAGE_WITH_ALL = ('<html lang=en><head><title>T</title><meta property="og:title" content="T">'
                  '<meta name=csrf-token content=x><script type="application/ld+json">{"a": 1}'
                  '</script></head><body><p class=a id=b data-x=c title=d>Café <b>bold</b></p>'
                  '<pre>  kept  </pre><!-- c --><img src="/i.jpg?token=1&w=2" alt=e></body>'
                  '</html>').encode()


def _page(title: str, story: str, aside: str) -> str:
    return (f"<html><head><title>{title}</title></head><body><nav>Home | About</nav>"
            f"<article><h1>{title}</h1><div class=story><p>{story}</p></div>"
            f"<div class=aside><p>{aside}</p></div></article></body></html>")


def _sources(site: LocalSite, two_selector: str) -> list[dict[str, object]]:
    return [{"name": name, "url": site.url(f"{name}.xml"), "full_text": True,
             "content_selector": selector}
            for name, selector in (("one", "article"), ("two", two_selector))]


def _crawl_and_snapshot(config: Path, message: str) -> str:
    crawl = feedvault("crawl", "--force", "--config", config)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    snap = feedvault("snapshot", "-m", message, "--config", config)
    assert snap.returncode == 0 and "snapshot " in snap.stdout, snap.stdout + snap.stderr
    return snap.stdout.split()[1].rstrip(":")


def _diff(config: Path, a: str, b: str) -> tuple[str, dict[str, object]]:
    text = feedvault("diff", a, b, "--config", config)
    assert text.returncode == 1, text.stdout + text.stderr
    as_json = feedvault("diff", a, b, "--format", "json", "--config", config)
    return text.stdout, json.loads(as_json.stdout)


def _labels(report: dict[str, object]) -> dict[str, str | None]:
    return {a["source"]: a["provenance"] for a in report["articles"]}  # type: ignore[index, union-attr]


def test_diff_tells_an_edit_at_the_source_from_a_change_of_our_rules(
        site: LocalSite, tmp_path: Path) -> None:
    """A real crawl from a local server: one page edited by its publisher, another source's
    content_selector changed in feedvault.toml; diff labels each."""
    for name in ("one", "two"):
        site.write(f"{name}.html", _page(f"Story {name}", f"The story of {name}.",
                                         f"An aside about {name}."))
        site.write(f"{name}.xml", rss_feed([{"title": f"Story {name}", "guid": f"urn:{name}",
                                             "link": site.url(f"{name}.html"),
                                             "description": "<p>A teaser…</p>"}]))
    config = write_config(tmp_path, _sources(site, "article"), follow_pages=True)
    first = _crawl_and_snapshot(config, "first")

    # (a) the publisher edits page one
    site.write("one.html", _page("Story one", "The story of one, corrected.", "An aside about one."))
    edited = _crawl_and_snapshot(config, "source edited")
    text, report = _diff(config, first, edited)
    assert _labels(report) == {"one": "edited at the source"}
    assert "(edited at the source)" in text and "1 edited at the source, 0 rules changed" in text
    assert report["provenance"] == {
        "edited at the source": 1, "rules changed": 0,
        "edited at the source and rules changed": 0, "unknown": 0}

    # (b) only our rule for source two changes: the server is as it was
    config = write_config(tmp_path, _sources(site, "div.story"), follow_pages=True)
    ruled = _crawl_and_snapshot(config, "rules changed")
    text, report = _diff(config, edited, ruled)
    assert _labels(report) == {"two": "rules changed"}
    assert "(rules changed)" in text and "0 edited at the source, 1 rules changed" in text
    assert report["new"]["snapshot"]["config_digest"] != report["old"]["snapshot"]["config_digest"]  # type: ignore[index]

    # both in one diff, in every format
    text, report = _diff(config, first, ruled)
    assert _labels(report) == {"one": "edited at the source", "two": "rules changed"}
    assert "2 articles differ" in text and "1 edited at the source, 1 rules changed" in text
    html = feedvault("diff", first, ruled, "--format", "html", "--config", config).stdout
    assert "edited at the source</span>" in html and "rules changed</span>" in html
    assert "(unknown)" not in text and "note:" not in text and not report["notes"]

    # the archive now against a snapshot: the same labels (nothing changed since `ruled`,
    # so compare with the first)
    text, report = _diff(config, first, "now")
    assert _labels(report) == {"one": "edited at the source", "two": "rules changed"}


def test_snapshots_without_provenance_are_labelled_unknown_with_one_note(tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "blog", "url": "file://feed.xml"}])
    root = tmp_path / "posts"
    articles = [Article(source="blog", title=f"Post {n}", body=f"<p>Post {n}.</p>",
                        guid=f"urn:{n}", date=datetime(2024, 1, 1, tzinfo=UTC)) for n in range(3)]
    with Archive(root) as archive:
        for article in articles:
            archive.put(article)
    old = Snapshots(root).take("made before provenance")  # what older feedvaults recorded
    assert old is not None and old.provenance is None
    with Archive(root) as archive:
        for article in articles:
            archive.put(article.with_(body=article.body + "<p>More.</p>"))
    result = feedvault("diff", old.short, "now", "--config", config)
    assert result.returncode == 1, result.stderr
    assert result.stdout.count("(unknown)") == 3
    assert result.stdout.count("records no provenance") == 1  # said once, not per article
    assert "3 unknown" in result.stdout.splitlines()[-1]
    show = feedvault("snapshot", "show", old.short, "--config", config)
    assert "made with: not recorded" in show.stdout


def _all_objects(store: Path) -> bytes:
    return subprocess.run(["git", "--git-dir", str(store), "cat-file", "--batch-all-objects",
                           "--batch"], capture_output=True, check=True).stdout


def test_a_snapshot_records_the_configuration_and_version_but_no_secret(tmp_path: Path) -> None:
    secrets = ["hdr-s3cret", "cookie-s3cret", "proxy-s3cret", "rsshub-s3cret", "env-s3cret",
               "tgram-s3cret", "zyte-s3cret", "url-s3cret"]
    extra = f"""
[crawl]
user_agent = "archiver ${{UA_PART}}"
headers = {{ Authorization = "Bearer {secrets[0]}" }}
cookies = {{ session = "{secrets[1]}" }}
proxy = "http://user:{secrets[2]}@proxy.invalid:8080"

[rsshub]
instances = ["https://rsshub.invalid"]
access_key = "{secrets[3]}"

[notify]
urls = ["json://127.0.0.1/{secrets[5]}"]

[scrapy]
ZYTE_API_KEY = "{secrets[6]}"
"""
    config = write_config(tmp_path, [{"name": "blog", "url": f"https://x.invalid/f?key={secrets[7]}",
                                      "content_selector": "article"}], extra=extra)
    with Archive(tmp_path / "posts") as archive:
        archive.put(Article(source="blog", title="Post", body="<p>Post.</p>", guid="urn:1"))
    result = feedvault("snapshot", "--config", config, env={"UA_PART": secrets[4]})
    assert result.returncode == 0, result.stdout + result.stderr
    snaps = Snapshots(tmp_path / "posts")
    snap = snaps.get("latest")
    manifest = snaps.manifest(snap)
    assert manifest is not None
    from crawler import __version__
    assert snap.version == manifest.made_with.version == __version__
    text = manifest.made_with.config_text
    assert 'content_selector = "article"' in text and "${UA_PART}" in text
    assert "proxy.invalid" in text and "Authorization" in text  # names stay, values go
    everything = _all_objects(tmp_path / "posts" / ".feedvault" / "snapshots.git")
    for secret in secrets:
        assert secret not in text
        assert secret.encode() not in everything, secret
    show = feedvault("snapshot", "show", "latest", "--config", config, env={"UA_PART": "x"})
    assert f"made with: feedvault {__version__}, configuration {snap.config_digest}" in show.stdout


def test_the_recorded_configuration_ignores_comments_and_keeps_rules() -> None:
    a = recorded_text('[archive]\npath = "p"  # where\n[[sources]]\nname = "a"\nurl = "https://x.invalid/"\n')
    b = recorded_text('# my archive\n[archive]\npath = "p"\n[[sources]]\nname = "a"\nurl = "https://x.invalid/"\n')
    assert a == b
    c = recorded_text('[archive]\npath = "p"\n[[sources]]\nname = "a"\nurl = "https://x.invalid/"\n'
                      'author = "Keep me"\nkeep = ["aside"]\n')
    assert 'author = "Keep me"' in c and '"aside"' in c


def test_snapshot_prune_drops_provenance_records_too(tmp_path: Path) -> None:
    root = tmp_path / "posts"
    from archive.snapshots import MadeWith
    made = MadeWith("0.0.0", "d" * 64, "[archive]\n")
    snaps = Snapshots(root if root.exists() else _made(root))
    for n in range(3):
        with Archive(root) as archive:
            archive.put(Article(source="blog", title=f"Post {n}", body=f"<p>{n}</p>", guid=f"urn:{n}"))
        assert snaps.take(f"s{n}", made) is not None
    refs = snaps.git.run("for-each-ref", "--format=%(refname)", "refs/provenance/").split()
    assert len(refs) == 3
    snaps.prune(1)
    assert snaps.git.run("for-each-ref", "--format=%(refname)", "refs/provenance/").split() == [
        refs[-1]]
    assert snaps.check() == []
    assert snaps.manifest(snaps.get("latest")) is not None


def _made(root: Path) -> Path:
    root.mkdir(parents=True)
    return root


def test_a_source_whose_articles_did_not_change_shares_its_record(tmp_path: Path) -> None:
    """Per-article records grow with what changed, not with the archive's size."""
    from archive.snapshots import MadeWith
    root = _made(tmp_path / "posts")
    snaps = Snapshots(root)
    made = MadeWith("0.0.0", "d" * 64, "[archive]\n")
    listings = []
    for n in range(2):
        with Archive(root) as archive:
            archive.put(Article(source="quiet", title="Still", body="<p>Still.</p>", guid="urn:q"))
            archive.put(Article(source="busy", title=f"Post {n}", body=f"<p>{n}</p>",
                                guid=f"urn:{n}"))
        snap = snaps.take(f"s{n}", made)
        assert snap is not None and snap.provenance is not None
        listings.append(snaps.git.listing(snap.provenance))
    first, second = listings
    assert first["articles/quiet.json"] == second["articles/quiet.json"]
    assert first["articles/busy.json"] != second["articles/busy.json"]
    assert set(second) == {"feedvault.json", "feedvault.toml", "articles/quiet.json",
                           "articles/busy.json"}


def test_a_lost_provenance_record_is_a_note_not_an_error(tmp_path: Path) -> None:
    config = write_config(tmp_path, [{"name": "blog", "url": "file://feed.xml"}])
    root = tmp_path / "posts"
    with Archive(root) as archive:
        archive.put(Article(source="blog", title="Post", body="<p>Post.</p>", guid="urn:1"))
    assert feedvault("snapshot", "--config", config).returncode == 0
    snaps = Snapshots(root)
    snap = snaps.get("latest")
    snaps.git.run("update-ref", "-d", "refs/provenance/00000001")
    snaps.git.run("gc", "--quiet", "--prune=now")
    with Archive(root) as archive:
        archive.put(Article(source="blog", title="Post", body="<p>Post, edited.</p>", guid="urn:1"))
    result = feedvault("diff", snap.short, "now", "--config", config)
    assert result.returncode == 1, result.stderr
    assert "(unknown)" in result.stdout and "unreadable provenance record" in result.stdout
    assert "Traceback" not in result.stderr


def _manifest(config: str, digest: str) -> Manifest:
    return Manifest(MadeWith("1.0", config), {("s", "urn:1"): digest})


def test_an_edit_at_the_source_under_new_rules_is_labelled_as_both() -> None:
    """Both the source's digest and the configuration differ: 'edited at the source' alone
    would hide that the rules changed too."""
    key = ("s", "urn:1")
    assert label(_manifest("c1", "d1"), _manifest("c2", "d2"), key) == BOTH
    assert BOTH == "edited at the source and rules changed" and BOTH in LABELS
    assert label(_manifest("c1", "d1"), _manifest("c1", "d2"), key) == SOURCE
    assert label(_manifest("c1", "d1"), _manifest("c2", "d1"), key) == RULES
    assert label(_manifest("c1", "d1"), _manifest("c1", "d1"), key) == UNKNOWN


def test_a_rule_change_for_another_source_leaves_an_edit_at_the_source_as_it_is() -> None:
    def made(selector_s: str, selector_t: str, delay: int = 1) -> MadeWith:
        text = (f'[crawl]\ndelay = {delay}\n[[sources]]\nname = "s"\n'
                f'content_selector = "{selector_s}"\n[[sources]]\nname = "t"\n'
                f'content_selector = "{selector_t}"\n')
        return MadeWith("1.0", f"{selector_s} {selector_t} {delay}", text)

    def both(old: MadeWith, new: MadeWith) -> str:
        return label(Manifest(old, {("s", "urn:1"): "d1"}), Manifest(new, {("s", "urn:1"): "d2"}),
                     ("s", "urn:1"))

    assert both(made("article", "main"), made("article", "div.story")) == SOURCE
    assert both(made("article", "main"), made("div.story", "main")) == BOTH
    assert both(made("article", "main"), made("article", "main", delay=2)) == BOTH
    # the same source digest: any change of the configuration may explain it
    same = Manifest(made("article", "div.story"), {("s", "urn:1"): "d1"})
    assert label(Manifest(made("article", "main"), {("s", "urn:1"): "d1"}), same,
                 ("s", "urn:1")) == RULES


_STORY = ("<html lang=en><head><title>Story</title>{head}</head><body>{top}<article>"
          "<h1>Story</h1><div class=story><p>The story, told in full.</p>{inside}</div>"
          "</article>{bottom}</body></html>")


def _story(head: str = "", top: str = "", inside: str = "", bottom: str = "") -> bytes:
    return _STORY.format(head=head, top=top, inside=inside, bottom=bottom).encode()


def test_the_page_digest_ignores_what_changes_on_every_fetch() -> None:
    """Real pages differ on every fetch without their article changing: a 'generated at'
    comment, a CSRF token, a script nonce, analytics code. None of it moves the digest."""
    start = entry_digest(_item())
    plain = with_page(start, _story())
    for n in ("1", "2"):
        noisy = _story(
            head=(f'<meta name="csrf-token" content="tok{n}"><meta name=generated content={n}>'
                  f'<script nonce="n{n}">var t = {n};</script><style>.x{{width:{n}px}}</style>'
                  f'<link rel=preload nonce="n{n}" href="/app.js">'),
            top=f"<!-- generated in 0.{n}s --><noscript><img src='/px?r={n}'></noscript>",
            inside=f"<script>track('{n}')</script>",
            bottom=(f"<form action='/c?_wpnonce=w{n}'><input type=hidden name=csrf value={n}>"
                    f"<input name=q data-csrf='c{n}'></form><template>{n}</template>"
                    f"<p><a href='/cdn-cgi/l/email-protection#{n}ab'>"
                    f"<span data-cfemail='{n}ab'>[email&#160;protected]</span></a></p>"))
        assert with_page(start, noisy) == with_page(start, _story(
            head=('<meta name="csrf-token" content="other"><script>var t = 0;</script>'),
            top="<!-- another comment -->",
            bottom=("<form action='/c?_wpnonce=zz'><input type=hidden name=csrf value=x>"
                    "<input name=q data-csrf='x'></form>"
                    "<p><a href='/cdn-cgi/l/email-protection#ffee'>"
                    "<span data-cfemail='ffee'>[email&#160;protected]</span></a></p>"))), n
    assert with_page(start, _story(top="<!-- a comment -->\n")) == plain
    # a long page (hundreds of paragraphs side by side) is read as a page, not as bytes
    long = "<p>A paragraph.</p>" * 400
    assert with_page(start, _story(inside=long + "<!-- 1 -->")) == with_page(
        start, _story(inside=long + "<!-- 2 -->"))


def test_the_page_digest_follows_the_article_and_its_markup() -> None:
    """What the page shows, its markup, and what it says about the article (title, author,
    dates, cover in <meta> or JSON-LD) all count."""
    start = entry_digest(_item())
    plain = with_page(start, _story())
    changed = [
        _STORY.replace("told in full", "told in full, corrected"),  # the text
        _STORY.replace("<p>The story", "<p>The <em>story</em>"),  # the markup
        _STORY.replace("<title>Story", "<title>Story, updated"),  # the title
        _STORY.replace("lang=en", "lang=fr"),
        _STORY.replace("class=story", "class=tale"),
    ]
    for page in changed:
        assert with_page(start, page.format(head="", top="", inside="", bottom="").encode()
                         ) != plain, page
    for head in ('<meta name="author" content="Bob">',
                 '<meta property="og:image" content="https://x.invalid/cover.jpg">',
                 '<meta property="article:published_time" content="2024-01-02">',
                 '<script type="application/ld+json">{"headline": "Story"}</script>'):
        assert with_page(start, _story(head=head)) != plain, head
    assert with_page(start, _story(bottom="<aside><p>Related</p></aside>")) != plain
    assert with_page(start, _story(inside="<pre>a  b</pre>")) != with_page(
        start, _story(inside="<pre>a b</pre>"))


def test_a_page_that_is_not_html_still_has_a_digest() -> None:
    start = entry_digest(_item())
    for body in (b"", b"   ", b"\x00\xff\xfe binary", b"<" * 10, b"<div>" * 5000 + b"x"):
        digest = with_page(start, body)
        assert len(digest) == 64 and digest == with_page(start, body)
    assert with_page(start, b"<div>" * 5000 + b"x") != with_page(start, b"<div>" * 5000 + b"y")


def test_an_unchanged_article_whose_digest_moved_adds_no_provenance_row(tmp_path: Path) -> None:
    """Only captures where there were none (so a rebuild from captures finds them) are worth
    one more row for an unchanged article; a moved digest alone is not."""
    ledger = Ledger(tmp_path / "ledger.sqlite")
    entry = LedgerRow(source="s", identity="urn:a", path="s/a.md", link=None,
                      content_hash="h1", date="2024-01-01T00:00:00+00:00",
                      first_seen="2024-01-01T00:00:00+00:00",
                      updated="2024-01-01T00:00:00+00:00")
    ledger.record(entry, "2024-01-01T00:00:00+00:00", provenance=Provenance("d1", ()))
    ledger.note_provenance(entry, Provenance("d2", ()), "2024-01-02T00:00:00+00:00")
    assert ledger.provenance("s", "urn:a") == ("h1", Provenance("d1", ()))
    captured = Provenance("d3", ("captures-00001.warc.gz#0",))
    ledger.note_provenance(entry, captured, "2024-01-03T00:00:00+00:00")
    assert ledger.provenance("s", "urn:a") == ("h1", captured)
    ledger.note_provenance(entry, Provenance("d4", ("captures-00001.warc.gz#900",)),
                           "2024-01-04T00:00:00+00:00")
    assert ledger.provenance("s", "urn:a") == ("h1", captured)
    (rows,) = ledger._db.execute("SELECT count(*) FROM provenance").fetchone()
    ledger.close()
    assert rows == 2


_COMMENTED = ("<html><head><title>P</title></head><body><div class=main><div class=story>"
              "<p>Story words, long enough to be the body of an article and more than a "
              "teaser.</p><!-- generated {n} --></div></div></body></html>")


def test_crawls_of_an_unchanged_article_whose_page_differs_by_a_comment_add_no_rows(
        site: LocalSite, tmp_path: Path) -> None:
    """Capture off: three crawls of a page whose bytes change on every fetch (a 'generated'
    comment, as on most real pages) while its article does not leave one provenance row."""
    url = site.write("feed.xml", rss_feed([{
        "title": "A1", "link": site.url("p1.html"), "guid": "urn:1",
        "description": "<p>A teaser…</p>", "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"}]))
    config = write_config(tmp_path, [{"name": "t", "url": url, "full_text": True}])
    for n in range(3):
        site.write("p1.html", _COMMENTED.format(n=n))
        crawl = feedvault("crawl", "--force", "--config", config, cwd=tmp_path)
        assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    assert len(archive_files(tmp_path / "posts")) == 1
    with sqlite3.connect(tmp_path / "posts" / ".feedvault" / "ledger.sqlite") as db:
        (rows,) = db.execute("SELECT count(*) FROM provenance").fetchone()
    assert rows == 1  # one article, one revision


def _commented_story(n: int, story: str = "The story") -> str:
    return (f"<html><head><title>S</title></head><body><!-- generated {n} --><article>"
            f"<div class=story><p>{story}, long enough to be an article and not a teaser."
            "</p></div><div class=aside><p>An aside.</p></div></article></body></html>")


def test_a_rule_change_on_a_page_with_a_changing_comment_is_labelled_rules_changed(
        site: LocalSite, tmp_path: Path) -> None:
    """'A rule changed locally' on a page like most real ones, whose bytes differ on every
    fetch (here a 'generated' comment) while its story does not; and an edit of the story
    under new rules is labelled as both, in every format."""
    site.write("one.html", _commented_story(1))
    site.write("one.xml", rss_feed([{"title": "S", "guid": "urn:one",
                                     "link": site.url("one.html"),
                                     "description": "<p>A teaser…</p>"}]))
    source = {"name": "one", "url": site.url("one.xml"), "full_text": True,
              "content_selector": "article"}
    config = write_config(tmp_path, [source], follow_pages=True)
    first = _crawl_and_snapshot(config, "first")
    site.write("one.html", _commented_story(2))  # the next fetch: same story, new comment
    config = write_config(tmp_path, [{**source, "content_selector": "div.story"}],
                          follow_pages=True)
    ruled = _crawl_and_snapshot(config, "rules changed")
    _, report = _diff(config, first, ruled)
    assert _labels(report) == {"one": "rules changed"}

    site.write("one.html", _commented_story(3, "The story, corrected"))
    config = write_config(tmp_path, [{**source, "content_selector": "div.story p"}],
                          follow_pages=True)
    both = _crawl_and_snapshot(config, "edited under new rules")
    text, report = _diff(config, ruled, both)
    assert _labels(report) == {"one": BOTH}
    assert report["provenance"] == {SOURCE: 0, RULES: 0, BOTH: 1, UNKNOWN: 0}
    assert f"({BOTH})" in text and f"1 {BOTH}" in text.splitlines()[-1]
    html = feedvault("diff", ruled, both, "--format", "html", "--config", config).stdout
    assert f"<span class=why>{BOTH}</span>" in html and f"1 {BOTH}" in html
