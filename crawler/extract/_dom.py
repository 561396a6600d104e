"""Shared lxml helpers for extraction: parsing decoded pages, tag classes, text of a subtree."""

from __future__ import annotations

import re

from lxml import etree
from lxml import html as lxml_html
from lxml.html import HtmlComment, HtmlElement, HtmlEntity, HtmlProcessingInstruction

from archive.errors import ExtractError
from crawler.limits.nesting import MAX_DEPTH, bound_depth

__all__ = ["BLOCKS", "INLINE", "HtmlElement", "parse_html"]

INLINE = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "del", "dfn", "em", "font", "i",
    "ins", "kbd", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
    "time", "tt", "u", "var", "wbr", "nobr", "label", "br", "img",
})
BLOCKS = frozenset({
    "p", "div", "td", "th", "li", "pre", "blockquote", "section", "article", "main", "body",
    "h1", "h2", "h3", "h4", "h5", "h6", "dd", "dt", "figure", "figcaption", "table", "tr",
    "ul", "ol", "dl", "center", "header", "footer", "address", "form", "fieldset", "caption",
})
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_SPACE = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_LINES = re.compile(r"\n\s*\n+")
# True when the tree nests MAX_DEPTH elements deep somewhere: lxml may then have dropped
# what lay below its own limit (254), and the page is parsed again with its depth bounded.
# lxml.html's own parser picks an element class per tag in a Python method called for every
# element the code touches (a tenth of extraction time); extraction only needs HtmlElement's
# methods (drop_tree, drop_tag, text_content), which this parser gives every element in C.
_PARSER = etree.HTMLParser()
_PARSER.set_element_class_lookup(etree.ElementDefaultClassLookup(
    element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity))
_DEEP = etree.XPath("boolean(" + "/*" * MAX_DEPTH + ")")


def parse_html(text: str) -> HtmlElement:
    """A whole document's tree; raises ExtractError for input that holds no HTML at all."""
    text = _XML_DECL.sub("", text, count=1).replace("\x00", "")
    if not text.strip():
        raise ExtractError("the page is empty")
    root = _parse(text)
    if _DEEP(root):  # rare: bounding the depth first costs a scan of every tag
        root = _parse(bound_depth(text).html)
    return root


def _parse(text: str) -> HtmlElement:
    try:
        return lxml_html.document_fromstring(text, parser=_PARSER)
    except (etree.ParserError, ValueError) as exc:
        raise ExtractError(f"the page does not parse as HTML ({exc})") from exc


def tag_of(element: HtmlElement) -> str:
    """The tag name ('' for comments and processing instructions); lxml.html lower-cases it."""
    tag = element.tag
    return tag if type(tag) is str else ""


def block_text(element: HtmlElement) -> str:
    """The subtree's text with blocks on lines of their own and whitespace collapsed."""
    parts: list[str] = []

    def walk(el: HtmlElement) -> None:
        tag = tag_of(el)
        if not tag:  # comment or processing instruction
            if el.tail:
                parts.append(el.tail)
            return
        block = tag in BLOCKS
        if block or tag == "br":
            parts.append("\n")
        if el.text:
            parts.append(el.text)
        for child in el:
            walk(child)
        if block:
            parts.append("\n\n")
        if el.tail:
            parts.append(el.tail)

    walk(element)
    lines = (_SPACE.sub(" ", line).strip() for line in "".join(parts).split("\n"))
    return _LINES.sub("\n\n", "\n".join(lines)).strip()


def inner_html(element: HtmlElement) -> str:
    """The element's children (and text) serialized, without the element's own tag."""
    from html import escape

    head = escape(element.text or "", quote=False)
    return head + "".join(
        lxml_html.tostring(child, encoding="unicode", with_tail=True) for child in element
    )
