"""The article HTML allowlist (nh3, the binding to Rust's ammonia) and selector removal."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

import nh3
from lxml import etree
from lxml import html as lxml_html
from lxml.cssselect import CSSSelector

TAGS = frozenset({
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "div", "span",
    "ul", "ol", "li", "dl", "dt", "dd",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td", "colgroup", "col",
    "pre", "code", "figure", "figcaption", "img", "picture", "source", "video", "audio", "track",
    "a", "abbr", "b", "bdi", "bdo", "cite", "del", "dfn", "em", "i", "ins", "kbd", "mark", "q",
    "s", "samp", "small", "strong", "sub", "sup", "time", "u", "var", "wbr",
    "ruby", "rt", "rp", "details", "summary",
})
# Dropped with everything inside them, not just unwrapped.
DROP_WITH_CONTENT = frozenset({
    "script", "style", "noscript", "template", "iframe", "object", "embed", "form", "button",
    "input", "select", "textarea", "svg", "math", "title", "head",
})
ATTRIBUTES = {
    "*": {"lang", "dir", "title"},
    **{h: {"id"} for h in ("h1", "h2", "h3", "h4", "h5", "h6")},
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "referrerpolicy", "loading", "srcset"},
    "source": {"src", "srcset", "type", "media", "sizes"},
    "video": {"src", "poster", "controls", "width", "height"},
    "audio": {"src", "controls"},
    "track": {"src", "kind", "srclang", "label"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "col": {"span"}, "colgroup": {"span"},
    "ol": {"start", "reversed", "type"},
    "li": {"value"},
    "time": {"datetime"},
    "abbr": {"title"},
    "q": {"cite"}, "blockquote": {"cite"}, "del": {"cite", "datetime"}, "ins": {"cite", "datetime"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


def sanitize(fragment: str) -> str:
    """The fragment with only allowlisted tags, attributes and URL schemes left. Never raises."""
    return nh3.clean(
        fragment,
        tags=set(TAGS),
        clean_content_tags=set(DROP_WITH_CONTENT),
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        strip_comments=True,
        link_rel="noopener noreferrer",
    )


def prepare(fragment: str, base: str, selectors: Iterable[CSSSelector]) -> str:
    """The fragment without what the selectors match, its links and sources made absolute."""
    if not fragment.strip():
        return fragment
    try:
        root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        return fragment
    for selector in selectors:
        for element in selector(root):
            if element is not root:
                element.drop_tree()
    if base:
        root.make_links_absolute(base, resolve_base_href=True, handle_failures="discard")
    return escape(root.text or "", quote=False) + "".join(
        lxml_html.tostring(child, encoding="unicode") for child in root
    )


def compile_selectors(selectors: Iterable[str]) -> tuple[CSSSelector, ...]:
    return tuple(CSSSelector(s, translator="html") for s in selectors)
