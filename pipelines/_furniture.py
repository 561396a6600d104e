"""Page furniture: what is never article content (share, tip, comment widgets, ads, empties)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from lxml import etree
from lxml.cssselect import CSSSelector

# Class and id tokens of widgets, matched whole (lower case) on container elements only, so
# that a `span class="comment"` in highlighted code or a paragraph is never touched.
_PREFIX = r"(?:(?:post|entry|article|page|story|single|wp|jp|sd|td|mod|widget|bottom|top|footer" \
          r"|header|sidebar|inline|in|site|blog|the|js)[-_])?"
_WIDGETS = "|".join([
    # share
    r"share|shares|sharing|share[-_]?(?:bar|box|buttons?|links?|tools?|icons?|wrap(?:per)?"
    r"|container|area|list|module|widget|this|daddy)|social[-_]?(?:share|sharing|links?"
    r"|buttons?|icons?|media|bar|box|list)?|sd-sharing[-\w]*|addthis[-\w]*|addtoany|a2a_kit"
    r"|jiathis[-\w]*|bdshare[-\w]*|feedflare|sharedaddy",
    # tip, reward
    r"support-author|reward[-\w]*|donate|donation|dashang|zanshang|tip-?jar|tip-?author"
    r"|pay-?author|appreciate",
    # subscribe
    r"subscribe|subscription|newsletter[-\w]*|follow-?us",
    # comments
    r"comments?|comment[-_]?(?:list|area|form|respond|section|box|wrap(?:per)?|container)"
    r"|commentlist|respond|disqus[-\w]*",
    # related posts
    r"related|related[-_]?(?:posts?|articles?|content|stories|links|entries|reading)"
    r"|relatedposts|jp-relatedposts|yarpp-related[-\w]*|crp_related",
    # ads
    r"ads?|advert|adverts|advertisement|advertising|adsbygoogle|adsense|ad[-_]?(?:container"
    r"|wrapper|wrap|slot|unit|box|banner|block|placeholder|zone)|google[-_]?ads?|dfp[-_]?ad[-\w]*"
    r"|sponsored(?:[-_]content)?",
])
WIDGET_TOKEN = re.compile(rf"{_PREFIX}(?:{_WIDGETS})")
CONTAINERS = ("div", "section", "aside", "footer", "header", "nav", "ul", "ol", "form", "ins",
              "table", "dl", "figure")
# A widget is never most of an article: a match holding more than this share of the text
# is a wrapper whose class merely mentions the word (`has-share-buttons`), and stays.
MAX_SHARE_OF_TEXT = 0.5
SMALL_TEXT = 200  # characters: a match this short is removed without looking further

BLOCKS = frozenset({
    "div", "p", "section", "article", "aside", "header", "footer", "nav", "main", "ul", "ol",
    "li", "dl", "dt", "dd", "table", "tr", "td", "th", "figure", "figcaption", "blockquote",
    "pre", "h1", "h2", "h3", "h4", "h5", "h6", "form", "hr", "center", "address", "details",
})
# Wrappers that mean nothing once empty (an empty list item is a stray bullet); td and th
# stay, they keep a table's shape.
WRAPPERS = frozenset({
    "ul", "ol", "li", "dl", "dt", "dd",
    "div", "span", "p", "section", "article", "aside", "header", "footer", "main", "nav",
    "figure", "figcaption", "font", "center", "a", "strong", "b", "em", "i", "u", "small",
    "big", "blockquote", "ins", "mark", "sup", "sub", "picture", "abbr", "h1", "h2", "h3",
    "h4", "h5", "h6",
})


# An empty wrapper as lxml serializes a tree: its start tag, then only whitespace and <br>s up
# to an end tag. lxml escapes < and > in text and in attribute values (iframe text included),
# so they only delimit tags. One exception: a childless <li> is written without `</li>`.
_WRAPPER_NAMES = "|".join(sorted(WRAPPERS))
_MAYBE_EMPTY = re.compile(rf"<(?:{_WRAPPER_NAMES})(?=[\s>])[^<>]*>(?:\s|<br(?=[\s>/])[^<>]*>)*</")
_LI = re.compile(r"<li(?=[\s>])")


def maybe_empty(markup: str) -> bool:
    """False when markup, a tree serialized by lxml, holds no wrapper drop_empty would remove.

    A regex scan over the serialized body costs a fraction of reading every element's
    text through lxml (which copies each paragraph into a Python string); a list item
    without an end tag (a childless one) counts as a possible empty wrapper.
    """
    if _MAYBE_EMPTY.search(markup) is not None:
        return True
    return "<li" in markup and len(_LI.findall(markup)) != markup.count("</li>")


def remove(element: etree._Element) -> None:
    """Take element out of the tree, keeping the text that follows it."""
    parent = element.getparent()
    if parent is None:
        return
    tail = element.tail
    if tail:
        previous = element.getprevious()
        before = (previous.tail if previous is not None else parent.text) or ""
        if element.tag in BLOCKS and before[-1:].strip() and tail[:1].strip():
            tail = " " + tail  # a removed block separated two words
        if previous is not None:
            previous.tail = before + tail
        else:
            parent.text = before + tail
    parent.remove(element)


class Furniture:
    """The built-in widget rules plus a source's `remove` selectors, minus its `keep` ones."""

    def __init__(self, remove: Iterable[str] = (), keep: Iterable[str] = ()) -> None:
        self.remove = tuple(CSSSelector(s, translator="html") for s in remove)
        self.keep = tuple(CSSSelector(s, translator="html") for s in keep)

    def apply(self, root: etree._Element) -> None:
        kept: set[etree._Element] = set()
        for selector in self.keep:
            kept.update(selector(root))
        doomed = [e for selector in self.remove for e in selector(root) if e is not root]
        total: int | None = None
        for element in root.iter(*CONTAINERS):
            names = element.get("class")
            if element.get("id"):
                names = f"{names or ''} {element.get('id')}"
            if not names or not any(WIDGET_TOKEN.fullmatch(w) for w in names.lower().split()):
                continue
            if any(a.tag in ("pre", "code") for a in element.iterancestors()):
                continue
            text = _text_length(element)
            if text > SMALL_TEXT:
                total = _text_length(root) if total is None else total
                if text > total * MAX_SHARE_OF_TEXT:
                    continue
            doomed.append(element)
        for element in doomed:
            if kept and _protected(element, kept):
                continue
            remove(element)

    @staticmethod
    def drop_empty(root: etree._Element) -> None:
        """Remove wrappers left with no text and no child but line breaks, innermost first."""
        starts = [e for e in root.iter(*WRAPPERS) if _empty(e)]
        for element in starts:
            while element is not root and element.tag in WRAPPERS and _empty(element):
                parent = element.getparent()
                remove(element)
                if parent is None:
                    break
                element = parent


def _empty(element: etree._Element) -> bool:
    if (element.text or "").strip() or (element.tag == "a" and element.get("id")):
        return False
    return all(child.tag == "br" and not (child.tail or "").strip() for child in element)


def _text_length(element: etree._Element) -> int:
    return len(etree.tostring(element, method="text", encoding="unicode", with_tail=False).strip())


def _protected(element: etree._Element, kept: set[etree._Element]) -> bool:
    """A kept element, inside one, or holding one."""
    if element in kept or any(a in kept for a in element.iterancestors()):
        return True
    return any(d in kept for d in element.iterdescendants())
