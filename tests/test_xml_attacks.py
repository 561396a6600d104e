"""XML attacks in feeds: no hang, no memory blow-up, no outbound request, a clear report."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.feeds.parse import parse_feed
from tests.conftest import CORPORA, REPO, LocalSite, archive_files, feedvault, report_scenario, write_config

ATTACKS = sorted((CORPORA / "feeds" / "xml-attacks").glob("*.xml"))

MEASURE = """
import json, resource, sys
sys.path.insert(0, {repo!r})
from crawler.feeds.parse import parse_feed
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
feed = parse_feed(open(sys.argv[1], "rb").read(), "http://127.0.0.1/feed.xml")
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"entries": len(feed.entries), "problem": feed.problem,
                  "grew_kb": after - before}}))
"""


@pytest.mark.parametrize("path", ATTACKS, ids=lambda p: p.name)
def test_attack_is_parsed_in_bounded_memory_and_reported(path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", MEASURE.format(repo=str(REPO)), str(path)],
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout)
    assert outcome["grew_kb"] < 50_000, outcome  # the quadratic blowup once took 300 MB
    assert outcome["entries"] == 0
    assert outcome["problem"]


def test_external_entity_is_never_fetched(site: LocalSite, tmp_path: Path) -> None:
    feed = (
        '<?xml version="1.0"?>\n<!DOCTYPE rss [\n'
        f'<!ENTITY secret SYSTEM "{site.url("secret.txt")}">\n'
        '<!ENTITY local SYSTEM "file:///etc/passwd">\n]>\n'
        '<rss version="2.0"><channel><title>t</title><item><title>&secret;&local;</title>'
        "<guid>g1</guid><description>&lt;p&gt;body&lt;/p&gt;</description></item>"
        "</channel></rss>"
    )
    site.write("secret.txt", "TOP SECRET")
    config = write_config(tmp_path, [{"name": "x", "url": site.write("f.xml", feed)}])
    result = feedvault("crawl", "--config", config)
    paths = [path for path, *_ in site.requests]
    assert "/secret.txt" not in paths
    assert "/f.xml" in paths
    assert "internal subset removed" in result.stdout
    files = archive_files(tmp_path / "posts")
    leaked = sum("TOP SECRET" in p.read_text(encoding="utf-8") or "root:" in
                 p.read_text(encoding="utf-8") for p in files)
    fetched = paths.count("/secret.txt")
    report_scenario("XML external entities", faults=feed.count("<!ENTITY"), expected=1,
                    archived=len(files), lost=1 - len(files), duplicates=0,
                    unsafe=leaked + fetched)
    assert feed.count("<!ENTITY") == 2
    assert (len(files), leaked, fetched) == (1, 0, 0)  # the item is kept, its entities are not


def test_direct_parse_never_resolves_entities() -> None:
    body = (b'<!DOCTYPE r [<!ENTITY a "AAAA">]><rss version="2.0"><channel><item>'
            b"<title>&a;</title></item></channel></rss>")
    feed = parse_feed(body, "http://127.0.0.1/f")
    [entry] = feed.entries  # the item is read, its entity left as it was written
    assert entry.title == "&a;"
    assert feed.problem is not None and "internal subset removed" in feed.problem
