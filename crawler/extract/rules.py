"""A source's extraction rules: content selector, removals, next page (CSS, or `xpath:` XPath)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

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
    """What a source tells the extractor; every field optional.

    The selectors are compiled once, when the Rules are made (a SourceConfig makes its own
    at load), and every page reuses them. Equality, hashing and copies go by the strings.
    """

    content_selector: str | None = None
    remove: tuple[str, ...] = ()
    next_page: str | None = None
    _content: Selector | None = field(init=False, repr=False, compare=False)
    _remove: tuple[Selector, ...] = field(init=False, repr=False, compare=False)
    _next: Selector | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_content", _maybe(self.content_selector))
        object.__setattr__(self, "_remove", tuple(compile_selector(s) for s in self.remove))
        object.__setattr__(self, "_next", _maybe(self.next_page))

    # lxml's compiled selectors cannot be copied or pickled (Scrapy deep-copies its
    # settings, which hold the Config): an immutable value is its own copy, and a
    # pickle carries the strings and compiles again.
    def __copy__(self) -> Rules:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Rules:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Rules, (self.content_selector, self.remove, self.next_page))

    def content(self, root: HtmlElement) -> list[HtmlElement] | None:
        """The elements the content selector matches (outermost only); None without one."""
        if self._content is None:
            return None
        found = [e for e in self._content(root) if isinstance(e, etree._Element)]
        outer = set(found)
        return [e for e in found if not any(a in outer for a in e.iterancestors())]

    def strip(self, elements: Iterable[HtmlElement]) -> None:
        """Drop what the `remove` selectors match inside the given elements."""
        for container in elements:
            for selector in self._remove:
                for el in selector(container):
                    if isinstance(el, etree._Element) and el is not container \
                            and el.getparent() is not None:
                        el.drop_tree()

    def next_link(self, root: HtmlElement) -> str | None:
        """The next page's href (or the selected attribute/text), None when absent."""
        if self._next is None:
            return None
        for hit in self._next(root):
            value = hit.get("href") if isinstance(hit, etree._Element) else str(hit)
            if value and value.strip() and not value.strip().startswith(("#", "javascript:")):
                return value.strip()
        return None


def _maybe(text: str | None) -> Selector | None:
    return compile_selector(text) if text else None
