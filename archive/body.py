"""Body formats: the cleaned HTML as it is, or converted to Markdown (markdownify)."""

from __future__ import annotations

import re
from typing import Any

from markdownify import MarkdownConverter

BODY_FORMATS = ("html", "markdown")

# Elements Markdown has no syntax for: kept as raw HTML blocks rather than lost.
_RAW_BLOCKS = ("video", "audio", "iframe")
_LANGUAGE = re.compile(r"(?:^|\s)(?:language|lang)-([\w+#.-]+)")


class _Converter(MarkdownConverter):
    """markdownify, configured so an article loses neither images, links, tables nor code."""

    def __init__(self) -> None:
        super().__init__(
            heading_style="ATX",
            bullets="-",
            strong_em_symbol="*",
            newline_style="backslash",
            escape_asterisks=True,
            escape_underscores=True,
            escape_misc=False,
            # markdownify turns images in headings, cells and links into their alt
            # text unless the parent is listed here.
            keep_inline_images_in=["a", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
                                   "figcaption", "li", "dt", "dd", "strong", "em", "b", "i",
                                   "span", "sub", "sup", "small", "mark", "cite", "q"],
            table_infer_header=True,
            code_language_callback=_code_language,
        )

    def _raw(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return f"\n\n{el}\n\n"

    convert_video = _raw
    convert_audio = _raw
    convert_iframe = _raw


def _code_language(el: Any) -> str:
    """`<pre><code class="language-py">` (or the class on `pre`) gives the fence its language."""
    for node in (el, el.find("code")):
        if node is None:
            continue
        match = _LANGUAGE.search(" ".join(node.get("class") or ()))
        if match:
            return str(match.group(1))
    return ""


_CONVERTER = _Converter()


def to_markdown(html: str) -> str:
    """The Markdown for a cleaned HTML body: images, links, tables and code kept."""
    return str(_CONVERTER.convert(html)).strip()
