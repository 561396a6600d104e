"""The one html_to_text: what a reader sees of a body, as lines (diffs) or one line (titles)."""

from __future__ import annotations

from pathlib import Path

import frontmatter
import pytest

from archive.text import clean_text, html_to_text
from crawler.limits.nesting import bound_depth
from tests.conftest import LocalSite, archive_files, feedvault, rss_feed, write_config

CASES = {
    "blocks on their own lines": ("<p>One</p><p>Two</p><h2>Three</h2>", "One\n\nTwo\n\nThree",
                                  "One Two Three"),
    "list items and br": ("<ul><li>a</li><li>b</li></ul>c<br>d", "a\n\nb\n\nc\nd", "a b c d"),
    "source line breaks are blanks": ("<p>one\ntwo</p>", "one two", "one two"),
    "pre keeps its lines": ("<pre>x = 1\ny = 2</pre>", "x = 1\ny = 2", "x = 1 y = 2"),
    "whitespace squashed": ("<p>  many \n\t spaces   here </p>", "many spaces here",
                            "many spaces here"),
    "entities decoded": ("<p>Tom &amp; Jerry &lt;3 &eacute;t&eacute; &#x4E2D;</p>",
                         "Tom & Jerry <3 été 中", "Tom & Jerry <3 été 中"),
    "plain text with entities": ("Tom &amp; Jerry", "Tom & Jerry", "Tom & Jerry"),
    "script, style, template dropped": (
        "<p>Kept</p><script>var x = 1;</script><style>p { color: red }</style>"
        "<template><p>hidden</p></template><p>also kept</p>",
        "Kept\n\nalso kept", "Kept also kept"),
    "comments dropped": ("<p>a<!-- secret -->b</p>", "ab", "ab"),
    "images as markers, not inline": ('<p>See <img src="a.png" alt="a cat"> here</p>',
                                      "See [image: a cat] here", "See here"),
    "inline words stay together": ("<p>It <b>is</b> <i>one</i> line</p>", "It is one line",
                                   "It is one line"),
    "bidi override removed inline": ("<p>abc\u202edef</p>", "abc\u202edef", "abcdef"),
    "empty": ("", "", ""),
    "only markup": ("<p> </p><div></div>", "", ""),
    "broken markup": ("<p>unclosed <b>bold <i>it", "unclosed bold it", "unclosed bold it"),
    "lone angle bracket": ("<", "<", "<"),
}


@pytest.mark.parametrize(("html", "lines", "inline"), CASES.values(), ids=CASES.keys())
def test_html_to_text(html: str, lines: str, inline: str) -> None:
    assert html_to_text(html) == lines
    assert html_to_text(html, inline=True) == inline


def test_deep_nesting_keeps_its_text() -> None:
    deep = "<div>" * 1500 + "<p>deep text</p>" + "</div>" * 1500
    assert html_to_text(deep) == "deep text"
    deeper = "<div>" * 20000 + "<p>deeper text</p>"
    assert html_to_text(bound_depth(deeper).html, inline=True) == "deeper text"


def test_clean_text_is_one_plain_line() -> None:
    assert clean_text("  a\n\tb\x00c\u200b ") == "a bc"
    assert clean_text(None) == ""


def test_an_untitled_entry_is_titled_by_its_visible_text(site: LocalSite, tmp_path: Path) -> None:
    body = ("<style>p{}</style><p>First paragraph.</p><p>Second&nbsp;one &amp; more</p>"
            "<script>track()</script>")
    url = site.write("f.xml", rss_feed([{"guid": "g1", "description": body}]))
    result = feedvault("crawl", "--config", write_config(tmp_path, [{"name": "t", "url": url}]))
    assert result.returncode == 0, result.stdout + result.stderr
    [path] = archive_files(tmp_path / "posts")
    assert frontmatter.load(path)["title"] == "First paragraph. Second one & more"
