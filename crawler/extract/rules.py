"""A source's extraction rules: content selector, removals, next page (CSS, or `xpath:` XPath)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from cssselect import SelectorError
from lxml import etree
from lxml.cssselect import CSSSelector

from crawler.extract._dom import HtmlElement

XPATH_PREFIX = "xpath:"
Selector = Callable[[HtmlElement], list]


def compile_selector(text: str) -> Selector:
    """A CSS selector, or an XPath expression written `xpath://...`; ValueError if invalid."""
    if text.startswith(XPATH_PREFIX):
        try:
            return etree.XPath(text[len(XPATH_PREFIX):])
        except etree.XPathSyntaxError as exc:
            raise ValueError(f"{text!r} is not an XPath expression: {exc}") from exc
    try:
        return CSSSelector(text, translator="html")
    except SelectorError as exc:
        raise ValueError(f"{text!r} is not a CSS selector: {exc}") from exc


@dataclass(frozen=True)
class Rules:
    """What a source tells the extractor; every field optional."""

    content_selector: str | None = None
    remove: tuple[str, ...] = ()
    next_page: str | None = None

    def content(self, root: HtmlElement) -> list[HtmlElement] | None:
        """The elements the content selector matches (outermost only); None without one."""
        if not self.content_selector:
            return None
        found = [e for e in compile_selector(self.content_selector)(root)
                 if isinstance(e, etree._Element)]
        outer = set(found)
        return [e for e in found if not any(a in outer for a in e.iterancestors())]

    def strip(self, elements: Iterable[HtmlElement]) -> None:
        """Drop what the `remove` selectors match inside the given elements."""
        selectors = [compile_selector(s) for s in self.remove]
        for container in elements:
            for selector in selectors:
                for el in selector(container):
                    if isinstance(el, etree._Element) and el is not container \
                            and el.getparent() is not None:
                        el.drop_tree()

    def next_link(self, root: HtmlElement) -> str | None:
        """The next page's href (or the selected attribute/text), None when absent."""
        if not self.next_page:
            return None
        for hit in compile_selector(self.next_page)(root):
            value = hit.get("href") if isinstance(hit, etree._Element) else str(hit)
            if value and value.strip() and not value.strip().startswith(("#", "javascript:")):
                return value.strip()
        return None
