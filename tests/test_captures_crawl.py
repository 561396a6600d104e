"""Crawls with `[archive] capture = "warc"`: what the local server sent, kept, linked, exported, verified."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from archive.capture_files import check
from archive.captures import CaptureStore
from tests.conftest import REPO, LocalSite, archive_files, feedvault, rss_feed, rss_item, write_config

PAGE = """<html><head><title>{title}</title></head><body><article><h1>{title}</h1>
<p>{text} The page has enough words to be an article of its own, not a teaser at all.</p>
<p>A second paragraph, so that extraction keeps the text and the page is a real one.</p>
{more}</article></body></html>"""


def _site(site: LocalSite) -> str:
    """A teaser feed: article A spans two pages (next_page), article B is one page."""
    site.write("robots.txt", "User-agent: *\nAllow: /\n")
    site.write("a.html", PAGE.format(title="A", text="First page of A.",
                                     more='<a class="next" href="a2.html">next</a>'))
    site.write("a2.html", PAGE.format(title="A", text="Second page of A.", more=""))
    site.write("b.html", PAGE.format(title="B", text="Only page of B.", more=""))
    return site.write("feed.xml", rss_feed([
        {"title": "A", "link": site.url("a.html"), "guid": "urn:a", "description": "<p>Teaser</p>",
         "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"},
        {"title": "B", "link": site.url("b.html"), "guid": "urn:b", "description": "<p>Teaser</p>",
         "pubDate": "Tue, 02 Jan 2024 10:00:00 +0000"},
    ]))


def _config(tmp_path: Path, url: str, extra: str = 'capture = "warc"') -> Path:
    config = write_config(tmp_path, follow_pages=True, sources=[
        {"name": "t", "url": url, "next_page": "a.next"}])
    text = config.read_text().replace('preset = "hexo"', f'preset = "hexo"\n{extra}', 1)
    config.write_text(text)
    return config


def _warc_records(hidden: Path) -> list[tuple[str, str | None, bytes]]:
    found = []
    for path in sorted((hidden / "captures").glob("captures-*.warc.gz")):
        with path.open("rb") as handle:
            found += [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
                      for r in ArchiveIterator(handle, check_digests="raise")]
    return found


def _provenance(hidden: Path) -> dict[str, list[str]]:
    """The newest capture references per article identity."""
    db = sqlite3.connect(hidden / "ledger.sqlite")
    try:
        rows = db.execute("SELECT identity, captures FROM provenance ORDER BY rowid").fetchall()
    finally:
        db.close()
    return {identity: json.loads(captures) for identity, captures in rows}


def test_a_capturing_crawl_keeps_every_feed_and_page_response_and_links_them(
        site: LocalSite, tmp_path: Path) -> None:
    url = _site(site)
    result = feedvault("crawl", "--config", _config(tmp_path, url))
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(archive_files(tmp_path / "posts")) == 2
    hidden = tmp_path / "posts" / ".feedvault"
    responses = {uri: body for kind, uri, body in _warc_records(hidden) if kind == "response"}
    served = {site.url(name): (site.root / name).read_bytes()
              for name in ("feed.xml", "a.html", "a2.html", "b.html")}
    assert responses == served  # byte for byte, and nothing else (no robots.txt)
    requests = [uri for kind, uri, _ in _warc_records(hidden) if kind == "request"]
    assert sorted(requests) == sorted(served)

    store = CaptureStore(hidden)
    links = _provenance(hidden)
    assert len(links) == 2
    by_title = {}
    for refs in links.values():
        urls = [store.read(ref).url for ref in refs]
        assert urls[0] == site.url("feed.xml")  # the feed first, then the pages
        by_title[urls[1]] = urls[1:]
    assert by_title == {site.url("a.html"): [site.url("a.html"), site.url("a2.html")],
                        site.url("b.html"): [site.url("b.html")]}
    assert store.read(links["urn:b"][1]).body == served[site.url("b.html")]

    check = feedvault("verify", "--config", tmp_path / "feedvault.toml")
    assert check.returncode == 0, check.stdout + check.stderr


def test_only_answers_of_new_or_updated_articles_are_stored_and_a_repeated_payload_as_a_revisit(
        site: LocalSite, tmp_path: Path) -> None:
    url = _site(site)
    config = _config(tmp_path, url)
    assert feedvault("crawl", "--config", config).returncode == 0
    hidden = tmp_path / "posts" / ".feedvault"
    first = _warc_records(hidden)
    refs = _provenance(hidden)
    # --force: no validators sent, so every answer is a 200 with the same bytes; the articles
    # are unchanged, so nothing is stored again and they keep their references
    result = feedvault("crawl", "--force", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert _warc_records(hidden) == first
    assert _provenance(hidden) == refs
    # B edited at the source: the feed (the same bytes: a revisit) and B's new page are stored
    site.write("b.html", PAGE.format(title="B", text="Only page of B, edited.", more=""))
    result = feedvault("crawl", "--force", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    added = _warc_records(hidden)[len(first):]
    assert sorted(kind for kind, _, _ in added) == ["request", "request", "response", "revisit"]
    assert [uri for kind, uri, body in added if kind == "revisit" and not body] == [url]
    store = CaptureStore(hidden)
    now = _provenance(hidden)
    assert now["urn:a"] == refs["urn:a"] and now["urn:b"] != refs["urn:b"]
    assert b"<rss" in store.read(now["urn:b"][0]).body  # a revisit reads as its original payload
    assert b"edited" in store.read(now["urn:b"][1]).body


def test_an_unchanged_article_whose_page_bytes_differ_is_not_stored_again(
        site: LocalSite, tmp_path: Path) -> None:
    """Pages differ on every fetch ("generated at" comments, CSRF tokens): an article they
    leave unchanged is not captured again on every crawl."""
    url = site.write("feed.xml", rss_feed([{
        "title": "A1", "link": site.url("p1.html"), "guid": "urn:1",
        "description": "<p>A teaser</p>", "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"}]))
    config = write_config(tmp_path, [{"name": "t", "url": url, "full_text": True}],
                          extra='capture = "warc"')
    for n in range(3):
        site.write("p1.html", _STORY.replace("</body>", f"<!-- generated {n} --></body>"))
        crawl = feedvault("crawl", "--force", "--config", config, cwd=tmp_path)
        assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    assert len(archive_files(tmp_path / "posts")) == 1
    kinds = [kind for kind, _, _ in _warc_records(tmp_path / "posts" / ".feedvault")]
    assert kinds.count("response") == 2, kinds  # the feed and the page, once


def test_an_unchanged_article_gets_its_captures_when_capture_is_turned_on(
        site: LocalSite, tmp_path: Path) -> None:
    """Archived before capture was on: the first capturing crawl stores its answers, so a
    reextract can rebuild it later."""
    url = _site(site)
    config = _config(tmp_path, url, extra="")
    assert feedvault("crawl", "--config", config).returncode == 0
    hidden = tmp_path / "posts" / ".feedvault"
    assert not any(_provenance(hidden).values())
    config = _config(tmp_path, url)
    result = feedvault("crawl", "--force", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    refs = _provenance(hidden)
    assert len(refs["urn:a"]) == 3 and len(refs["urn:b"]) == 2
    assert refs["urn:a"][0] == refs["urn:b"][0]  # the feed answer, written once


def test_export_writes_a_warc_that_warcio_reads_back_with_every_record(
        site: LocalSite, tmp_path: Path) -> None:
    url = _site(site)
    config = _config(tmp_path, url)
    assert feedvault("crawl", "--config", config).returncode == 0
    # B edited at the source: its new revision links the feed (now a revisit) and the new page
    site.write("b.html", PAGE.format(title="B", text="Only page of B, edited.", more=""))
    assert feedvault("crawl", "--force", "--config", config).returncode == 0
    out = tmp_path / "t.warc.gz"
    result = feedvault("capture", "export", "--source", "t", "-o", out, "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    with out.open("rb") as handle:
        records = [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"),
                    r.rec_headers.get_header("WARC-Payload-Digest"), r.content_stream().read())
                   for r in ArchiveIterator(handle, check_digests="raise")]
    kinds = [kind for kind, *_ in records]
    assert kinds[0] == "warcinfo"
    # warcio's own checker: every record parses and every digest it can check passes
    checked = subprocess.run([sys.executable, "-c", "from warcio.cli import main; main()", "check", str(out)],
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    payloads = {uri: body for kind, uri, _, body in records if kind == "response"}
    assert payloads == {site.url(name): (site.root / name).read_bytes()
                        for name in ("feed.xml", "a.html", "a2.html", "b.html")}
    # each revisit's payload is in the file too, and each response has its request
    digests = {digest for kind, _, digest, _ in records if kind == "response"}
    assert all(digest in digests for kind, _, digest, _ in records if kind == "revisit")
    assert kinds.count("request") == kinds.count("response") + kinds.count("revisit")
    assert "revisit" in kinds


def test_capture_off_changes_nothing(site: LocalSite, tmp_path: Path) -> None:
    url = _site(site)
    result = feedvault("crawl", "--config", _config(tmp_path, url, extra=""))
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(archive_files(tmp_path / "posts")) == 2
    hidden = tmp_path / "posts" / ".feedvault"
    assert not (hidden / "captures").exists()
    assert all(refs == [] for refs in _provenance(hidden).values())


def test_a_source_can_turn_capture_on_alone(site: LocalSite, tmp_path: Path) -> None:
    url = _site(site)
    # the same articles twice: kept apart, else whichever source comes second only joins the
    # first one's files, and a joined copy has no captures of its own
    config = write_config(tmp_path, sources=[
        {"name": "on", "url": url, "capture": "warc", "cross_source": "separate"},
        {"name": "off", "url": url.replace("127.0.0.1", "localhost"),
         "cross_source": "separate"}])
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    uris = {uri for kind, uri, _ in _warc_records(tmp_path / "posts" / ".feedvault")
            if kind == "response"}
    assert uris == {url}


def test_verify_reports_a_capture_reference_that_does_not_resolve(site: LocalSite, tmp_path: Path) -> None:
    url = _site(site)
    config = _config(tmp_path, url)
    assert feedvault("crawl", "--config", config).returncode == 0
    warc = tmp_path / "posts" / ".feedvault" / "captures" / "captures-00001.warc.gz"
    data = warc.read_bytes()
    warc.write_bytes(data[:200] + b"\0" * 64 + data[264:])  # damage inside the first records
    result = feedvault("verify", "--config", config)
    assert result.returncode == 1
    assert "capture: .feedvault/captures/captures-00001.warc.gz" in result.stdout
    assert "does not" in result.stdout or "no complete record" in result.stdout


def test_bad_capture_settings_are_clear_errors(tmp_path: Path) -> None:
    config = _config(tmp_path, "http://127.0.0.1:9/feed.xml", extra='capture = "yes"')
    result = feedvault("status", "--config", config)
    assert result.returncode == 2
    assert "archive.capture" in result.stderr and "'warc'" in result.stderr
    config = _config(tmp_path, "http://127.0.0.1:9/feed.xml",
                     extra='capture = "warc"\n[distributed]\nredis = "redis://127.0.0.1:1/0"\n')
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 2
    assert "[distributed]" in result.stderr and "capture" in result.stderr


def test_a_sigkilled_capturing_crawl_leaves_readable_warcs_and_no_dangling_reference(
        site: LocalSite, tmp_path: Path) -> None:
    items = []
    for n in range(30):
        site.write(f"p{n}.html", PAGE.format(title=f"P{n}", text=f"Page {n}.", more=""))
        items.append({"title": f"P{n}", "link": site.url(f"p{n}.html"), "guid": f"urn:p:{n}",
                      "description": "<p>Teaser</p>", "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000"})
    site.delays["/slow.xml"] = 8
    config = write_config(tmp_path, follow_pages=True, sources=[
        {"name": "fast", "url": site.write("fast.xml", rss_feed(items))},
        {"name": "slow", "url": site.write("slow.xml", rss_feed(items[:3]))},
    ], extra='[crawl]\njitter = "0s"\n')
    config.write_text(config.read_text().replace('preset = "hexo"', 'preset = "hexo"\ncapture = "warc"', 1))
    root = tmp_path / "posts"
    crawl = subprocess.Popen([sys.executable, "-m", "crawler.cli", "crawl", "--config", str(config)],
                             cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(archive_files(root)) < 5:
        assert time.monotonic() < deadline and crawl.poll() is None, "the crawl never got going"
        time.sleep(0.05)
    crawl.send_signal(signal.SIGKILL)
    crawl.wait()
    hidden = root / ".feedvault"

    # right after the kill: every reference the ledger holds resolves to its record, and
    # warcio's reader reads every record up to the last one written whole
    named = [ref for refs in _provenance(hidden).values() for ref in refs]
    assert named
    store = CaptureStore(hidden)
    assert check(store, named) == []
    assert {store.read(ref).url for ref in named} >= {site.url("fast.xml")}
    complete = list(store.refs())
    assert set(named) <= set(complete)

    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(archive_files(root)) == 30
    verified = feedvault("verify", "--config", config)
    assert verified.returncode == 0, verified.stdout
    for path in sorted((hidden / "captures").glob("captures-*.warc.gz")):
        with path.open("rb") as handle:  # whole again: the next write cut any torn tail first
            assert all(r.rec_type for r in ArchiveIterator(handle, check_digests="raise"))


def test_backfill_captures_article_pages_and_feed_pages_but_not_sitemaps(
        site: LocalSite, tmp_path: Path) -> None:
    from tests.test_backfill import _blog
    from tests.test_backfill import _config as backfill_config

    _blog(site, total=6, per_page=3)
    config = backfill_config(tmp_path, site, {"sitemap": site.url("sitemap.xml")}, capture="warc")
    result = feedvault("backfill", "blog", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    hidden = tmp_path / "posts" / ".feedvault"
    uris = {uri for kind, uri, _ in _warc_records(hidden) if kind == "response"}
    assert uris == {site.url(f"posts/{n}.html") for n in range(6)}  # no sitemap, no robots.txt
    assert all(len(refs) == 1 for refs in _provenance(hidden).values())

    other = tmp_path / "feedpages"
    other.mkdir()
    config = backfill_config(other, site, {"feed_page": site.url("paged/{page}.xml")},
                             capture="warc")
    result = feedvault("backfill", "blog", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    hidden = other / "posts" / ".feedvault"
    store = CaptureStore(hidden)
    firsts = {store.read(refs[0]).url for refs in _provenance(hidden).values()}
    assert firsts == {site.url("paged/1.xml"), site.url("paged/2.xml")}


def test_a_capture_folder_that_cannot_be_written_is_one_report_line_not_a_lost_crawl(
        site: LocalSite, tmp_path: Path) -> None:
    url = _site(site)
    hidden = tmp_path / "posts" / ".feedvault"
    hidden.mkdir(parents=True)
    (hidden / "captures").write_text("a file where the folder should be")
    result = feedvault("crawl", "--config", _config(tmp_path, url))
    assert "Traceback" not in result.stdout + result.stderr
    assert len(archive_files(tmp_path / "posts")) == 2  # the articles, without captures
    assert result.stdout.count("not captured") == 1, result.stdout  # one line in the report
    assert "Not a directory" in result.stdout


def _hidden_bytes(hidden: Path) -> bytes:
    """Everything under .feedvault/, WARC members decompressed, as one byte string."""
    import gzip

    found = b""
    for path in sorted(p for p in hidden.rglob("*") if p.is_file()):
        data = path.read_bytes()
        found += gzip.decompress(data) if path.name.endswith(".gz") else data
    return found


def test_captures_keep_no_credential_cookie_or_configured_header(site: LocalSite,
                                                                 tmp_path: Path) -> None:
    url = _site(site)
    config = _config(tmp_path, url)
    config.write_text(config.read_text() + '\nheaders = { "X-Token" = "tok-s3cret" }\n'
                      'cookies = { session = "ck-s3cret" }\n', encoding="utf-8")
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    hidden = tmp_path / "posts" / ".feedvault"
    assert [kind for kind, _, _ in _warc_records(hidden)].count("response") == 4
    stored = _hidden_bytes(hidden)
    assert b"s3cret" not in stored
    assert b"X-Token" not in stored and b"Cookie:" not in stored
    assert b"User-Agent" in stored  # the rest of the request is kept


_STORY = ("<html><head><title>P</title></head><body><div class=main><div class=story>"
          "<p>Story words, long enough to be the body of an article and more than a teaser."
          "</p></div></div></body></html>")


def test_an_rsshub_access_key_reaches_neither_page_captures_nor_article_hosts(
        site: LocalSite, tmp_path: Path) -> None:
    """Page requests followed from an RSSHub feed would carry Referer: <feed URL with ?key=>:
    sent to the article's host and kept in the page's request record."""
    from tests.test_rsshub import Instance

    site.write("p1.html", _STORY)
    instance = Instance()
    instance.items = [rss_item(1, link=site.url("p1.html"), description="<p>Teaser</p>")]
    config = tmp_path / "feedvault.toml"
    config.write_text(
        '[archive]\npath = "posts"\ncapture = "warc"\n'
        # the article host: another port of the instance's loopback address
        f'[crawl]\nallow_hosts = ["{site.base.split("//")[1]}"]\n'
        f'[rsshub]\ninstances = ["{instance.base}"]\naccess_key = "s3cret"\n'
        '[[sources]]\nname = "r"\nrsshub = "/some/route"\nfull_text = true\n',
        encoding="utf-8")
    try:
        crawl = feedvault("crawl", "--config", config, cwd=tmp_path)
    finally:
        instance.stop()
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    stored = _hidden_bytes(tmp_path / "posts" / ".feedvault")
    assert b"p1.html" in stored  # the page was captured
    leaks = [m.group(0) for m in re.finditer(rb"[^\r\n]*s3cret[^\r\n]*", stored)]
    assert not leaks, leaks
    assert [ref for path, ref in site.referers if path == "/p1.html"] == [None]


def test_a_token_in_a_source_url_does_not_reach_the_captures(site: LocalSite,
                                                             tmp_path: Path) -> None:
    """A feed URL with ?token=${FEED_TOKEN}: kept out of WARC-Target-URI, the GET line, the
    capture index and the validators of http.sqlite, as the snapshot's recorded
    configuration keeps it out; the next crawl still finds the validators and asks
    conditionally."""
    url = site.write("feed.xml", rss_feed([rss_item(1)]))
    config = write_config(tmp_path, [{"name": "t", "url": url + "?token=${FEED_TOKEN}"}],
                          extra='capture = "warc"')
    crawl = feedvault("crawl", "--config", config, cwd=tmp_path,
                      env={"FEED_TOKEN": "tok-s3cret"})
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    stored = _hidden_bytes(tmp_path / "posts" / ".feedvault")
    assert b"warc/1" in stored.lower()
    leaks = [m.group(0) for m in re.finditer(rb"[^\r\n]*tok-s3cret[^\r\n]*", stored)]
    assert not leaks, leaks
    assert b"token=(removed)" in stored
    again = feedvault("crawl", "--config", config, cwd=tmp_path, env={"FEED_TOKEN": "tok-s3cret"})
    assert again.returncode == 0, again.stdout + again.stderr
    assert site.requests[-1][1] is not None  # If-None-Match: the validators were found again


def test_a_crawl_without_captures_says_nothing_about_them(site: LocalSite, tmp_path: Path) -> None:
    url = site.write("feed.xml", rss_feed([rss_item(1)]))
    config = write_config(tmp_path, [{"name": "t", "url": url}])
    crawl = feedvault("crawl", "--config", config, cwd=tmp_path)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    assert "CaptureMiddleware" not in crawl.stdout + crawl.stderr


def test_capture_export_never_opens_a_ledger_through_a_link(site: LocalSite, tmp_path: Path) -> None:
    """A .feedvault/ from a CI cache or a commit with ledger.sqlite linked out of the archive:
    refused as the archive itself refuses it, and the linked file is left as it was."""
    url = site.write("feed.xml", rss_feed([rss_item(1)]))
    config = write_config(tmp_path, [{"name": "t", "url": url}], extra='capture = "warc"')
    outside = tmp_path / "elsewhere.sqlite"
    outside.write_bytes(b"")
    hidden = tmp_path / "posts" / ".feedvault"
    hidden.mkdir(parents=True)
    (hidden / "ledger.sqlite").symlink_to(outside)
    result = feedvault("capture", "export", "--source", "t", "-o", tmp_path / "out.warc.gz",
                       "--config", config, cwd=tmp_path)
    assert result.returncode != 0
    assert "symbolic link" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert outside.read_bytes() == b""
