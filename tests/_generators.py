"""Minimal real Hexo, Hugo and Jekyll sites around an archive, built by the real programs.

Each site's only layout prints, per article, the source file it came from, the
title, the date, the cover and the body in marked elements, so a test can
match every archive file to its page. Hexo's node packages are installed once
into `tests/.node/` (gitignored; `.ci/run` fills it first).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import lxml.html
import pytest

NODE_DIR = Path(__file__).resolve().parent / ".node"
HEXO_PACKAGES = ("hexo@8", "hexo-renderer-marked@7", "hexo-renderer-ejs@2")

HEXO_LAYOUT = """\
<article data-source="<%= page.source %>">
<h1 class="fv-title"><%= page.title %></h1>
<time class="fv-date"><%= page.date.toISOString() %></time>
<% if (page.headimg) { %><img class="fv-cover" src="<%= page.headimg %>"><% } %>
<div class="fv-body"><%- page.content %></div>
</article>
"""

HUGO_SINGLE = """\
<article data-source="{{ .File.Path }}">
<h1 class="fv-title">{{ .Title }}</h1>
<time class="fv-date">{{ .Date.Format "2006-01-02T15:04:05Z07:00" }}</time>
{{ with .Params.images }}<img class="fv-cover" src="{{ index . 0 }}">{{ end }}
<div class="fv-body">{{ .Content }}</div>
</article>
"""

JEKYLL_POST = """\
<article data-source="{{ page.path }}">
<h1 class="fv-title">{{ page.title | escape }}</h1>
<time class="fv-date">{{ page.date | date_to_xmlschema }}</time>
{% if page.image %}<img class="fv-cover" src="{{ page.image }}">{% endif %}
<div class="fv-body">{{ content }}</div>
</article>
"""


@dataclass(frozen=True)
class Page:
    """What the generator made of one article."""

    source: str
    title: str
    date: datetime
    cover: str | None
    body: lxml.html.HtmlElement


@dataclass(frozen=True)
class Build:
    output: str
    pages: dict[str, Page]  # by archive-relative source path


def hexo_modules() -> Path:
    """tests/.node/node_modules with Hexo 8; installed here if `.ci/run` did not (needs npm)."""
    if shutil.which("node") is None:
        pytest.skip("node is not installed: the real Hexo build needs Node.js >= 20.19 "
                    "(https://nodejs.org, or Debian's nodejs and npm)")
    modules = NODE_DIR / "node_modules"
    if not all((modules / p.rsplit("@", 1)[0] / "package.json").is_file() for p in HEXO_PACKAGES):
        npm = shutil.which("npm")
        assert npm, "node is installed but npm is not: cannot install Hexo into tests/.node"
        NODE_DIR.mkdir(exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(NODE_DIR), "--no-audit", "--no-fund",
                        "--loglevel=error", *HEXO_PACKAGES], check=True, timeout=600)
    return modules


def hexo_site(folder: Path) -> Path:
    """A Hexo site in folder; returns the archive root to use (its `source/_posts`)."""
    modules = hexo_modules()
    versions = {p.rsplit("@", 1)[0]: "*" for p in HEXO_PACKAGES}
    (folder / "package.json").write_text(json.dumps(
        {"name": "site", "version": "0.0.0", "private": True, "hexo": {"version": "8"},
         "dependencies": versions}), encoding="utf-8")
    (folder / "node_modules").symlink_to(modules, target_is_directory=True)
    (folder / "_config.yml").write_text(
        "title: feedvault test\nurl: http://example.com\ntheme: fv\n"
        "permalink: :year/:month/:day/:title/\n"
        # no highlighting: code blocks stay <pre><code> with their text, no line-number gutter
        "syntax_highlighter: false\n", encoding="utf-8")
    layout = folder / "themes" / "fv" / "layout"
    layout.mkdir(parents=True)
    for name in ("post", "index", "archive", "page"):
        (layout / f"{name}.ejs").write_text(HEXO_LAYOUT if name == "post" else "<p>list</p>\n",
                                            encoding="utf-8")
    return folder / "source" / "_posts"


def hugo_site(folder: Path) -> Path:
    """A Hugo site in folder; returns the archive root to use (the `content/posts` section)."""
    if shutil.which("hugo") is None:
        pytest.skip("hugo is not installed (Debian: apt-get install hugo)")
    (folder / "config.toml").write_text(
        'baseURL = "http://example.com/"\ntitle = "feedvault test"\n'
        'disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]\n',
        encoding="utf-8")
    layouts = folder / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "single.html").write_text(HUGO_SINGLE, encoding="utf-8")
    (layouts / "list.html").write_text("<p>list</p>\n", encoding="utf-8")
    return folder / "content" / "posts"


def jekyll_site(folder: Path) -> Path:
    """A Jekyll site in folder; returns the archive root to use (the site root itself)."""
    if shutil.which("jekyll") is None:
        pytest.skip("jekyll is not installed (Debian: apt-get install jekyll)")
    (folder / "_config.yml").write_text("title: feedvault test\nmarkdown: kramdown\n",
                                        encoding="utf-8")
    (folder / "_layouts").mkdir()
    (folder / "_layouts" / "post.html").write_text(JEKYLL_POST, encoding="utf-8")
    return folder


SITES = {"hexo": hexo_site, "hugo": hugo_site, "jekyll": jekyll_site}
COMMANDS = {
    "hexo": ["node", "-e", None],
    "hugo": ["hugo"],
    "jekyll": ["jekyll", "build", "--destination", "public"],
}
SOURCE_FOLDERS = {"hexo": "source", "hugo": "content", "jekyll": "."}
_TROUBLE = re.compile(r"\b(error|warn|warning|conflict)\b", re.IGNORECASE)

_HEXO_GENERATE = """
const Hexo = require('hexo');
const hexo = new Hexo(process.cwd(), {silent: false});
hexo.init()
  .then(() => hexo.call('generate', {}))
  .then(() => hexo.exit())
  .catch(err => { console.error(err); process.exitCode = 1; return hexo.exit(err); });
"""


def build(folder: Path, generator: str, archive_root: Path) -> Build:
    """Run the real generator; fail on a non-zero exit or any error or warning it prints."""
    command = [_HEXO_GENERATE if part is None else part for part in COMMANDS[generator]]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "NO_COLOR": "1"})
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert not _TROUBLE.search(output), output
    prefix = folder / SOURCE_FOLDERS[generator]
    pages: dict[str, Page] = {}
    for html in (folder / "public").rglob("*.html"):
        tree = lxml.html.document_fromstring(html.read_text(encoding="utf-8"))
        for article in tree.iter("article"):
            source = (prefix / article.get("data-source")).relative_to(archive_root)
            cover = article.find('.//img[@class="fv-cover"]')
            pages[source.as_posix()] = Page(
                source=source.as_posix(),
                title=article.find('.//h1[@class="fv-title"]').text_content(),
                date=datetime.fromisoformat(article.find('.//time[@class="fv-date"]')
                                            .text_content().replace("Z", "+00:00")),
                cover=cover.get("src") if cover is not None else None,
                body=article.find('.//div[@class="fv-body"]'),
            )
    return Build(output, pages)
