"""The Markdown body format: markdownify, configured to lose nothing.

Imported only when an archive uses `body = "markdown"` (markdownify and bs4 take a
tenth of a second to import, a good part of a crawl that finds nothing new).
"""

from __future__ import annotations

import re
from typing import Any

from markdownify import MarkdownConverter

_BACKTICKS = re.compile(r"`+")
_LANGUAGE = re.compile(r"(?:^|\s)(?:language|lang)-([\w+#.-]+)")


class Converter(MarkdownConverter):
    """markdownify, configured so an article loses neither images, links, tables nor code."""

    def __init__(self) -> None:
        super().__init__(
            bs4_options="lxml",  # same Markdown as html.parser, a quarter faster
            heading_style="ATX",
            bullets="-",
            strong_em_symbol="*",
            newline_style="spaces",  # kramdown (Jekyll) has no backslash line break
            escape_asterisks=True,
            escape_underscores=True,
            escape_misc=True,  # faithful: "1. x", "# x", "<b>" in text stay text
            # markdownify turns images in headings, cells and links into their alt
            # text unless the parent is listed here.
            keep_inline_images_in=["a", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
                                   "figcaption", "li", "dt", "dd", "strong", "em", "b", "i",
                                   "span", "sub", "sup", "small", "mark", "cite", "q"],
            table_infer_header=True,
            code_language_callback=_code_language,
        )

    # Elements Markdown has no syntax for: kept as raw HTML blocks rather than lost.
    def _raw(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return f"\n\n{el}\n\n"

    def convert_pre(self, el: Any, text: str, parent_tags: set[str]) -> str:
        # markdownify always fences with ```; code that holds ``` itself needs a longer fence.
        out = str(super().convert_pre(el, text, parent_tags))  # type: ignore[misc]
        longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
        if longest < 3 or not out:
            return out
        fence = "`" * (longest + 1)
        return f"\n\n{fence}{out[5:-5]}{fence}\n\n"

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
