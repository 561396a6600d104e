"""The Markdown body format: html-to-markdown (Rust), configured to lose nothing.

Imported only when an archive uses `body = "markdown"`, so a crawl that writes HTML
bodies never loads the converter.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import html_to_markdown as h2m

# The converter folds no-break spaces into plain spaces; they are swapped for a
# private-use character around the conversion, so "10&nbsp;km" stays unbreakable.
_NBSP, _NBSP_ENTITIES = "\xa0", ("&nbsp;", "&#160;", "&#xa0;", "&#xA0;")
_MARK = "\ue000"
_QUOTE = re.compile(r"[ \t]*>")
_FIGURE, _FIGCAPTION = re.compile(r"<(/?)figure\b"), re.compile(r"<(/?)figcaption\b")
_QUOTE_LINE = re.compile(r"\n[ \t]*>")
_FENCE = re.compile(r"[ \t]*(`{3,}|~{3,})")

_OPTIONS = h2m.ConversionOptions(
    heading_style="atx",
    bullets="-",
    strong_em_symbol="*",
    newline_style="spaces",  # kramdown (Jekyll) has no backslash line break
    code_block_style="backticks",  # fenced, with the language of class="language-x"
    escape_asterisks=True,
    escape_underscores=True,
    escape_misc=True,  # faithful: "1. x", "# x", "<b>" in text stay text
    autolinks=False,  # every link as [text](url), as for any other link
    highlight_style="none",  # no renderer of the three reads ==mark==
    expand_abbreviations=False,
    include_blockquote_citations=False,
    extract_metadata=False,
    # The body is already cleaned: no navigation or form removal on top of it.
    preprocessing=h2m.PreprocessingOptions(enabled=False),
    # Images in headings, cells, links and inline text stay images, not alt text.
    keep_inline_images_in=["a", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
                           "figcaption", "li", "dt", "dd", "strong", "em", "b", "i",
                           "span", "sub", "sup", "small", "mark", "cite", "q"],
    # Elements Markdown has no syntax for: kept as raw HTML rather than made links.
    preserve_tags=["video", "audio", "iframe"],
    compact_tables=True,  # "| a | b |", not padded: a longer cell does not rewrite the table
)


def _native_converter() -> Callable[[str], str | None]:
    """The converter's own function with the options above turned into its native form once.

    h2m.convert rebuilds the native options from the dataclass on every call, about a
    fifth of converting a seed-sized body; the native module and that builder are not
    exported, so an html-to-markdown that renames them or changes the call falls back to
    h2m.convert.
    """
    try:
        from html_to_markdown import _html_to_markdown as native
        from html_to_markdown.api import _to_rust_conversion_options

        options = _to_rust_conversion_options(_OPTIONS)
        native.convert(html="<p>x</p>", options=options, visitor=None)  # the call used below
    except (ImportError, AttributeError, TypeError, ValueError):
        return lambda html: h2m.convert(html, _OPTIONS).content
    return lambda html: native.convert(html=html, options=options, visitor=None).content


_convert = _native_converter()


def convert(html: str) -> str:
    """The Markdown for a cleaned HTML body."""
    if "<fig" in html:
        # Inside <figure> the converter drops the space before an image ("with![icon]")
        # and it emphasizes a caption: a figure as a <div>, its caption as a paragraph.
        html = _FIGCAPTION.sub(r"<\1p", _FIGURE.sub(r"<\1div", html))
    marked = _MARK not in html
    if marked:
        for entity in _NBSP_ENTITIES:
            html = html.replace(entity, _MARK)
        html = html.replace(_NBSP, _MARK)
    markdown = _separate_quotes(_convert(html) or "")
    return markdown.replace(_MARK, _NBSP) if marked else markdown


def _separate_quotes(markdown: str) -> str:
    """A blank line before a blockquote that follows a paragraph, heading or code block.

    The converter writes one newline there: CommonMark (Hugo, Hexo) and Jekyll's default
    GFM input start the quote anyway, but kramdown's own input (`kramdown: input:
    kramdown`) reads the `>` line as part of the paragraph.
    """
    if not any(_after_text(markdown, m.start()) for m in _QUOTE_LINE.finditer(markdown)):
        return markdown  # the usual case, found without splitting the text into lines
    lines, fence, previous = [], "", ""
    for line in markdown.split("\n"):
        opening = _FENCE.match(line)
        if fence:
            if opening and opening.group(1).startswith(fence) and not line[opening.end():].strip():
                fence = ""
        elif opening:
            fence = opening.group(1)
        elif _QUOTE.match(line) and previous.strip() and not _QUOTE.match(previous):
            lines.append("")
        lines.append(line)
        previous = line
    return "\n".join(lines)


def _after_text(markdown: str, newline: int) -> bool:
    """Whether the line that ends at `newline` is text rather than blank or a quote line."""
    line = markdown[markdown.rfind("\n", 0, newline) + 1:newline].strip()
    return bool(line) and not line.startswith(">")
