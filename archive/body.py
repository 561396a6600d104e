"""Body formats: the cleaned HTML as it is, or converted to Markdown (markdownify)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from archive._markdown import Converter

BODY_FORMATS = ("html", "markdown")


@cache
def _converter() -> Converter:
    from archive._markdown import Converter

    return Converter()


def to_markdown(html: str) -> str:
    """The Markdown for a cleaned HTML body: images, links, tables and code kept."""
    return str(_converter().convert(html)).strip()
