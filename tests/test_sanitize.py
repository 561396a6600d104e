"""Safe: every XSS vector and malformed-HTML case in the corpora comes out safe and stable."""

from __future__ import annotations

from pathlib import Path

import feedparser
import frontmatter
import pytest

from pipelines._body import BodyCleaner
from pipelines._images import Proxy
from tests._safety import bleach_vectors, dat_inputs, feed_strings, unsafe
from tests.conftest import CORPORA, LocalSite, archive_files, corpus, feedvault, rss_feed, write_config

ARTICLE = "http://example.org/blog/post.html"
CLEANERS = {
    "plain": BodyCleaner(),
    "proxy": BodyCleaner(proxy=Proxy("https://proxy.example/?{url}", "all")),
}


def check(html: str, cleaner: str = "plain") -> str:
    """Clean html; fail unless the result is safe and cleaning it again changes nothing."""
    body = CLEANERS[cleaner]
    once = body.clean(html, ARTICLE).html
    problems = unsafe(once)
    assert not problems, f"unsafe output {problems} for input {html[:200]!r}: {once[:300]!r}"
    twice = body.clean(once, ARTICLE).html
    assert twice == once, f"not stable for input {html[:200]!r}:\n{once!r}\n{twice!r}"
    return once


def _files(*parts: str, pattern: str) -> list[Path]:
    folder = CORPORA.joinpath(*parts)
    return sorted(folder.glob(pattern)) if folder.exists() else []


def test_xss_bleach_vectors_are_neutralised() -> None:
    vectors = bleach_vectors(corpus("html", "xss-bleach"))
    assert len(vectors) == 20
    for vector in vectors:
        for cleaner in CLEANERS:
            check(vector, cleaner)


@pytest.mark.parametrize(
    "path", _files("html", "html5lib-tree-construction", pattern="**/*.dat"),
    ids=lambda p: p.name,
)
def test_html5lib_tree_construction_inputs(path: Path) -> None:
    inputs = dat_inputs(path)
    assert inputs, f"no #data sections read from {path}"
    for html in inputs:
        check(html)


SANITIZE = _files("feeds", "feedparser", "wellformed", "sanitize", pattern="*.xml")
GROUPS = sorted({p.name.rsplit("_", 1)[0] if p.name.startswith(("entry_", "feed_", "item_"))
                 else p.stem for p in SANITIZE})


@pytest.mark.parametrize("group", GROUPS)
def test_feedparser_sanitize_cases(group: str) -> None:
    cases = [p for p in SANITIZE if p.name.startswith(group + "_") or p.stem == group]
    assert cases
    for path in cases:
        parsed = feedparser.parse(path.read_bytes(), sanitize_html=False,
                                  resolve_relative_uris=False)
        for text in feed_strings([parsed.feed, parsed.entries]):
            check(text)


def test_corpora_were_found() -> None:
    """The parametrized safety tests above are not silently empty."""
    corpus("html")
    assert len(SANITIZE) == 745
    assert len(_files("html", "html5lib-tree-construction", pattern="**/*.dat")) >= 60


@pytest.mark.parametrize("html, expected", [
    ("<p>a<script>alert(1)</script>b</p>", "<p>ab</p>"),
    ("<p onclick='x()' style='color:red' class='c'>t</p>", "<p>t</p>"),
    ("<p>a<!-- secret -->b</p>", "<p>ab</p>"),
    ("<form action='/x'><input name=q><button>Go</button>text</form>", ""),
    ("<p>x<svg><circle/><text>icon</text></svg></p>", "<p>x</p>"),
    # MathML goes, its text stays: an equation reads as plain text
    ("<p>x<math><mi>y</mi><mo>=</mo><mn>1</mn></math></p>", "<p>x<span> y = 1 </span></p>"),
    ("<iframe src='https://www.youtube.com/embed/x'></iframe><p>t</p>", "<p>t</p>"),
    ("<object data='x.swf'></object><embed src='x.swf'><p>t</p>", "<p>t</p>"),
    ("<noscript><p>n</p></noscript><template><p>t</p></template><p>k</p>", "<p>k</p>"),
    ("<style>p{}</style><p>k</p>", "<p>k</p>"),
    ("<h2 id='toc-1' class='x'>T</h2>", '<h2 id="toc-1">T</h2>'),
    ("<table><tr><td colspan=2 rowspan=3>c</td></tr></table>",
     '<table><tbody><tr><td colspan="2" rowspan="3">c</td></tr></tbody></table>'),
    ("<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>",
     "<ruby>漢<rp>(</rp><rt>kan</rt><rp>)</rp></ruby>"),
    ("<dl><dt>t</dt><dd>d</dd></dl><pre><code>x &lt; 1</code></pre><hr>",
     "<dl><dt>t</dt><dd>d</dd></dl><pre><code>x &lt; 1</code></pre><hr>"),
    ("<figure><img src='http://example.org/a.png' alt='A' title='T' width=300 height=200 "
     "loading=lazy><figcaption>c</figcaption></figure>",
     '<figure><img src="http://example.org/a.png" alt="A" title="T" width="300" height="200" '
     'loading="lazy" referrerpolicy="no-referrer"><figcaption>c</figcaption></figure>'),
    ("<video src='/v.mp4' poster='/p.jpg' controls autoplay></video>",
     '<video src="http://example.org/v.mp4" poster="http://example.org/p.jpg" controls="">'
     '</video>'),
    ("<audio controls><source src='/a.mp3' type='audio/mpeg'></audio>",
     '<audio controls=""><source src="http://example.org/a.mp3" type="audio/mpeg"></audio>'),
    ("<p><b>b</b><i>i</i><em>e</em><strong>s</strong><sub>1</sub><sup>2</sup><mark>m</mark>"
     "<kbd>k</kbd><abbr title='t'>a</abbr></p>",
     '<p><b>b</b><i>i</i><em>e</em><strong>s</strong><sub>1</sub><sup>2</sup><mark>m</mark>'
     '<kbd>k</kbd><abbr title="t">a</abbr></p>'),
])
def test_allowlist_keeps_and_drops(html: str, expected: str) -> None:
    assert BodyCleaner().clean(html, ARTICLE).html == expected


def test_keep_class_and_iframe_hosts() -> None:
    cleaner = BodyCleaner(keep_class=True, iframe_hosts=("www.youtube.com", "*.bilibili.com"))
    html = ("<p class='lead'>t</p><iframe src='https://www.youtube.com/embed/x' onload='x()' "
            "width=560 srcdoc='<script>'></iframe><iframe src='https://evil.example/x'></iframe>"
            "<iframe src='//player.bilibili.com/player.html?bvid=1'></iframe>"
            "<iframe src='javascript:alert(1)'></iframe>")
    assert cleaner.clean(html, "https://example.org/a").html == (
        '<p class="lead">t</p><iframe src="https://www.youtube.com/embed/x" width="560"></iframe>'
        '<iframe src="https://player.bilibili.com/player.html?bvid=1"></iframe>'
    )


@pytest.mark.parametrize("html", [
    "", "   ", "\x00", "<", "</p>", "<!-- only a comment -->", "\ud800", "<p>\x0c\x1b</p>",
    "<html><head><title>t</title></head><body class='b'><p>x</p></body></html>",
    "<img src='http://[::1'>", "<a href='http://[::1'>x</a>", "<base href='javascript:x'>",
    "<p>" * 5000, "<div>" * 300 + "deep" + "</div>" * 300,
])
def test_cleaner_never_raises_on_odd_input(html: str) -> None:
    out = BodyCleaner().clean(html, ARTICLE).html
    assert not unsafe(out)


def test_vectors_inside_feed_items_through_a_real_crawl(site: LocalSite, tmp_path: Path) -> None:
    vectors = bleach_vectors(corpus("html", "xss-bleach"))
    for path in SANITIZE[::40]:
        parsed = feedparser.parse(path.read_bytes(), sanitize_html=False)
        vectors += [e.get("description", "") for e in parsed.entries if e.get("description")]
    vectors = [v.replace("]]>", "]]&gt;") for v in vectors]
    items = [{"title": f"Vector {n}", "link": f"http://example.org/v/{n}", "guid": f"v{n}",
              "description": f"<p>before</p>{v}<p>after</p>"} for n, v in enumerate(vectors)]
    config = write_config(tmp_path, [{"name": "x", "url": site.write("f.xml", rss_feed(items))}])
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr
    files = archive_files(tmp_path / "posts")
    assert len(files) == len(vectors) > 30
    for path in files:
        body = frontmatter.load(path).content
        assert not unsafe(body), f"{path.name}: {unsafe(body)}"
        assert "<p>before</p>" in body and "<p>after</p>" in body
