"""Bound how deep HTML nests before a tree parser sees it: deeper elements are unwrapped.

html5ever (nh3) spends time quadratic in the depth (100,000 nested divs: 18 s of CPU) and
lxml's parser silently drops everything below depth 255 (a paragraph inside 1,000 divs
comes out empty). One linear scan over the tags finds the depth; only a body deeper than
the limit is rewritten: the start and end tags of the elements below the limit are removed,
so their text and their void children (img, br) stay, one level up.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

MAX_DEPTH = 128  # lxml holds 254 levels; html5ever adds <html><body>

# Comments and raw-text elements are skipped whole (to their end, or to the end of the
# text when unclosed, as a browser does), so markup inside them is not counted.
_TOKEN = re.compile(
    r"<!--.*?(?:-->|\Z)"
    r"|<(script|style|textarea|title|xmp|plaintext|noscript)\b.*?(?:</\1\s*>|\Z)"
    r"|<(/?)([A-Za-z][A-Za-z0-9:-]*)[^<>]*>",  # not [^>]*: `<a <a <a` would be quadratic
    re.DOTALL | re.IGNORECASE,
)
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
                  "param", "source", "track", "wbr", "keygen", "frame", "basefont", "isindex"})
# An open one of these is closed by the next start of its kind (`<p>a<p>b`, `<li>a<li>b`).
_SELF_CLOSING_RUN = {"p": {"p"}, "li": {"li"}, "dt": {"dt", "dd"}, "dd": {"dt", "dd"},
                     "tr": {"tr"}, "td": {"td", "th"}, "th": {"td", "th"},
                     "option": {"option"}}
# A block start closes an open <p> (`<p>text<div>` is a p, then a div beside it).
_CLOSES_P = frozenset({"address", "article", "aside", "blockquote", "div", "dl", "fieldset",
                       "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
                       "hr", "main", "nav", "ol", "p", "pre", "section", "table", "ul"})


@dataclass(frozen=True)
class Bounded:
    """The markup, nested at most `limit` deep, and how many elements were unwrapped."""

    html: str
    unwrapped: int = 0


def bound_depth(html: str, limit: int = MAX_DEPTH) -> Bounded:
    """html with every element deeper than limit unwrapped (its tags gone, its text kept)."""
    if html.count("<") <= limit:
        return Bounded(html)  # too few tags to nest that deep
    stack: list[tuple[str, bool]] = []  # open elements: (name, kept)
    names: Counter[str] = Counter()  # of the open elements, for O(1) "is one open?"
    out: list[str] = []
    done = 0  # html[:done] is in out
    unwrapped = 0
    for match in _TOKEN.finditer(html):
        slash, name = match.group(2), match.group(3)
        if name is None:
            continue  # a comment or raw-text element: kept as it is
        name = name.lower()
        if slash:
            if not names[name]:
                continue  # closes nothing open: left for the parser to ignore
            while True:
                open_name, kept = stack.pop()
                names[open_name] -= 1
                if open_name == name:
                    break
            if not kept:
                out.append(html[done:match.start()])
                done = match.end()
            continue
        if name in VOID or match.group(0).endswith("/>"):
            continue
        if stack and (stack[-1][0] in _SELF_CLOSING_RUN.get(name, ()) or (
                stack[-1][0] == "p" and name in _CLOSES_P)):
            open_name, _ = stack.pop()
            names[open_name] -= 1
        keep = len(stack) < limit
        stack.append((name, keep))
        names[name] += 1
        if not keep:
            unwrapped += 1
            out.append(html[done:match.start()])
            out.append(" ")  # words on either side of a removed tag stay apart
            done = match.end()
    if not unwrapped:
        return Bounded(html)
    out.append(html[done:])
    return Bounded("".join(out), unwrapped)
