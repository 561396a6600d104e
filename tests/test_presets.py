"""Presets and body formats: every preset's file loads back to the article it was written from."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive import PRESETS, Archive, ArchiveError, Article, get_preset
from archive._protect import normalize
from archive.body import to_markdown
from crawler.config import load_config

COMBINATIONS = [
    (name, body, syntax)
    for name, preset in PRESETS.items()
    for body in preset.styles
    for syntax in preset.syntaxes
]
IDS = [f"{n}-{b}-{s}" for n, b, s in COMBINATIONS]
RESERVED = frozenset().union(*(p.reserved_keys for p in PRESETS.values()))

HOSTILE_TEXT = st.sampled_from([
    "Colon: 'single' \"double\" # hash --- dashes ../../etc/passwd", "---", "+++", "...",
    "!!python/object:os.system", "yes", "no", "null", "~", "2021-04-20", "1e3", "0x1F", "@at",
    "`tick`", "- dash", "[a, b]", "{a: b}", "&anchor", "*alias", "% percent", "| pipe", "> gt",
    "产业互联网下的B端市场再认识", "tab\there", "line\nbreak", " padded ", "\u2028", "\x85",
    "\ufeffbom", "{{ x }}", "{% raw %}", "{{< shortcode >}}", "\\", "\x00", "\x7f",
])
TEXT = st.one_of(HOSTILE_TEXT, st.text())
BODY_PIECES = st.sampled_from([
    "{{ title }}", "{% if x %}", "{% endraw %}", "{%- endraw -%}", "{# c #}", "{{< sc >}}",
    "{{% sc %}}", "{{</* sc */>}}", "&#123;", "&#125;", "&#10;", "&amp;", "\n", "\n\n",
    "\n    indented", "*stars*", "_under_", "```", "`code`", "<div>", "</div>", "<p>", "</p>",
    "<pre><code>", "</code></pre>", "---", "+++", "\r\n", " ", "产业", "<!-- more -->",
])
BODY = st.lists(st.one_of(BODY_PIECES, st.text()), max_size=12).map("".join)
DATES = st.builds(
    lambda d, minutes: d.replace(tzinfo=timezone(timedelta(minutes=minutes))),
    st.datetimes(min_value=datetime(1970, 1, 2), max_value=datetime(2100, 1, 1)),
    st.integers(-12 * 60, 14 * 60),
)
CONSTANTS = st.dictionaries(
    st.text(min_size=1).filter(lambda k: k not in RESERVED),
    st.one_of(st.booleans(), st.integers(-(2**63), 2**63 - 1), TEXT, st.lists(TEXT, max_size=3),
              st.floats(allow_nan=False, allow_infinity=False)),
    max_size=4,
)
ARTICLES = st.builds(
    Article,
    source=st.from_regex(r"[A-Za-z0-9_-]{1,64}", fullmatch=True),
    title=TEXT,
    body=BODY.map(normalize),
    date=DATES,
    categories=st.lists(TEXT, max_size=4).map(tuple),
    author=st.none() | TEXT.filter(bool),
    cover=st.none() | TEXT.filter(bool),
    original_url=st.none() | TEXT,
    guid=st.none() | TEXT,
    updated=st.none() | DATES,
    extra=CONSTANTS,
)


@pytest.mark.parametrize(("name", "body", "syntax"), COMBINATIONS, ids=IDS)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(article=ARTICLES)
def test_every_preset_round_trips_any_article(name: str, body: str, syntax: str,
                                              article: Article) -> None:
    preset = get_preset(name, body=body, front_matter_format=syntax)
    text = preset.dumps(article)
    assert text.startswith("+++\n" if syntax == "toml" else "---\n")
    assert preset.loads(text) == article


def _article(**changes: object) -> Article:
    base = Article(
        source="t",
        title="产业互联网下的B端市场再认识",
        body="<p>Hello {{ world }}</p>",
        date=datetime(2021, 4, 20, tzinfo=UTC),
        categories=("新媒体", "最新文章"),
        author="人人都是产品经理",
        cover="https://proxy.example/?http://image.example/a.jpg",
        original_url="http://www.woshipm.com/it/4477608.html",
        guid="4477608",
    )
    return base.with_(**changes)


def test_hugo_front_matter_has_the_keys_hugo_reads(tmp_path: Path) -> None:
    with Archive(tmp_path, "hugo", front_matter_format="toml") as archive:
        path = archive.put(_article()).path
        text = (tmp_path / path).read_text(encoding="utf-8")
    assert path == "t/2021/2021-04-20-产业互联网下的b端市场再认识.html"
    assert text.startswith(
        '+++\ntitle = "产业互联网下的B端市场再认识"\ndate = 2021-04-20 00:00:00+00:00\n')
    assert "draft = false\n" in text and "lastmod = " in text and "updated" not in text
    assert 'images = [\n    "https://proxy.example/?http://image.example/a.jpg",\n]' in text
    assert "&#123;&#123; world &#125;&#125;" in text


def test_jekyll_posts_are_named_by_the_article_date(tmp_path: Path) -> None:
    late = datetime(2021, 4, 20, 23, 30, tzinfo=timezone(timedelta(hours=-5)))
    with Archive(tmp_path, "jekyll") as archive:
        path = archive.put(_article(date=late)).path
        loaded = archive.load(path)
    assert path == "_posts/t/2021-04-20-产业互联网下的b端市场再认识.html"
    text = (tmp_path / path).read_text(encoding="utf-8")
    assert "\nlayout: post\n" in text and "\nimage: https://proxy.example/" in text
    assert "\n{% raw %}<p>Hello {{ world }}</p>{% endraw %}\n" in text
    assert loaded.body == "<p>Hello {{ world }}</p>" and loaded.date == late


def test_markdown_body_keeps_images_links_tables_and_code(tmp_path: Path) -> None:
    html = (
        '<h2 id="a">Title <img src="http://i.example/h.png" alt="h"></h2>'
        '<p>Text *stars* with <a href="http://l.example/x?a=1&amp;b=2">a link</a>.</p>'
        '<p><img src="http://i.example/1.png" alt="one" referrerpolicy="no-referrer"></p>'
        "<table><tr><th>k</th><th>v</th></tr><tr><td>a</td>"
        '<td><img src="http://i.example/2.png" alt="two"></td></tr></table>'
        '<pre><code class="language-python">def f():\n\n    return {"a": 1}\n</code></pre>'
        '<video src="http://v.example/x.mp4" controls></video>'
    )
    markdown = to_markdown(html)
    assert "## Title ![h](http://i.example/h.png)" in markdown
    assert r"Text \*stars\* with [a link](http://l.example/x?a=1&b=2)." in markdown
    assert "![one](http://i.example/1.png)" in markdown
    assert "| k | v |\n| --- | --- |\n| a | ![two](http://i.example/2.png) |" in markdown
    assert '```python\ndef f():\n\n    return {"a": 1}\n```' in markdown
    assert '<video src="http://v.example/x.mp4" controls></video>' in markdown
    with Archive(tmp_path, "hexo", body="markdown") as archive:
        first = archive.put(_article(body=html))
        assert archive.load(first.path).body == markdown  # what is stored: the Markdown
        assert archive.put(_article(body=html)).status == "unchanged"
    assert "\ndisableNunjucks: true\n" in (tmp_path / first.path).read_text(encoding="utf-8")


def test_changing_the_body_format_of_an_archive_is_refused(tmp_path: Path) -> None:
    with Archive(tmp_path, "hugo") as archive:
        archive.put(_article())
    with Archive(tmp_path, "hugo", body="markdown") as archive, \
            pytest.raises(ArchiveError, match=r"written as \.html.*start a new archive path"):
        archive.put(_article())


BAD_SETTINGS = {
    'preset = "hugo"\nbody = "rtf"': r":4: archive\.body: expected one of 'html', 'markdown'",
    'front_matter_format = "toml"':
        r":3: archive\.front_matter_format: expected 'yaml' for preset 'hexo'",
    'preset = "jekyll"\nfront_matter_format = "toml"':
        r":4: archive\.front_matter_format: expected 'yaml'",
    'preset = "hugo"\n[archive.front_matter]\ndraft = true':
        r":5: archive\.front_matter\.draft: feedvault writes",
    'preset = "jekyll"\n[archive.front_matter]\nlayout = "page"':
        r":5: archive\.front_matter\.layout: feedvault writes",
    'preset = "hugo"\n[archive.front_matter]\nlastmod = 1':
        r":5: archive\.front_matter\.lastmod: feedvault writes",
    'preset = "wordpress"':
        r":3: archive\.preset: unknown preset 'wordpress'; choose one of hexo, hugo, jekyll",
}


@pytest.mark.parametrize(("lines", "message"), BAD_SETTINGS.items())
def test_bad_preset_settings_name_file_line_and_key(tmp_path: Path, lines: str,
                                                    message: str) -> None:
    from archive import ConfigError

    config = tmp_path / "feedvault.toml"
    config.write_text(f'[archive]\npath = "posts"\n{lines}\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="^" + re.escape(str(config)) + message):
        load_config(config)


def test_preset_settings_reach_the_config(tmp_path: Path) -> None:
    config = tmp_path / "feedvault.toml"
    config.write_text('[archive]\npath = "content/posts"\npreset = "hugo"\nbody = "markdown"\n'
                      'front_matter_format = "toml"\n', encoding="utf-8")
    loaded = load_config(config)
    assert (loaded.preset, loaded.body, loaded.front_matter_format) == ("hugo", "markdown", "toml")
