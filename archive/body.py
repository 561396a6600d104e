"""Body formats: the cleaned HTML as it is, or converted to Markdown (html-to-markdown)."""

from __future__ import annotations

BODY_FORMATS = ("html", "markdown")


def to_markdown(html: str) -> str:
    """The Markdown for a cleaned HTML body: images, links, tables and code kept."""
    from archive._markdown import convert  # the converter loads only for Markdown archives

    return convert(html).strip()
