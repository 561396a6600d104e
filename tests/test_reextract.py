"""`feedvault reextract`: articles rebuilt from their captures with new rules, no request made."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from scrapy import Request

from archive.captures import CaptureStore
from crawler.replay.middleware import REPLAY_META, REPLAYED_META, ReplayMiddleware
from crawler.replay.refuse import NotCaptured
from tests.conftest import LocalSite, archive_files, feedvault, rss_feed, rss_item, write_config

CAPTURE = 'capture = "warc"'
PAGE = """<html><head><title>P{n}</title></head><body><nav>Site menu</nav>
<div class="main"><div class="story"><p>Story {n}: the words the reporter wrote, long enough
to be the body of an article and more than a teaser.</p><p class="promo">Subscribe now!</p>
</div><p>Editor's note {n}, outside the story block.</p></div></body></html>"""


def _teasers(site: LocalSite, numbers: tuple[int, ...], *, path: str = "feed.xml") -> str:
    items = []
    for n in numbers:
        site.write(f"p{n}.html", PAGE.format(n=n))
        items.append({"title": f"A{n}", "link": site.url(f"p{n}.html"), "guid": f"urn:{n}",
                      "description": "<p>A teaser…</p>",
                      "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"})
    return site.write(path, rss_feed(items))


def _config(folder: Path, sources: list[dict[str, object]], *, capture: bool = True) -> Path:
    return write_config(folder, sources, extra=CAPTURE if capture else "")


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in archive_files(root)}


def _ledger_rows(root: Path) -> tuple[int, int, int]:
    with sqlite3.connect(root / ".feedvault" / "ledger.sqlite") as db:
        return tuple(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # type: ignore
                     for table in ("articles", "revisions", "provenance"))


def _state(root: Path) -> dict[str, bytes]:
    """What .feedvault/ holds besides the ledger, the lock and temporary files: HTTP
    validators and paces, host health, drift and run history, captures."""
    hidden = root / ".feedvault"
    return {str(p.relative_to(hidden)): p.read_bytes() for p in hidden.rglob("*")
            if p.is_file() and not p.name.startswith("ledger.sqlite")
            and "tmp" not in p.relative_to(hidden).parts and "lock" not in p.name}


def _captures(root: Path) -> dict[str, list[str]]:
    """Each article's newest capture references, by identity."""
    with sqlite3.connect(root / ".feedvault" / "ledger.sqlite") as db:
        rows = db.execute("SELECT identity, captures FROM provenance ORDER BY rowid").fetchall()
    return {identity: json.loads(captures) for identity, captures in rows}


def _record_type(root: Path, ref: str) -> str:
    """The WARC-Type of the record a capture reference names."""
    from warcio.archiveiterator import ArchiveIterator

    name, offset = ref.split("#")
    with (root / ".feedvault" / "captures" / name).open("rb") as stream:
        stream.seek(int(offset))
        return next(iter(ArchiveIterator(stream))).rec_type


def _row(stdout: str, source: str) -> list[str]:
    """A source's numbers in the summary table."""
    return next(line.split()[1:] for line in stdout.splitlines()
                if line.split()[:1] == [source])


def _stop(site: LocalSite) -> None:
    site.server.shutdown()
    site.server.server_close()


def test_new_rules_rebuild_the_articles_in_place_without_a_request(site: LocalSite,
                                                                    tmp_path: Path) -> None:
    url = _teasers(site, (1, 2))
    other = _teasers(site, (3,), path="other.xml")
    old_rules = {"full_text": True, "content_selector": "div.story"}
    config = _config(tmp_path, [{"name": "t", "url": url, **old_rules},
                                {"name": "u", "url": other, **old_rules}])
    crawl = feedvault("crawl", "--config", config, cwd=tmp_path)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    root = tmp_path / "posts"
    before = _files(root)
    assert all(b"Subscribe now!" in body and b"Editor's note" not in body
               for body in before.values())
    # the source's rules change: a wider content block, and a furniture rule for the promo
    config.write_text(config.read_text(encoding="utf-8").replace(  # t is the first source
        'content_selector = "div.story"', 'content_selector = "div.main"\nremove = [".promo"]',
        1), encoding="utf-8")
    served = len(site.requests)

    dry = feedvault("reextract", "--dry-run", "--config", config, cwd=tmp_path)

    assert dry.returncode == 0, dry.stdout + dry.stderr
    assert len(site.requests) == served  # the server, still up, saw no request
    assert _files(root) == before  # byte for byte
    for name in before:
        if name.startswith("t/"):
            assert f"--- a/{name}" in dry.stdout and f"+++ b/{name}" in dry.stdout
    added = [line for line in dry.stdout.splitlines() if line.startswith("+")]
    removed = [line for line in dry.stdout.splitlines() if line.startswith("-")]
    assert any("Editor's note 1" in line for line in added)
    assert any("Subscribe now!" in line for line in removed)
    assert not any("Subscribe now!" in line for line in added)
    assert not any(line.startswith("+++ b/u/") for line in added)  # u's rules did not change

    _stop(site)
    ledger_before, state, captures = _ledger_rows(root), _state(root), _captures(root)
    assert all(len(refs) == 2 for refs in captures.values())  # the feed, then the page
    assert "http.sqlite" in state, sorted(state)
    result = feedvault("reextract", "--config", config, cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    after = _files(root)
    assert sorted(after) == sorted(before)  # same paths
    for name, body in after.items():
        if name.startswith("t/"):
            assert b"Editor's note" in body and b"Subscribe now!" not in body
        else:
            assert body == before[name]  # rules unchanged: the file is untouched
    # rebuilt, changed, unchanged, without captures, failed
    assert _row(result.stdout, "t") == ["2", "2", "0", "0", "0"]
    assert _row(result.stdout, "u") == ["1", "0", "1", "0", "0"]
    assert _ledger_rows(root)[0] == ledger_before[0]  # no new article
    # validators, paces, host health, drift, run history: neither used nor updated
    assert _state(root) == state
    assert _captures(root) == captures  # the new revisions name the captures they came from
    # a second run finds nothing to change
    again = feedvault("reextract", "--config", config, cwd=tmp_path)
    assert _files(root) == after
    assert _row(again.stdout, "t") == ["2", "0", "2", "0", "0"]


def test_dry_run_writes_nothing(site: LocalSite, tmp_path: Path) -> None:
    url = _teasers(site, (1,))
    config = _config(tmp_path, [{"name": "t", "url": url, "full_text": True,
                                 "content_selector": "div.story"}])
    assert feedvault("crawl", "--config", config, cwd=tmp_path).returncode == 0
    _stop(site)
    root = tmp_path / "posts"
    before, rows = _files(root), _ledger_rows(root)
    config.write_text(config.read_text(encoding="utf-8").replace(
        'content_selector = "div.story"', 'content_selector = "div.main"'), encoding="utf-8")

    result = feedvault("reextract", "--dry-run", "--config", config, cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert any(line.startswith("+") and "Editor's note 1" in line
               for line in result.stdout.splitlines())
    assert _files(root) == before and _ledger_rows(root) == rows
    assert "dry run: nothing written" in result.stdout
    assert not any((root / ".feedvault" / "tmp").iterdir())  # its ledger copy is gone


def test_articles_archived_before_capture_was_on_are_counted_and_named(
        site: LocalSite, tmp_path: Path) -> None:
    url = site.write("feed.xml", rss_feed([{"title": "Old", "guid": "urn:old",
                                            "link": "http://example.invalid/old",
                                            "description": "<p>Before captures.</p>"}]))
    config = _config(tmp_path, [{"name": "t", "url": url}], capture=False)
    assert feedvault("crawl", "--config", config, cwd=tmp_path).returncode == 0
    site.write("feed.xml", rss_feed([{"title": "New", "guid": "urn:new",
                                      "link": "http://example.invalid/new",
                                      "description": "<p>With captures.</p>"}]))
    config = _config(tmp_path, [{"name": "t", "url": url}])
    assert feedvault("crawl", "--config", config, cwd=tmp_path).returncode == 0
    _stop(site)

    result = feedvault("reextract", "--config", config, cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert _row(result.stdout, "t") == ["1", "0", "1", "1", "0"]
    line = next(line for line in result.stdout.splitlines() if "no captures" in line)
    assert "1 article has no captures" in line and "old" in line
    assert "Traceback" not in result.stderr


def test_an_older_feed_capture_never_takes_an_article_back(site: LocalSite,
                                                           tmp_path: Path) -> None:
    def feed(zulu_text: str, with_alpha: bool) -> None:
        items = [{"title": "Zulu", "guid": "urn:z", "link": "http://example.invalid/z",
                  "description": f"<p>{zulu_text}</p>"}]
        if with_alpha:
            items.append({"title": "Alpha", "guid": "urn:a", "link": "http://example.invalid/a",
                          "description": "<p>Alpha stays.</p>"})
        site.write("feed.xml", rss_feed(items))

    feed("Zulu as first published.", with_alpha=True)
    url = site.url("feed.xml")
    config = _config(tmp_path, [{"name": "t", "url": url}])
    assert feedvault("crawl", "--config", config, cwd=tmp_path).returncode == 0
    # Alpha left the feed: its newest revision is from the first capture, which also holds
    # Zulu's first version (and Alpha's file comes first, so that capture is read first)
    feed("Zulu as corrected later.", with_alpha=False)
    assert feedvault("crawl", "--config", config, cwd=tmp_path).returncode == 0
    _stop(site)
    root = tmp_path / "posts"
    before = _files(root)
    assert sorted(before)[0].endswith("-alpha.md")

    result = feedvault("reextract", "--config", config, cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert _files(root) == before
    zulu = next(body for name, body in before.items() if name.endswith("-zulu.md"))
    assert b"Zulu as corrected later." in zulu
    assert _row(result.stdout, "t") == ["2", "0", "2", "0", "0"]


def test_a_torn_capture_fails_its_article_with_one_line(site: LocalSite, tmp_path: Path) -> None:
    url = _teasers(site, (1, 2))
    config = _config(tmp_path, [{"name": "t", "url": url, "full_text": True,
                                 "content_selector": "div.story"}])
    assert feedvault("crawl", "--config", config, cwd=tmp_path).returncode == 0
    _stop(site)
    root = tmp_path / "posts"
    with sqlite3.connect(root / ".feedvault" / "ledger.sqlite") as db:
        captures = [c for (c,) in db.execute("SELECT captures FROM provenance")]
    ref = json.loads(captures[0])[1]  # the first article's page capture
    name, offset = ref.split("#")
    warc = root / ".feedvault" / "captures" / name
    data = bytearray(warc.read_bytes())
    data[int(offset):int(offset) + 64] = b"\xff" * 64  # torn: garbage where the record was
    warc.write_bytes(bytes(data))
    before = _files(root)

    result = feedvault("reextract", "--config", config, cwd=tmp_path)

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stdout.splitlines() if ref in line]
    assert len(lines) == 1 and "not rebuilt" in lines[0]
    assert _row(result.stdout, "t") == ["1", "0", "1", "0", "1"]
    assert _files(root) == before


def test_replay_middleware_answers_from_captures_and_refuses_the_rest(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path)
    feed = store.write("http://feeds.example/rss", 200,
                       [("Content-Type", "application/rss+xml")], b"<rss></rss>")
    page = store.write("http://site.example/a", 200,
                       [("Content-Type", "text/html; charset=utf-8")], b"<p>Page</p>")
    middleware = ReplayMiddleware(store, {"http://site.example/a": page})

    request = Request("http://feeds.example/rss", meta={REPLAY_META: feed})
    answer = middleware.process_request(request)
    assert answer.status == 200 and answer.body == b"<rss></rss>"
    assert answer.meta[REPLAYED_META] == feed

    by_url = middleware.process_request(Request("http://site.example/a#top"))
    assert by_url.body == b"<p>Page</p>" and by_url.text == "<p>Page</p>"

    with pytest.raises(NotCaptured, match="not captured"):
        middleware.process_request(Request("http://site.example/b"))
    with pytest.raises(NotCaptured, match="cannot be read"):
        middleware.process_request(Request("http://site.example/c",
                                           meta={REPLAY_META: "captures-00001.warc.gz#999999"}))
    store.close()


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def test_saved_images_keep_their_files_and_new_ones_are_counted(site: LocalSite,
                                                                 tmp_path: Path) -> None:
    (site.root / "img").mkdir()
    (site.root / "img" / "a.png").write_bytes(PNG)
    (site.root / "img" / "b.png").write_bytes(PNG + b"b")
    site.write("p1.html", PAGE.format(n=1).replace(
        "<p class=\"promo\">", '<p><img src="/img/a.png" alt="a"></p><p class="promo">').replace(
        "outside the story block.", 'outside the story block. <img src="/img/b.png" alt="b">'))
    url = site.write("feed.xml", rss_feed([{
        "title": "A1", "link": site.url("p1.html"), "guid": "urn:1",
        "description": "<p>A teaser…</p>", "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"}]))
    config = write_config(tmp_path, [{"name": "t", "url": url, "full_text": True,
                                      "content_selector": "div.story"}],
                          extra=CAPTURE + '\n[images]\nmode = "download"\n')
    crawl = feedvault("crawl", "--config", config, cwd=tmp_path)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    [saved] = (tmp_path / "posts" / "images").iterdir()
    _stop(site)
    config.write_text(config.read_text(encoding="utf-8").replace(
        'content_selector = "div.story"', 'content_selector = "div.main"'), encoding="utf-8")

    result = feedvault("reextract", "--config", config, cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    [post] = archive_files(tmp_path / "posts")
    body = post.read_text(encoding="utf-8")
    assert f'src="/images/{saved.name}"' in body  # the image saved by the crawl
    assert f'src="{site.url("img/b.png")}"' in body  # never saved: its remote URL
    assert "1 image was not refreshed" in result.stdout
    assert [p.name for p in (tmp_path / "posts" / "images").iterdir()] == [saved.name]
    assert _row(result.stdout, "t") == ["1", "1", "0", "0", "0"]


def test_reextract_waits_for_no_one_while_a_crawl_holds_the_archive(tmp_path: Path) -> None:
    config = _config(tmp_path, [{"name": "t", "url": "http://127.0.0.1:9/feed.xml"}])
    hidden = tmp_path / "posts" / ".feedvault"
    hidden.mkdir(parents=True)
    from archive import ArchiveLock

    with ArchiveLock(hidden, "feedvault crawl").acquire():
        result = feedvault("reextract", "--config", config, cwd=tmp_path)
    assert result.returncode == 2
    assert "feedvault crawl" in result.stderr and "Traceback" not in result.stderr


def test_an_rsshub_route_is_replayed_without_its_access_key_showing(tmp_path: Path) -> None:
    from tests.test_rsshub import Instance

    instance = Instance()
    instance.items = [rss_item(1), rss_item(1), rss_item(2)]  # a repeat: a line naming the feed
    config = tmp_path / "feedvault.toml"
    config.write_text(
        f'[archive]\npath = "posts"\n{CAPTURE}\n'
        f'[rsshub]\ninstances = ["{instance.base}"]\naccess_key = "s3cret"\n'
        '[[sources]]\nname = "r"\nrsshub = "/some/route"\nfull_text = false\n',
        encoding="utf-8")
    try:
        crawl = feedvault("crawl", "--config", config, cwd=tmp_path)
        assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    finally:
        instance.stop()

    result = feedvault("reextract", "--config", config, cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert _row(result.stdout, "r") == ["2", "0", "2", "0", "0"]
    assert "repeat an earlier entry" in result.stdout  # the feed's own line, as in a crawl
    assert "s3cret" not in result.stdout + result.stderr
    from tests.test_captures_crawl import _hidden_bytes

    assert b"s3cret" not in _hidden_bytes(tmp_path / "posts" / ".feedvault")  # nor in captures


def test_every_page_of_a_multi_page_article_is_replayed(site: LocalSite, tmp_path: Path) -> None:
    site.write("p1.html", PAGE.format(n=1).replace(
        "</div></body>", '<a class="next" href="/p1-2.html">next</a></div></body>'))
    site.write("p1-2.html", PAGE.format(n="1b"))
    url = site.write("feed.xml", rss_feed([{
        "title": "A1", "link": site.url("p1.html"), "guid": "urn:1",
        "description": "<p>A teaser…</p>", "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"}]))
    config = _config(tmp_path, [{"name": "t", "url": url, "full_text": True,
                                 "content_selector": "div.story", "next_page": "a.next"}])
    assert feedvault("crawl", "--config", config, cwd=tmp_path).returncode == 0
    [post] = archive_files(tmp_path / "posts")
    assert "Story 1b" in post.read_text(encoding="utf-8")  # both pages archived
    _stop(site)
    config.write_text(config.read_text(encoding="utf-8").replace(
        'content_selector = "div.story"', 'content_selector = "div.main"'), encoding="utf-8")

    result = feedvault("reextract", "--config", config, cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    body = post.read_text(encoding="utf-8")
    assert "Editor's note 1," in body and "Editor's note 1b," in body
    assert _row(result.stdout, "t") == ["1", "1", "0", "0", "0"]


def test_the_download_handlers_of_a_reextract_refuse_every_scheme() -> None:
    import asyncio

    from crawler.replay.plan import ReplayPlan
    from crawler.replay.refuse import RefusingHandler
    from crawler.replay.run import replay_settings

    settings = replay_settings(ReplayPlan(None, ()))  # type: ignore[arg-type]
    assert settings["DOWNLOAD_HANDLERS_BASE"] == {}
    assert set(settings["DOWNLOAD_HANDLERS"]) >= {"http", "https", "file", "data", "ftp", "s3"}
    assert set(settings["DOWNLOAD_HANDLERS"].values()) == {RefusingHandler}
    handler = RefusingHandler(None)  # type: ignore[arg-type]
    with pytest.raises(NotCaptured, match="no request"):
        asyncio.run(handler.download_request(Request("http://127.0.0.1:9/x")))


def test_the_plan_groups_articles_by_feed_capture_and_sets_aside_page_only_ones(
        tmp_path: Path) -> None:
    from archive.ledger import Ledger, LedgerRow, Provenance
    from crawler.config import SourceConfig
    from crawler.replay.plan import build_plan

    store = CaptureStore(tmp_path)
    feed = store.write("http://feeds.example/rss", 200, [], b"<rss>1</rss>")
    pages = [store.write(f"http://site.example/{n}", 200, [], f"<p>{n}</p>".encode())
             for n in range(3)]
    ledger = Ledger(tmp_path / "ledger.sqlite")

    def row(n: int, captures: tuple[str, ...] | None) -> None:
        entry = LedgerRow("t", f"urn:{n}", f"t/{n}.md", f"http://site.example/{n}", f"h{n}",
                          "2024-01-01T00:00:00+00:00", "2024-01-01T00:00:00+00:00",
                          "2024-01-01T00:00:00+00:00")
        ledger.record(entry, "2024-01-01T00:00:00+00:00",
                      Provenance(None, captures) if captures is not None else None)

    row(0, (feed, pages[0]))
    row(1, (feed, pages[1]))
    row(2, (pages[2],))  # a backfill from a sitemap: the page alone
    row(3, None)  # archived before capture was on
    row(4, ("captures-00009.warc.gz#0",))  # a capture that is gone

    plan = build_plan(ledger, store, [SourceConfig(name="t", url="http://feeds.example/rss")])

    assert [(f.ref, f.url) for f in plan.feeds] == [(feed, "http://feeds.example/rss")]
    assert sorted(p.path for p in plan.articles.values() if p.state == "waiting") == [
        "t/0.md", "t/1.md"]
    assert plan.pages["http://site.example/1"] == pages[1]
    assert plan.page_only == {"t": ["t/2.md"]}
    assert plan.without == {"t": ["t/3.md"]}
    assert list(plan.unreadable) == ["captures-00009.warc.gz#0"]
    ledger.close()
    store.close()


def test_articles_the_current_rules_exclude_are_kept_and_said_so(site: LocalSite,
                                                                  tmp_path: Path) -> None:
    url = _teasers(site, (1, 2))
    rules = {"full_text": True, "content_selector": "div.story"}
    config = _config(tmp_path, [{"name": "t", "url": url, **rules}])
    assert feedvault("crawl", "--config", config, cwd=tmp_path).returncode == 0
    _stop(site)
    root = tmp_path / "posts"
    before = _files(root)
    # one rule on the feed's title (decided before the page), one on the page's text
    config = _config(tmp_path, [{"name": "t", "url": url, **rules,
                                 "exclude": ["title:A1", "body:Story 2:"]}])

    result = feedvault("reextract", "--config", config, cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert _files(root) == before
    assert _row(result.stdout, "t") == ["0", "0", "0", "0", "0"]
    line = next(line for line in result.stdout.splitlines() if "exclude rules" in line)
    assert "2 articles are dropped by the current include / exclude rules" in line


def test_reextract_reads_a_feed_kept_as_a_revisit_after_crawl_force(site: LocalSite,
                                                                     tmp_path: Path) -> None:
    """A forced re-fetch of an unchanged feed stores it as a revisit of the first capture:
    reextract and reextract --dry-run rebuild from it like from any other capture."""
    url = _teasers(site, (1,))
    config = _config(tmp_path, [{"name": "t", "url": url, "full_text": True,
                                 "content_selector": "div.story"}])
    assert feedvault("crawl", "--config", config, cwd=tmp_path).returncode == 0
    site.write("p1.html", PAGE.format(n=1).replace("the reporter wrote", "the reporter fixed"))
    forced = feedvault("crawl", "--force", "--config", config, cwd=tmp_path)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    [feed, _page] = list(_captures(tmp_path / "posts").values())[-1]
    assert _record_type(tmp_path / "posts", feed) == "revisit"  # the feed did not change
    before = _files(tmp_path / "posts")
    assert "the reporter fixed" in next(iter(before.values())).decode()

    dry = feedvault("reextract", "--dry-run", "--config", config, cwd=tmp_path)
    real = feedvault("reextract", "--config", config, cwd=tmp_path)

    for result in (dry, real):
        assert result.returncode == 0, result.stdout + result.stderr
        assert "Traceback" not in result.stderr
        assert _row(result.stdout, "t") == ["1", "0", "1", "0", "0"]
    assert _files(tmp_path / "posts") == before


def _updated(path: Path) -> str:
    return next(line for line in path.read_text(encoding="utf-8").splitlines()
                if line.startswith("updated: "))


def test_a_rebuild_that_only_changes_markup_keeps_the_updated_date(site: LocalSite,
                                                                    tmp_path: Path) -> None:
    """A new rule that removes an image changes the file, not the words a reader sees: its
    `updated` stays; a rule that changes the words moves it."""
    (site.root / "i.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    site.write("p1.html", PAGE.format(n=1).replace(
        '<p class="promo">', '<p><img src="/i.png" class="ad" alt=""></p><p class="promo">'))
    url = site.write("feed.xml", rss_feed([{
        "title": "A1", "link": site.url("p1.html"), "guid": "urn:1",
        "description": "<p>A teaser…</p>", "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"}]))
    config = _config(tmp_path, [{"name": "t", "url": url, "full_text": True,
                                 "content_selector": "div.story"}])
    assert feedvault("crawl", "--config", config, cwd=tmp_path).returncode == 0
    [post] = archive_files(tmp_path / "posts")
    assert "i.png" in post.read_text(encoding="utf-8")
    before = _updated(post)  # the article's date: no rebuild has changed its words yet
    config.write_text(config.read_text(encoding="utf-8").replace(
        'content_selector = "div.story"', 'content_selector = "div.story"\nremove = ["img.ad"]'),
        encoding="utf-8")

    markup = feedvault("reextract", "--config", config, cwd=tmp_path)

    assert markup.returncode == 0, markup.stdout + markup.stderr
    assert _row(markup.stdout, "t") == ["1", "1", "0", "0", "0"]
    assert "i.png" not in post.read_text(encoding="utf-8")
    assert _updated(post) == before

    config.write_text(config.read_text(encoding="utf-8").replace(
        'remove = ["img.ad"]', 'remove = ["img.ad", "p.promo"]'), encoding="utf-8")
    words = feedvault("reextract", "--config", config, cwd=tmp_path)

    assert words.returncode == 0, words.stdout + words.stderr
    assert "Subscribe now" not in post.read_text(encoding="utf-8")
    assert _updated(post) != before


def test_an_article_whose_page_failed_at_crawl_time_is_rebuilt_as_the_crawl_kept_it(
        site: LocalSite, tmp_path: Path) -> None:
    """The page answered 404 when the article was archived, so the crawl kept the feed's
    text: reextract has no page either, and keeps the feed's text too instead of failing the
    article on every run."""
    site.answer("gone.html", 404)
    url = site.write("feed.xml", rss_feed([{
        "title": "A1", "link": site.url("gone.html"), "guid": "urn:1",
        "description": "<p>A teaser that the feed gives.</p>",
        "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"}]))
    config = _config(tmp_path, [{"name": "t", "url": url, "full_text": True}])
    crawl = feedvault("crawl", "--config", config, cwd=tmp_path)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    before = _files(tmp_path / "posts")
    assert "A teaser that the feed gives." in next(iter(before.values())).decode()

    result = feedvault("reextract", "--config", config, cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert _row(result.stdout, "t") == ["1", "0", "1", "0", "0"]
    assert _files(tmp_path / "posts") == before


def test_a_page_captured_at_crawl_time_but_now_missing_still_fails_its_article(
        site: LocalSite, tmp_path: Path) -> None:
    """The crawl built the article from its page: a rebuild that cannot read that page does
    not fall back to the feed's teaser (it would take the full text away)."""
    url = _teasers(site, (1,))
    config = _config(tmp_path, [{"name": "t", "url": url, "full_text": True,
                                 "content_selector": "div.story"}])
    assert feedvault("crawl", "--config", config, cwd=tmp_path).returncode == 0
    before = _files(tmp_path / "posts")
    with sqlite3.connect(tmp_path / "posts" / ".feedvault" / "ledger.sqlite") as db:
        rows = db.execute("SELECT rowid, captures FROM provenance").fetchall()
        for rowid, captures in rows:  # the ledger forgets the page's capture
            db.execute("UPDATE provenance SET captures = ? WHERE rowid = ?",
                       (json.dumps(json.loads(captures)[:1]), rowid))

    result = feedvault("reextract", "--config", config, cwd=tmp_path)

    assert result.returncode == 1
    assert _row(result.stdout, "t")[-1] == "1"
    assert _files(tmp_path / "posts") == before


def test_an_article_edited_by_hand_and_adopted_by_repair_is_kept_and_named(
        site: LocalSite, tmp_path: Path) -> None:
    """A file edited by hand and adopted by `verify --repair` no longer is what its captures
    built: reextract keeps the edit and says so instead of rebuilding over it."""
    url = _teasers(site, (1, 2))
    config = _config(tmp_path, [{"name": "t", "url": url, "full_text": True,
                                 "content_selector": "div.story"}])
    assert feedvault("crawl", "--config", config, cwd=tmp_path).returncode == 0
    post = next(p for p in archive_files(tmp_path / "posts") if "a1" in p.name)
    post.write_text(post.read_text(encoding="utf-8").replace(
        "the words the reporter wrote", "the words an editor corrected by hand"), encoding="utf-8")
    repaired = feedvault("verify", "--repair", "--config", config, cwd=tmp_path)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    config.write_text(config.read_text(encoding="utf-8").replace(
        'content_selector = "div.story"', 'content_selector = "div.main"'), encoding="utf-8")

    result = feedvault("reextract", "--config", config, cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "the words an editor corrected by hand" in post.read_text(encoding="utf-8")
    assert "Editor's note 1" not in post.read_text(encoding="utf-8")
    line = next(line for line in result.stdout.splitlines() if "changed since" in line)
    assert "1 article" in line and post.name in line
    assert _row(result.stdout, "t")[:2] == ["1", "1"]  # the other one is rebuilt


def test_articles_without_captures_are_not_all_said_to_predate_capture(
        site: LocalSite, tmp_path: Path) -> None:
    """Capture turned off after an article was archived, or a capture that could not be
    written: the summary says the article has no captures, not when capture was on."""
    url = _teasers(site, (1,))
    config = _config(tmp_path, [{"name": "t", "url": url}], capture=False)
    assert feedvault("crawl", "--config", config, cwd=tmp_path).returncode == 0

    result = feedvault("reextract", "--config", config, cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    line = next(line for line in result.stdout.splitlines() if "no captures" in line)
    assert "1 article has no captures" in line and "a1" in line
    assert "before capture was on" not in result.stdout


def test_a_reextract_runs_none_of_the_scrapy_extensions_a_crawl_may_be_given(
        site: LocalSite, tmp_path: Path) -> None:
    """[scrapy] FEEDS (an item export), stats mail, memory alerts: a crawl's business; a
    re-extraction writes no export file (nor sends mail)."""
    url = _teasers(site, (1,))
    config = _config(tmp_path, [{"name": "t", "url": url, "full_text": True,
                                 "content_selector": "div.story"}])
    assert feedvault("crawl", "--config", config, cwd=tmp_path).returncode == 0
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('content_selector = "div.story"',
                                   'content_selector = "div.main"')
                      + '\n[scrapy]\nFEEDS = { "export.jsonl" = { format = "jsonlines" } }\n',
                      encoding="utf-8")

    result = feedvault("reextract", "--config", config, cwd=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr
    assert _row(result.stdout, "t")[:2] == ["1", "1"]
    assert not (tmp_path / "export.jsonl").exists()
