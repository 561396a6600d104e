"""URLs written into front matter and bodies: nothing a theme prints can break out of them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import frontmatter
import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import html as lxml_html

from archive import Archive, Article, get_preset, safe_url
from archive.verify import verify
from pipelines._body import BodyCleaner
from pipelines._images import Proxy
from pipelines._urls import parse_srcset, scheme_of
from tests.conftest import LocalSite, archive_files, feedvault, rss_feed, write_config

UNSAFE = set("\"'<>\\`{} \x7f\u2028\u2029") | {chr(c) for c in range(0x20)} | {
    chr(c) for c in range(0x80, 0xA0)}
HOSTILE = 'https://evil.example/a.jpg" onerror="alert(1)\'><script>alert(2)</script>{{x}}'

# RFC 3986 characters but `'` (which safe_url encodes), valid percent-escapes, and letters
# beyond ASCII (IRIs stay as they are)
_VALID_CHARS = st.sampled_from(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!$&()*+,;="
    "中文例えéß")
_ESCAPES = st.builds(lambda a, b: f"%{a}{b}", st.sampled_from("0123456789ABCDEFabcdef"),
                     st.sampled_from("0123456789ABCDEFabcdef"))
VALID = st.builds(lambda scheme, rest: f"{scheme}://{rest}", st.sampled_from(["http", "https"]),
                  st.lists(_VALID_CHARS | _ESCAPES, max_size=40).map("".join))


@given(st.text())
def test_no_string_keeps_a_character_that_breaks_out(url: str) -> None:
    safe = safe_url(url)
    assert not UNSAFE & set(safe)
    assert not any(0xD800 <= ord(c) < 0xE000 for c in safe)
    assert safe_url(safe) == safe  # never encoded twice


@given(VALID)
def test_valid_urls_stay_byte_for_byte(url: str) -> None:
    assert safe_url(url) == url


def test_unsafe_characters_become_percent_escapes() -> None:
    assert safe_url(' http://a.example/x y"z\'<b>{c}`\\\u2028\x85 \n') == (
        "http://a.example/x%20y%22z%27%3Cb%3E%7Bc%7D%60%5C%E2%80%A8%C2%85")


def _theme(url: str) -> list[dict[str, str]]:
    """What a theme that prints the key into an attribute unescaped renders."""
    page = lxml_html.fromstring(f'<div><img src="{url}"><img src=\'{url}\'><img src={url}></div>')
    return [dict(img.attrib) for img in page.iter("img")] + [
        {"script": "yes"} for _ in page.iter("script")]


@pytest.mark.parametrize("preset", ["hexo", "hugo", "jekyll"])
def test_front_matter_urls_cannot_break_out_of_a_theme_attribute(tmp_path: Path,
                                                                  preset: str) -> None:
    article = Article(source="s", title="t", body="<p>b</p>", date=datetime(2024, 1, 2, tzinfo=UTC),
                      cover=HOSTILE, original_url=HOSTILE.replace("a.jpg", "post"), guid="g")
    with Archive(tmp_path, preset) as archive:
        path = archive.put(article).path
        meta = frontmatter.load(tmp_path / path).metadata
        assert verify(archive).clean  # the file holds what the ledger recorded
    keys = {"hexo": ["headimg", "thumbnail"], "hugo": ["images"], "jekyll": ["image"]}[preset]
    for value in [meta["original_url"], *(meta[k] for k in keys)]:
        url = value[0] if isinstance(value, list) else value
        assert url.startswith("https://evil.example/") and not UNSAFE & set(url)
        assert _theme(url) == [{"src": url}] * 3


def test_valid_front_matter_urls_are_written_as_given(tmp_path: Path) -> None:
    cover = "https://proxy.example/?url=http%3A%2F%2Fi.example%2Fa.jpg&w=1|2"
    link = "http://www.woshipm.com/it/中文-4477608.html?a=1&b=%E4%B8%AD#top"
    article = Article(source="s", title="t", body="b", date=datetime(2024, 1, 2, tzinfo=UTC),
                      cover=cover, original_url=link)
    with Archive(tmp_path) as archive:
        loaded = archive.load(archive.put(article).path)
    assert (loaded.cover, loaded.original_url) == (cover, link)
    assert get_preset("hexo").front_matter(article)["headimg"] == cover


def test_body_image_urls_are_percent_encoded() -> None:
    body = BodyCleaner(proxy=Proxy(None)).clean(
        '<p><img src="/a b/c&quot;d\'e<f>.jpg"><img srcset="/x`y.jpg 2x"></p>',
        "http://news.example.com/2024/story.html")
    assert 'src="http://news.example.com/a%20b/c%22d%27e%3Cf%3E.jpg"' in body.html
    assert 'src="http://news.example.com/x%60y.jpg"' in body.html
    assert body.cover == "http://news.example.com/a%20b/c%22d%27e%3Cf%3E.jpg"


def test_a_crawled_hostile_link_and_image_are_written_safely(site: LocalSite,
                                                            tmp_path: Path) -> None:
    image = 'https://img.example/a.jpg?x="><script>alert(1)</script>'
    item = {"title": "One", "link": 'https://news.example/1?q="onmouseover=alert(1) x=\'',
            "guid": "1", "description": f"<p>one<img src='{image}'></p>"}
    feed = site.write("feed.xml", rss_feed([item]))
    result = feedvault("crawl", "--config", write_config(tmp_path, [{"name": "t", "url": feed}]))
    assert result.returncode == 0, result.stdout + result.stderr
    [post] = archive_files(tmp_path / "posts")
    meta = frontmatter.load(post).metadata
    assert meta["original_url"] == "https://news.example/1?q=%22onmouseover=alert(1)%20x=%27"
    assert meta["headimg"] == meta["thumbnail"] == (
        "https://img.example/a.jpg?x=%22%3E%3Cscript%3Ealert(1)%3C/script%3E")
    assert f'src="{meta["headimg"]}"' in frontmatter.load(post).content


_ASCII_WHITESPACE = "\t\n\f\r "


def _srcset_by_the_standard(value: str) -> list[tuple[str, str]]:
    """The HTML standard's "parse a srcset attribute" (WHATWG HTML 4.8.4.3.10), step by step
    and character by character, up to the descriptor parser (what parse_srcset must give:
    each candidate's URL and its descriptor tokens joined by one space)."""
    candidates: list[tuple[str, str]] = []
    position, end = 0, len(value)
    while True:
        # splitting loop: collect ASCII whitespace and commas
        while position < end and (value[position] in _ASCII_WHITESPACE or value[position] == ","):
            position += 1
        if position >= end:
            return candidates
        start = position  # collect code points that are not ASCII whitespace: the URL
        while position < end and value[position] not in _ASCII_WHITESPACE:
            position += 1
        url = value[start:position]
        descriptors: list[str] = []
        if url.endswith(","):
            url = url.rstrip(",")
        else:  # the descriptor tokenizer
            while position < end and value[position] in _ASCII_WHITESPACE:
                position += 1
            current, state = "", "in descriptor"
            while True:
                c = value[position] if position < end else None  # None: EOF
                if state == "in descriptor":
                    if c is not None and c in _ASCII_WHITESPACE:
                        if current:
                            descriptors.append(current)
                            current = ""
                        state = "after descriptor"
                    elif c == ",":
                        position += 1
                        if current:
                            descriptors.append(current)
                        break
                    elif c == "(":
                        current += c
                        state = "in parens"
                    elif c is None:
                        if current:
                            descriptors.append(current)
                        break
                    else:
                        current += c
                elif state == "in parens":
                    if c == ")":
                        current += c
                        state = "in descriptor"
                    elif c is None:
                        descriptors.append(current)
                        break
                    else:
                        current += c
                else:  # after descriptor
                    if c is None:
                        break
                    if c not in _ASCII_WHITESPACE:
                        state = "in descriptor"
                        position -= 1
                position += 1
        candidates.append((url, " ".join(descriptors)))


@given(st.text(alphabet=st.sampled_from("ab/:.,() \t\n\f\r\xa0\u3000\x1c1wx5"), max_size=40))
def test_srcset_is_split_as_the_standard_splits_it(value: str) -> None:
    assert parse_srcset(value) == _srcset_by_the_standard(value)


@pytest.mark.parametrize(("value", "expected"), [
    ("a.jpg 1x, b,c.jpg 2x", [("a.jpg", "1x"), ("b,c.jpg", "2x")]),
    ("a.jpg 1x,b.jpg 2x", [("a.jpg", "1x"), ("b.jpg", "2x")]),
    ("a.jpg, b.jpg 640w", [("a.jpg", ""), ("b.jpg", "640w")]),
    ("a.jpg (x, y) 1x, b.jpg", [("a.jpg", "(x, y) 1x"), ("b.jpg", "")]),
    ("a.jpg 1x), b.jpg 2x", [("a.jpg", "1x)"), ("b.jpg", "2x")]),  # ")" outside parentheses
    ("a.jpg ((1x), b.jpg 2x", [("a.jpg", "((1x)"), ("b.jpg", "2x")]),  # one level only
    ("a.jpg (1x, b.jpg 2x", [("a.jpg", "(1x, b.jpg 2x")]),  # open to the end
    # only ASCII whitespace separates: an ideographic space is part of the URL
    ("a.jpg\u3000640w", [("a.jpg\u3000640w", "")]),
    ("a.jpg\f640w", [("a.jpg", "640w")]),
    (" , ,", []),
])
def test_srcset_candidates(value: str, expected: list[tuple[str, str]]) -> None:
    assert parse_srcset(value) == expected


@given(st.text(alphabet=st.sampled_from("hHtTpPsS:/a1+\t\n \x00.-"), max_size=12))
def test_the_scheme_is_read_as_a_browser_reads_it(url: str) -> None:
    stripped = re.sub(r"[\t\n\r]", "", url).strip("".join(chr(c) for c in range(0x21)))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", stripped)
    assert scheme_of(url) == (match.group(1).lower() if match else None)


@pytest.mark.parametrize("srcset", [
    "https://img.example/a.jpg 1x), http://10.0.0.1/track.png 2x",
    "https://img.example/a.jpg ((1x), http://10.0.0.1/track.png 2x",
])
def test_a_private_address_image_cannot_hide_after_a_stray_parenthesis(srcset: str) -> None:
    # A browser splits this srcset at the comma and would load the second image: it is
    # dropped as it would be on its own.
    html = f'<p>text<img src="https://img.example/a.jpg" srcset="{srcset}"></p>'
    assert "10.0.0.1" not in BodyCleaner().clean(html, "https://blog.example.org/post.html").html


def test_every_srcset_candidate_a_browser_sees_goes_through_the_image_proxy() -> None:
    html = ('<p>text<img src="https://img.example/a.jpg" '
            'srcset="https://img.example/a.jpg 1x), https://track.example/t.png 2x"></p>')
    body = BodyCleaner(proxy=Proxy("https://proxy.example/?u={url}", "all")).clean(
        html, "https://blog.example.org/post.html")
    srcset = lxml_html.fromstring(body.html).find(".//img").get("srcset")
    urls = [url for url, _ in parse_srcset(srcset)]
    assert len(urls) == 2 and all(u.startswith("https://proxy.example/?u=") for u in urls)
