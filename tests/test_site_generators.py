"""Real clients: archives crawled by the real CLI build with real Hexo 8, Hugo and Jekyll.

For every article the generator must report no error and make a page with the
article's title, date and cover; HTML bodies must come out with the same text
and elements (nothing read as Markdown or as a template tag), Markdown bodies
with every image, link and template-looking text of the article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import lxml.html
import pytest

from archive import HIDDEN, Archive
from tests._generators import SITES, Build, build
from tests.conftest import EXAMPLES, feedvault, rss_feed, toml_value

# Text that template engines or Markdown would eat, each in a text node of its own.
MARKERS = [
    "Mustache {{ site.title }} here",
    "tag {% if x %}yes{% endif %} here",
    "comment {# note #} here",
    "close {% endraw %} here",
    "shortcodes {{< sc >}} and {{% sc %}} here",
    "Text with *stars* and _underscores_ and __double__ here",
    "1. not a list",
    "# not a heading",
]
INDENTED = "A paragraph\n    with a four-space indented line\n        and an eight-space one"

HOSTILE_ITEMS = [
    {
        "title": "{{ title }} {% raw %} {# c #} 模板",
        "body": "".join(f"<p>{m}</p>\n\n" for m in MARKERS[:5])
        + "<p>Inline <code>{{ page.url }}</code> and <code>{% raw %}</code></p>\n"
        "<p>Shortcodes in code: <code>{{< sc >}}</code> and <code>{{% sc %}}</code></p>\n"
        "<pre><code>{% raw %}\n{{ x }}\n\n{% endraw %}\n```js\nvar y = 1;\n```\n"
        "{{< pre >}}{{% pre %}}\n</code></pre>",
    },
    {
        "title": "Colon: 'single' \"double\" # hash --- dashes ../../etc/passwd",
        "body": "".join(f"<p>{m}</p>\n\n" for m in MARKERS[5:])
        + f"<p>{INDENTED}</p>\n\n<p>line one<br>line two</p>\n"
        "<blockquote><p>quoted</p>\n\n    indented after a blank line</blockquote>\n"
        "<div><pre>pre line\n\n    indented pre *not em* _nor this_</pre></div>\n"
        '<p><img src="http://img.example/cover.png" alt="cover" width="640" height="320"></p>',
    },
    {
        "title": "产业互联网" * 20,
        "body": "<h2 id=\"toc-1\">一、标题</h2>\n<p>中文段落，“引号”与（括号）。</p>\n"
        '<p><a href="https://example.org/a?b=1">链接</a></p>\n'
        "<table><tr><th>列</th><th>值</th></tr><tr><td>甲</td><td>1</td></tr></table>",
    },
    {"title": "---", "body": "<p>A title that is a YAML document marker.</p>"},
]

SITE_FILES = {"_layouts", "public"}  # inside the Jekyll archive root, not articles
CASES = [("hexo", "html", "yaml"), ("hexo", "markdown", "yaml"),
         ("hugo", "html", "yaml"), ("hugo", "markdown", "toml"),
         ("jekyll", "html", "yaml"), ("jekyll", "markdown", "yaml")]


def _cases(body: str | None = None) -> pytest.MarkDecorator:
    """Parametrize the module-scoped `built` fixture: each case is crawled and built once."""
    chosen = [c for c in CASES if body in (None, c[1])]
    return pytest.mark.parametrize("built", chosen, ids=["-".join(c) for c in chosen],
                                   indirect=True)


def _feed(tmp_path: Path) -> Path:
    items = [
        {"title": item["title"], "link": f"http://example.invalid/{n}", "guid": f"urn:h:{n}",
         "pubDate": f"Mon, 0{n + 1} Jan 2024 10:00:00 +0800", "description": item["body"]}
        for n, item in enumerate(HOSTILE_ITEMS)
    ]
    path = tmp_path / "hostile.xml"
    path.write_text(rss_feed(items), encoding="utf-8")
    return path


def _crawl(tmp_path: Path, root: Path, preset: str, body: str, syntax: str) -> None:
    config = tmp_path / "feedvault.toml"
    config.write_text("\n".join([
        "[archive]", f"path = {toml_value(str(root))}", f'preset = "{preset}"',
        f'body = "{body}"', f'front_matter_format = "{syntax}"',
        "[archive.front_matter]", "comments = false",
        "[images]", 'proxy = "https://cors.zfour.workers.dev/?{url}"', 'proxy_scope = "http"',
        "[[sources]]", 'name = "woshipm"',
        f"url = {toml_value((EXAMPLES / 'feeds' / 'woshipm.xml').as_uri())}",
        'categories = ["新媒体", "人人都是产品经理", "最新文章"]', 'remove = [".support-author"]',
        "[[sources]]", 'name = "hostile"', f"url = {toml_value(_feed(tmp_path).as_uri())}",
        'categories = ["Test: \'quoted\'"]', "",
    ]), encoding="utf-8")
    result = feedvault("crawl", "--config", config)
    assert result.returncode == 0, result.stdout + result.stderr


def _fragment(html: str) -> lxml.html.HtmlElement:
    return lxml.html.fragment_fromstring(html, create_parent="div")


def _words(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class Built:
    preset: str
    body: str
    syntax: str
    root: Path  # the archive root inside the site
    result: Build

    def archive(self) -> Archive:
        return Archive(self.root, self.preset, body=self.body, front_matter_format=self.syntax)


@pytest.fixture(scope="module")
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    preset, body, syntax = request.param
    tmp_path = tmp_path_factory.mktemp("-".join(request.param))
    site = tmp_path / "site"
    site.mkdir()
    root = SITES[preset](site)
    _crawl(tmp_path, root, preset, body, syntax)
    return Built(preset, body, syntax, root, build(site, preset, root))


@_cases()
def test_every_article_has_a_page_with_its_title_date_and_cover(built: Built) -> None:
    root, result = built.root, built.result
    with built.archive() as archive:
        files = sorted(p.relative_to(root).as_posix()
                       for p in root.rglob(f"*{archive.preset.extension}")
                       if HIDDEN not in p.parts and p.relative_to(root).parts[0] not in SITE_FILES)
        assert len(files) == 1 + len(HOSTILE_ITEMS)
        assert set(result.pages) == set(files), result.output
        titles = set()
        for path in files:
            article, page = archive.load(path), result.pages[path]
            titles.add(page.title)
            assert page.title == article.title
            assert page.date == article.date
            assert page.cover == article.cover
    assert titles >= {item["title"] for item in HOSTILE_ITEMS} | {"产业互联网下的B端市场再认识"}


@_cases()
def test_seed_article_builds_with_its_cover_images_and_headings(built: Built) -> None:
    result = built.result
    [path] = [p for p in result.pages if "woshipm/" in p]
    page = result.pages[path]
    proxied = "https://cors.zfour.workers.dev/?http://image.woshipm.com/wp-files/2021/04/"
    assert page.cover and page.cover.startswith(proxied)
    images = [img.get("src") for img in page.body.iter("img")]
    assert images and all(src.startswith(proxied) for src in images)
    assert page.cover == images[0]
    headings = [h.text_content() for h in page.body.iter("h2")]
    assert len(headings) >= 3 and all(headings)
    assert "编辑导语" in page.body.text_content()
    assert not list(page.body.iter("svg", "button"))


@_cases()
def test_template_and_markdown_syntax_in_bodies_comes_out_as_text(built: Built) -> None:
    result = built.result
    text = "".join(_words(p.body.text_content()) + "\n" for p in result.pages.values())
    markers = MARKERS
    if (built.preset, built.body) == ("hugo", "markdown"):
        markers = [m for m in MARKERS if "{{<" not in m]  # checked below, outside code
    for marker in markers:
        assert _words(marker) in text, marker
    assert "shortcodes {{< sc >}} and {{% sc %}} here" in text
    assert "line one" in text and "\\" not in text  # a <br> leaves no stray backslash
    hostile = next(p for p in result.pages.values() if "{{ title }}" in p.title)
    codes = [c.text_content() for c in hostile.body.iter("code")]
    assert "{{ page.url }}" in codes and "{% raw %}" in codes
    assert "{{< sc >}}" in codes and "{{% sc %}}" in codes  # Hugo reads these even in code
    assert any("```\n{{< pre >}}{{% pre %}}" in c for c in codes), codes
    assert any("{{ x }}\n\n{% endraw %}\n```js\nvar y = 1;\n```" in c for c in codes), codes


@_cases("html")
def test_html_bodies_are_not_read_as_markdown(built: Built) -> None:
    result = built.result
    with built.archive() as archive:
        for path, page in result.pages.items():
            stored = _fragment(archive.load(path).body)
            tags = [e.tag for e in page.body.iter()][1:]
            if built.preset == "hexo":
                assert tags[0] == "div", "the Hexo preset wraps the body in one <div>"
                tags = tags[1:]
            assert tags == [e.tag for e in stored.iter()][1:], path
            assert page.body.text_content().strip() == stored.text_content().strip(), path
    hostile = next(p for p in result.pages.values() if p.title.startswith("Colon:"))
    assert INDENTED in hostile.body.text_content()
    assert "pre line\n\n    indented pre *not em* _nor this_" in hostile.body.text_content()
    assert not list(hostile.body.iter("em", "strong", "ol", "h1"))


@_cases("markdown")
def test_markdown_bodies_keep_every_image_and_link(built: Built) -> None:
    result = built.result
    with built.archive() as archive:
        for path, page in result.pages.items():
            stored = archive.load(path).body
            images = re.findall(r"!\[[^\]]*\]\((\S+?)\)", stored)
            assert [i.get("src") for i in page.body.iter("img")] == images, path
            links = re.findall(r"(?<!!)\[[^\]]*\]\((\S+?)\)", stored)
            hrefs = [a.get("href") for a in page.body.iter("a")]
            # Hexo's marked adds an anchor link to every heading
            assert [h for h in hrefs if not h.startswith("#")] == links, path
    tables = [t for p in result.pages.values() for t in p.body.iter("table")]
    assert tables and "甲" in tables[0].text_content()
    # a quote right after a paragraph: kramdown (Jekyll) needs the blank line before it
    quotes = [q.text_content() for p in result.pages.values() for q in p.body.iter("blockquote")]
    assert any("quoted" in q for q in quotes), quotes
