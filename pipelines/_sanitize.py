"""The article HTML allowlist: nh3 (Rust's ammonia) configured for archived articles."""

from __future__ import annotations

import re
from collections.abc import Iterable

import nh3

from pipelines._urls import format_srcset, parse_srcset, scheme_of, web_url

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
    "script", "style", "noscript", "template", "iframe", "object", "embed", "applet", "form",
    "button", "input", "select", "option", "textarea", "svg", "math", "title", "head", "meta",
    "link", "base", "frame", "frameset", "canvas", "dialog",
})
ATTRIBUTES: dict[str, frozenset[str]] = {
    "*": frozenset({"lang", "dir", "title"}),
    **{h: frozenset({"id"}) for h in ("h1", "h2", "h3", "h4", "h5", "h6")},
    "a": frozenset({"href", "title"}),
    "img": frozenset({"src", "srcset", "sizes", "alt", "title", "width", "height",
                      "referrerpolicy", "loading"}),
    "source": frozenset({"src", "srcset", "type", "media", "sizes"}),
    "video": frozenset({"src", "poster", "controls", "width", "height", "loop", "muted"}),
    "audio": frozenset({"src", "controls", "loop", "muted"}),
    "track": frozenset({"src", "kind", "srclang", "label", "default"}),
    "td": frozenset({"colspan", "rowspan", "headers"}),
    "th": frozenset({"colspan", "rowspan", "scope", "headers"}),
    "col": frozenset({"span"}), "colgroup": frozenset({"span"}),
    "ol": frozenset({"start", "reversed", "type"}),
    "li": frozenset({"value"}),
    "time": frozenset({"datetime"}),
    "abbr": frozenset({"title"}),
    "details": frozenset({"open"}),
    "q": frozenset({"cite"}), "blockquote": frozenset({"cite"}),
    "del": frozenset({"cite", "datetime"}), "ins": frozenset({"cite", "datetime"}),
}
# Unwrapped by the allowlist; the cleaner renames them div first, so words do not run together.
RENAMED_BLOCKS = ("section", "article", "header", "footer", "main", "aside", "nav", "center",
                  "address", "hgroup")
IFRAME_ATTRIBUTES = frozenset({"src", "width", "height", "title", "allowfullscreen", "loading"})
EXTERNAL_REL = "noopener noreferrer"
# data: passes ammonia's scheme check only so that _url_filter can keep inline images
# (img src); the filter refuses it everywhere else.
URL_SCHEMES = frozenset({"http", "https", "mailto", "data"})
URL_ATTRIBUTES = frozenset({"href", "src", "srcset", "poster", "cite"})

_IMAGE_DATA = re.compile(r"^\s*data:image/(png|jpe?g|gif|webp|avif|bmp|svg\+xml)[;,]", re.I)


def _url_filter(tag: str, attribute: str, value: str) -> str | None:
    """ammonia's last word on URL attributes it does not check itself (srcset, cite, poster)."""
    if attribute not in URL_ATTRIBUTES:
        return value
    if attribute == "srcset":
        return format_srcset(c for c in parse_srcset(value) if web_url(c[0])) or None
    if web_url(value):
        return value
    scheme = scheme_of(value)
    if attribute == "href" and scheme == "mailto":
        return value
    if tag == "img" and attribute == "src" and _IMAGE_DATA.match(value):
        return value
    return None


def allowlist(*, keep_class: bool = False, iframe_hosts: Iterable[str] = ()) -> nh3.Cleaner:
    """The nh3 cleaner for articles; iframes are allowed only when some host is configured."""
    tags = set(TAGS)
    drop = set(DROP_WITH_CONTENT)
    attributes = {tag: set(names) for tag, names in ATTRIBUTES.items()}
    if keep_class:
        attributes["*"].add("class")
    if tuple(iframe_hosts):
        tags.add("iframe")
        drop.discard("iframe")
        attributes["iframe"] = set(IFRAME_ATTRIBUTES)
    return nh3.Cleaner(
        tags=tags,
        clean_content_tags=drop,
        attributes=attributes,
        attribute_filter=_url_filter,
        url_schemes=set(URL_SCHEMES),
        strip_comments=True,
        link_rel=None,
        tag_attribute_values={"a": {"rel": {EXTERNAL_REL}}},
    )


def prepass(*, iframes: bool = False) -> nh3.Cleaner:
    """A permissive first pass: html5ever's tree, minus what is dropped with its content.

    lxml then parses well-formed markup, so both parsers see one tree and cleaning twice
    changes nothing; class, id and data-* stay for the furniture rules and lazy images.
    """
    tags = set(TAGS) | set(RENAMED_BLOCKS)
    drop = set(DROP_WITH_CONTENT)
    if iframes:
        tags.add("iframe")
        drop.discard("iframe")
    attributes = {tag: set(names) | {"class", "id"} for tag, names in ATTRIBUTES.items()}
    attributes["*"] |= {"class", "id", "width", "height", "src", "srcset", "rel"}
    if iframes:
        attributes["iframe"] = set(IFRAME_ATTRIBUTES)
    return nh3.Cleaner(
        tags=tags,
        clean_content_tags=drop,
        attributes=attributes,
        generic_attribute_prefixes={"data-"},
        url_schemes=set(URL_SCHEMES),
        strip_comments=True,
        link_rel=None,
    )


_DEFAULT = allowlist()


def sanitize(fragment: str) -> str:
    """The fragment with only allowlisted tags, attributes and URLs left. Never raises."""
    return _DEFAULT.clean(fragment)
