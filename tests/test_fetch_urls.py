"""`feedvault sources check` and `extract` fetch a URL with a space or a control character
encoded, as a crawl does (w3lib's safe_url_string), redirects included; what no encoding
makes usable is one line, never a traceback."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import LocalSite, feedvault, rss_feed, rss_item, write_config

PAGE = ("<html><head><title>Hello</title></head><body><article><p>"
        + "A page long enough to be an article, with words. " * 5 + "</p></article></body></html>")


def test_sources_check_reads_an_article_link_with_a_space(tmp_path: Path, site: LocalSite) -> None:
    # real feeds write links with a raw space: the check fetches it encoded, as a crawl does,
    # and goes on to the next source
    site.write("my post.html", PAGE)
    feed = site.write("feed.xml", rss_feed([rss_item(1, link=site.url("my post.html"))]))
    other = site.write("other.xml", rss_feed([rss_item(2, link=site.url("my\x01post.html"))]))
    config = write_config(tmp_path, [{"name": "blog", "url": feed},
                                     {"name": "other", "url": other}])
    result = feedvault("sources", "check", "--config", config)
    assert "Traceback" not in result.stderr, result.stderr
    assert "blog:" in result.stdout and "other:" in result.stdout, result.stdout
    assert "/my%20post.html" in [path for path, *_ in site.requests]
    assert "/my%01post.html" in [path for path, *_ in site.requests]


def test_extract_fetches_a_url_with_a_space_and_its_redirects(tmp_path: Path, site: LocalSite) -> None:
    site.write("my post.html", PAGE)
    result = feedvault("extract", site.url("my post.html"), cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0 and "A page long enough" in result.stdout, result.stderr
    site.answer("moved", 301, {"Location": site.url("my post.html")})
    result = feedvault("extract", site.url("moved"), cwd=tmp_path)
    assert result.returncode == 0 and "A page long enough" in result.stdout, result.stderr


def test_extract_of_a_url_no_encoding_makes_usable_is_one_line(tmp_path: Path) -> None:
    # a space in the host name stays one after encoding; a bidi override is not printed as is
    for url in ("http://127.0.0.1 x/page.html", "http://127.0.0.1:9/\u202egnp.exe"):
        result = feedvault("extract", url, cwd=tmp_path)
        assert "Traceback" not in result.stderr, result.stderr
        assert result.returncode != 0 and result.stderr.count("\n") == 1, result.stderr
        assert "\u202e" not in result.stderr
