"""Golden files for Markdown bodies: each cleaned body in tests/site/markdown/ beside the exact
Markdown `body = "markdown"` stores for it (tables, code, images, CJK, lists, links, breaks,
quotes, entities, template syntax)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import html_to_markdown as h2m
import pytest

from archive import Archive, Article, _markdown
from archive.body import to_markdown
from tests._golden import cases, check, expected_path

BODIES = cases("markdown", "*.html")


def test_there_are_golden_bodies() -> None:
    assert len(BODIES) >= 10


@pytest.mark.parametrize("source", BODIES, ids=lambda p: p.stem)
def test_the_body_converts_to_its_golden_markdown(source: Path) -> None:
    markdown = to_markdown(source.read_text(encoding="utf-8"))
    check(expected_path(source, ".md"), markdown + "\n")


@pytest.mark.parametrize("source", BODIES, ids=lambda p: p.stem)
def test_the_converter_writes_what_html_to_markdown_itself_writes(source: Path) -> None:
    # The converter calls html-to-markdown's native function with options built once;
    # its output must stay what the public h2m.convert writes with the same options.
    html = source.read_text(encoding="utf-8")
    assert _markdown._convert(html) == h2m.convert(html, _markdown._OPTIONS).content


def test_hugo_shows_whole_shortcodes_in_code_as_written(tmp_path: Path) -> None:
    # Hugo reads `{{<` and `{{%` even inside code; its shortcode comment shows the text instead.
    body = ("<p>Use <code>{{< figure src=\"a.png\" >}}</code> or <code>{{% note %}}</code>.</p>"
            "<pre><code>{{< highlight go >}}\nx\n{{< /highlight >}}\n{{< open</code></pre>")
    with Archive(tmp_path, "hugo", body="markdown") as archive:
        path = archive.put(Article(source="t", title="t", body=body, date=datetime(2024, 1, 2, tzinfo=UTC),
                                       guid="1")).path
        written = (tmp_path / path).read_text(encoding="utf-8")
        loaded = archive.load(path).body
    assert '`{{</* figure src="a.png" */>}}` or `{{%/* note */%}}`' in written
    assert "{{</* highlight go */>}}\nx\n{{</* /highlight */>}}\n&#123;{< open" in written
    assert loaded == to_markdown(body)  # read back exactly as converted
