"""Page furniture and links: widgets out, content kept, links absolute and tracker-free."""

from __future__ import annotations

from pathlib import Path

import feedparser
import pytest
from lxml import html as lxml_html

from archive import ConfigError
from crawler.config import config_from_settings, parse_config
from pipelines._body import BodyCleaner
from pipelines._furniture import WRAPPERS, Furniture, _empty, maybe_empty
from pipelines._images import Proxy
from tests.conftest import EXAMPLES

ARTICLE = "https://blog.example.org/2024/01/post.html"


def clean(html: str, **kwargs: object) -> str:
    return BodyCleaner(**kwargs).clean(html, ARTICLE).html  # type: ignore[arg-type]


@pytest.mark.parametrize("widget", [
    '<div class="support-author"><div class="support-title">给作者打赏</div>'
    '<button>赞赏</button></div>',
    '<div class="share-buttons"><a href="https://twitter.com/share">Tweet</a></div>',
    '<div class="sharedaddy sd-sharing-enabled"><h3>Share this:</h3></div>',
    '<div class="bdsharebuttonbox"><a class="bds_weixin">微信</a></div>',
    '<div class="post-reward"><p>打赏</p></div>',
    '<div class="newsletter-signup"><p>Subscribe to our newsletter</p></div>',
    '<section id="comments"><h2>3 comments</h2><p>Nice post!</p></section>',
    '<div class="jp-relatedposts"><h3>Related</h3><p>Other post</p></div>',
    '<ins class="adsbygoogle" data-ad-slot="1"></ins>',
    '<div class="ad-container"><p>Buy now</p></div>',
    '<div class="feedflare"><a href="http://feeds.feedburner.com/~ff/x">Share</a></div>',
    '<img src="http://feeds.feedburner.com/~r/blog/~4/abc" height="1" width="1">',
    '<img src="https://pixel.wp.com/b.gif?host=x" alt="">',
    '<div><span></span><p> </p><p><br></p></div>',
])
def test_builtin_furniture_is_removed(widget: str) -> None:
    assert clean(f"<p>Real paragraph.</p>{widget}<p>Last one.</p>") == (
        "<p>Real paragraph.</p><p>Last one.</p>")


@pytest.mark.parametrize("content", [
    '<pre><code><span class="comment"># a comment in code</span></code></pre>',
    '<p class="share">To share is to care: a paragraph about sharing.</p>',
    '<div class="tip"><p>Tip: press Ctrl+C.</p></div>',
    '<div class="related-work-section-text"><p>Related work in the field.</p></div>',
    '<table><tr><td></td><td>cell</td></tr></table>',
    '<p>a<img src="https://cdn.example.org/photo.jpg" alt="photo">b</p>',
])
def test_content_that_looks_like_furniture_stays(content: str) -> None:
    out = clean(content)
    words = lxml_html.fragment_fromstring(content, create_parent="div").text_content().split()
    assert lxml_html.fragment_fromstring(out, create_parent="div").text_content().split() == words
    assert out.count("<img") == content.count("<img")


def test_a_wrapper_whose_class_mentions_share_is_not_the_widget() -> None:
    body = '<div class="entry has-share">' + "<p>Long article text.</p>" * 30 + "</div>"
    assert clean(body).count("Long article text.") == 30


def test_source_remove_and_keep() -> None:
    body = ('<p>Intro</p><div class="promo">Sale!</div><div class="share-box">Share '
            '<a href="https://example.org">this</a></div><aside class="note">Aside</aside>')
    furniture = Furniture(remove=[".promo", "aside"], keep=[".share-box"])
    assert clean(body, furniture=furniture) == (
        '<p>Intro</p><div>Share <a href="https://example.org" rel="noopener noreferrer">this'
        '</a></div>')
    assert "Share" not in clean(body)  # without keep, the built-in rule removes it


def test_seed_body_keeps_its_content_and_loses_the_tip_widget() -> None:
    feed = feedparser.parse((EXAMPLES / "feeds" / "woshipm.xml").read_bytes(),
                            sanitize_html=False, resolve_relative_uris=False)
    entry = feed.entries[0]
    raw = lxml_html.fragment_fromstring(entry.description, create_parent="div")
    proxy = Proxy("https://cors.zfour.workers.dev/?{url}", "http")
    body = BodyCleaner(proxy=proxy).clean(entry.description, entry.link)
    out = lxml_html.fragment_fromstring(body.html, create_parent="div")
    headings = [(h.tag, h.get("id"), h.text_content()) for h in raw.iter("h2", "h3")]
    assert [(h.tag, h.get("id"), h.text_content()) for h in out.iter("h2", "h3")] == headings
    assert len(headings) >= 5 and headings[0][1] == "toc-1"
    def paragraphs(root: lxml_html.HtmlElement) -> list[str]:
        return [p.text_content() for p in root.iter("p") if p.text_content().strip()]
    assert paragraphs(out) == paragraphs(raw) and len(paragraphs(raw)) > 40
    assert len(list(out.iter("blockquote"))) == 1
    images = list(out.iter("img"))
    assert images and all(i.get("src").startswith("https://cors.zfour.workers.dev/?http://image.")
                          and i.get("referrerpolicy") == "no-referrer" for i in images)
    assert body.cover == images[0].get("src")
    for gone in ("support-author", "<svg", "<button", "赞赏", "class="):
        assert gone not in body.html


@pytest.mark.parametrize("href, expected", [
    ("/about", "https://blog.example.org/about"),
    ("other.html?utm_source=rss&utm_medium=feed&id=7", "https://blog.example.org/2024/01/other.html?id=7"),
    ("https://news.example.com/a?fbclid=XYZ&gclid=1&spm=a.b.c&q=x%20y#top",
     "https://news.example.com/a?q=x%20y#top"),
    ("https://news.example.com/a?utm_campaign=x", "https://news.example.com/a"),
    ("#section-2", "#section-2"),
    ("mailto:editor@example.org", "mailto:editor@example.org"),
    ("javascript:alert(1)", None),
    ("  JaVaScRiPt:alert(1)", None),
    ("vbscript:msgbox", None),
    ("data:text/html,<script>alert(1)</script>", None),
    ("file:///etc/passwd", None),
    ("ftp://example.org/file", None),
    ("tel:+123", None),
])
def test_links_are_absolute_tracker_free_and_web_only(href: str, expected: str | None) -> None:
    out = lxml_html.fragment_fromstring(clean(f'<p><a href="{href}">x</a></p>'))
    link = next(out.iter("a"))
    assert link.get("href") == expected


def test_rel_only_on_external_links_and_base_href() -> None:
    out = clean('<p><a href="/in" rel="nofollow">in</a> <a href="https://other.org/">out</a></p>')
    assert out == ('<p><a href="https://blog.example.org/in">in</a> '
                   '<a href="https://other.org/" rel="noopener noreferrer">out</a></p>')
    based = clean('<base href="https://cdn.example.net/root/"><p><a href="page">p</a>'
                  '<img src="pic.png" alt="p"></p>')
    assert 'href="https://cdn.example.net/root/page"' in based
    assert 'src="https://cdn.example.net/root/pic.png"' in based


def _config(tmp_path: Path, text: str) -> str:
    path = tmp_path / "feedvault.toml"
    path.write_text('[archive]\npath = "posts"\n' + text, encoding="utf-8")
    try:
        parse_config(path.read_text(encoding="utf-8"), path)
    except ConfigError as exc:
        return str(exc)
    return ""


@pytest.mark.parametrize("text, where", [
    ("[clean]\nkeep_class = \"yes\"\n", ":5: clean.keep_class"),
    ("[clean]\niframe_hosts = [\"https://www.youtube.com/\"]\n", ":5: clean.iframe_hosts"),
    ("[clean]\nstrip = true\n", ":5: clean.strip"),
    ("[[sources]]\nname = \"a\"\nurl = \"https://a.example/feed\"\nkeep = [\"p[\"]\n",
     ":7: sources[0].keep"),
])
def test_clean_settings_are_validated_with_file_line_and_key(tmp_path: Path, text: str,
                                                              where: str) -> None:
    assert where in _config(tmp_path, "\n" + text)


def test_clean_settings_are_read(tmp_path: Path) -> None:
    path = tmp_path / "feedvault.toml"
    path.write_text('[archive]\npath = "posts"\n[clean]\nkeep_class = true\n'
                    'iframe_hosts = ["www.youtube.com", "*.Bilibili.com"]\n', encoding="utf-8")
    config = parse_config(path.read_text(encoding="utf-8"), path)
    assert config.clean.keep_class is True
    assert config.clean.iframe_hosts == ("www.youtube.com", "*.bilibili.com")


def test_a_sources_selectors_are_compiled_once_for_all_its_articles(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.items import ArticleItem
    from pipelines import _furniture
    from pipelines.clean import CleanPipeline

    compiled: list[str] = []
    config = parse_config(
        '[archive]\npath = "posts"\n[[sources]]\nname = "s"\nurl = "http://example.invalid/f"\n'
        'remove = [".promo"]\nkeep = [".keep"]\n', tmp_path / "feedvault.toml")
    original = _furniture.CSSSelector
    monkeypatch.setattr(_furniture, "CSSSelector",
                        lambda s, **kw: compiled.append(s) or original(s, **kw))
    pipeline = CleanPipeline.from_config(config)
    for n in range(20):
        item = pipeline.process_item(ArticleItem(
            source="s", feed_url="http://example.invalid/f", title="t",
            content=f'<p>Article {n}</p><div class="promo">Buy</div>',
            link=f"http://example.invalid/{n}"))
        assert "Buy" not in item.content and f"Article {n}" in item.content
    assert sorted(compiled) == [".keep", ".promo"]  # once for the source, not per article


def test_the_normalize_and_clean_steps_look_sources_up_in_the_configs_map(
        tmp_path: Path) -> None:
    from scrapy.utils.test import get_crawler

    from pipelines.clean import CleanPipeline
    from pipelines.normalize import NormalizePipeline

    config = parse_config('[archive]\npath = "posts"\n[[sources]]\nname = "s"\n'
                          'url = "http://example.invalid/f"\n', tmp_path / "feedvault.toml")
    crawler = get_crawler(settings_dict={"FEEDVAULT_CONFIG": config})
    crawled = config_from_settings(crawler.settings)  # Scrapy copies the settings it is given
    # the map built once per Config, not a copy per component
    assert NormalizePipeline.from_crawler(crawler).sources is crawled.by_name
    cleaners = CleanPipeline.from_crawler(crawler).cleaners
    assert cleaners._sources is crawled.by_name  # type: ignore[attr-defined]


@pytest.mark.parametrize("junk", ["\x00", "\x01", "\x0b", "\x1f", "\ufffe", "\uffff", "\ud800",
                                  "\udfff"])
@pytest.mark.parametrize("text", ["plain ascii", "中文正文", "café"])
def test_characters_lxml_cannot_hold_are_dropped_from_any_text(junk: str, text: str) -> None:
    html = f"<p>{text[:2]}{junk}{text[2:]}</p>"
    assert BodyCleaner().clean(html, "http://example.com/a").html == f"<p>{text}</p>"


@pytest.mark.parametrize(("html", "expected"), [
    ("<ul><li>a</li><li></li></ul>", "<ul><li>a</li></ul>"),
    ("<ul><li></li><li>b</li></ul>", "<ul><li>b</li></ul>"),  # lxml writes this <li> without </li>
    ("<ul><li></li></ul><p>x</p>", "<p>x</p>"),
    ("<p>中文</p><p>\u3000<br> </p><div><span>\xa0</span></div>", "<p>中文</p>"),
    ('<p title="a>b"> </p><p>x</p>', "<p>x</p>"),
    ('<p>x</p><div> <div class="share"><a href="/s">share</a></div></div>', "<p>x</p>"),
])
def test_wrappers_left_empty_are_dropped(html: str, expected: str) -> None:
    assert BodyCleaner().clean(html, "http://example.com/a").html == expected


def test_svg_names_mathml_and_base_are_found_in_any_case() -> None:
    html = ('<BASE HREF="http://other.example/dir/"><TEXT>kept</TEXT> <MATH><MI>x</MI></MATH>'
            '<a href="page">link</a>')
    body = BodyCleaner().clean(html, "http://example.com/a").html
    assert "kept" in body and " x " in body
    assert 'href="http://other.example/dir/page"' in body


@pytest.mark.parametrize("tag", sorted(WRAPPERS))
@pytest.mark.parametrize("inside", ["", " \n\u3000\xa0", "<br>", ' <br class="a>b"> <br>'])
def test_an_empty_wrapper_is_seen_in_lxmls_serialization(tag: str, inside: str) -> None:
    # maybe_empty decides from lxml's serialization whether drop_empty walks the tree:
    # every empty wrapper lxml writes, whatever its attributes, must be seen there
    root = lxml_html.fromstring(f'<div>lead <{tag} title="x>y<z">{inside}</{tag}>tail</div>')
    element = next(e for e in root.iter(tag) if e is not root)
    assert _empty(element)
    assert maybe_empty(lxml_html.tostring(root, encoding="unicode"))
