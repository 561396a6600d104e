"""Jekyll Markdown bodies: kramdown's `{::nomarkdown}` must not turn article text into HTML."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import lxml.html

from archive import Archive, Article
from tests._generators import build, jekyll_site

# Text, not markup, in the feed: the converter writes it escaped (`\<script \>`), but inside
# kramdown's {::nomarkdown} those backslashes are printed and the tag is a real <script>.
PAYLOAD = ("<p>Nice post {::nomarkdown}&lt;script &gt;document.title='XSS)';//&lt;/script &gt;"
           "{:/} indeed</p><p>{: onmouseover=\"x\"}</p>"
           "<pre><code>h = {:a =&gt; 1}\n</code></pre><p>and <code>{:b}</code> inline</p>")


def test_kramdown_extensions_in_text_stay_text(tmp_path: Path) -> None:
    root = jekyll_site(tmp_path)
    with Archive(root, "jekyll", body="markdown") as archive:
        archive.put(Article(source="hostile", title="Ruby hashes", body=PAYLOAD, guid="urn:1",
                            date=datetime(2024, 1, 1, tzinfo=UTC)))
    [page] = build(tmp_path, "jekyll", root).pages.values()
    html = lxml.html.tostring(page.body, encoding="unicode")
    assert page.body.xpath("count(.//script)") == 0, html
    text = page.body.text_content()
    assert "{::nomarkdown}<script >document.title=" in text  # shown, not run
    assert "{: onmouseover" in text
    # code is written as it is: kramdown reads no {: there
    assert page.body.xpath("string(.//pre/code)") == "h = {:a => 1}\n"
    assert page.body.xpath("string(.//p/code)") == "{:b}"


def test_the_escape_reads_back_exactly(tmp_path: Path) -> None:
    with Archive(tmp_path, "jekyll", body="markdown") as archive:
        result = archive.put(Article(source="hostile", title="t", body=PAYLOAD, guid="urn:1"))
        text = (tmp_path / result.path).read_text(encoding="utf-8")
        assert "&#123;::nomarkdown}" in text and "h = {:a => 1}" in text
        body = archive.load(result.path).body
    assert "{::nomarkdown}" in body and "&#123;" not in body  # read back as it was converted


def test_hugo_heading_attributes_in_text_stay_text(tmp_path: Path) -> None:
    # goldmark reads a heading's trailing {...} as attributes: a feed heading ending in
    # "{.hidden}" set that class on the published heading
    from tests._generators import hugo_site

    root = hugo_site(tmp_path)
    body = ("<h2>Styled {.hidden}</h2><p>text</p>"
            "<pre><code># shell comment {.kept}\n</code></pre>")
    with Archive(root, "hugo", body="markdown") as archive:
        archive.put(Article(source="hostile", title="Headings", body=body, guid="urn:1",
                            date=datetime(2024, 1, 1, tzinfo=UTC)))
    [page] = build(tmp_path, "hugo", root).pages.values()
    [heading] = page.body.iter("h2")
    assert heading.get("class") is None
    assert heading.text_content() == "Styled {.hidden}"
    assert page.body.xpath("string(.//pre/code)") == "# shell comment {.kept}\n"
