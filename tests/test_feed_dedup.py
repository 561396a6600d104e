"""One identity rule: entries of one feed the archive would take as one article are one article."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import frontmatter
import pytest

from archive.document import Article
from archive.identity import identity_key, identity_of
from tests.conftest import LocalSite, archive_files, feedvault, rss_feed, write_config

DATE = "Mon, 01 Jan 2024 10:00:00 GMT"

# policy, the two entries (newest first), whether the archive takes them as one article
CASES = {
    "auto: one link spelled twice": ("auto", {"link": "http://Example.invalid/a"},
                                     {"link": "http://example.invalid/a"}, True),
    "auto: relative and absolute link": ("auto", {"link": "/a"}, {"link": "{base}/a"}, True),
    "auto: different guids": ("auto", {"guid": "g1", "link": "http://example.invalid/a"},
                              {"guid": "g2", "link": "http://example.invalid/a"}, False),
    "link: same link, new guid": ("link", {"guid": "g1", "link": "http://example.invalid/A"},
                                  {"guid": "g2", "link": "http://EXAMPLE.invalid/A"}, True),
    "link: links differ by fragment": ("link", {"link": "http://example.invalid/c#v2"},
                                       {"link": "http://example.invalid/c#v1"}, False),
    "title+date: same title and date": ("title+date", {"guid": "g1", "title": "Notice"},
                                        {"guid": "g2", "title": "Notice"}, True),
    "title+date: same title, other date": ("title+date", {"guid": "g1", "title": "Notice"},
                                           {"guid": "g2", "title": "Notice",
                                            "pubDate": "Tue, 02 Jan 2024 10:00:00 GMT"}, False),
}


@pytest.mark.parametrize(("policy", "newer", "older", "one"), CASES.values(), ids=CASES.keys())
def test_a_feed_is_deduplicated_as_the_archive_would(site: LocalSite, tmp_path: Path, policy: str,
                                                     newer: dict[str, str], older: dict[str, str],
                                                     one: bool) -> None:
    items = [{"title": "Entry", "pubDate": DATE, **entry,
              "description": f"<p>{which} body</p>"}
             for entry, which in ((newer, "Newer"), (older, "Older"))]
    for item in items:
        if "link" in item:
            item["link"] = item["link"].replace("{base}", site.base)
    url = site.write("f.xml", rss_feed(items))
    config = write_config(tmp_path, [{"name": "t", "url": url, "id": policy}])
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    files = archive_files(tmp_path / "posts")
    row = next(line for line in result.stdout.splitlines() if line.startswith("t ")).split()
    if one:
        assert len(files) == 1
        assert "Newer body" in frontmatter.load(files[0]).content  # the first (newest) wins
        assert row[1:3] == ["1", "0"]  # one new, none "updated" by the older copy
        assert "1 entries repeat an earlier entry's identity" in result.stdout
    else:
        assert len(files) == 2
        assert "repeat" not in result.stdout


def test_identity_key_is_identity_of_on_plain_values() -> None:
    date = datetime(2024, 1, 1, tzinfo=UTC)
    article = Article("s", "T", "b", date=date, original_url="http://a.example/x", guid="g")
    for policy in ("auto", "guid", "link", "title+date"):
        assert identity_of(article, policy) == identity_key(
            policy, guid="g", link="http://a.example/x", title="T", date=date)
    assert article.identity == identity_of(article, "auto")
    assert identity_key("auto", guid=None, link=None, title="T", date=None) is None
    with pytest.raises(ValueError, match="unknown identity policy"):
        identity_key("nope", guid="g", link=None, title="T", date=None)
