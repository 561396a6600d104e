"""Article bodies as readable text, and word-by-word (CJK: character) differences between them."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from html import unescape

import lxml.html
from lxml import etree

_BLOCKS = frozenset([
    "address", "article", "aside", "blockquote", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li", "main",
    "nav", "ol", "p", "pre", "section", "table", "tbody", "thead", "tfoot", "tr", "ul",
])
_CJK = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef\U00020000-\U0002fa1f"
)
# One CJK character, a run of other word characters, a run of blanks, or one other symbol.
_TOKEN = re.compile(rf"[{_CJK}]|[^\s{_CJK}\W]+|\s+|[^\s]")
_WORD = re.compile(rf"[^\s{_CJK}\W]")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# Controls (C0, DEL, C1: a terminal obeys ESC and CSI sequences), zero-width and bidi
# controls, and lone surrogates (a JSON Feed's "\\ud800"): no UTF-8 file or ledger holds them.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200b-\u200f\u202a-\u202e"
                      r"\u2066-\u2069\ud800-\udfff]")
_SPACE = re.compile(r"\s+")
# What lxml refuses to hold in a text node (ValueError): C0 controls but tab, newline and
# carriage return, lone surrogates, U+FFFE/U+FFFF. A body read from an archive file (a
# clone of someone else's archive) may hold them; they are left out of its text.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_TAG = re.compile(r"<[^<>]*>")
_HIDDEN = frozenset(["script", "style", "template"])  # never shown to a reader

DIFF_BUDGET = 20_000_000  # token pairs word_diff lets difflib compare (about 4,500 x 4,500)
Segment = tuple[str, str]  # (op, text) with op one of "equal", "delete", "insert"


def clean_text(value: str | None) -> str:
    """Plain one-line text: no control, bidi-override or lone surrogate characters, collapsed
    whitespace."""
    if not value:
        return ""
    return _SPACE.sub(" ", _CONTROL.sub("", value)).strip()


def html_to_text(html: str, *, inline: bool = False) -> str:
    """The text a reader sees in html: entities decoded, script and style left out.

    By default one line per block (paragraphs, headings, list items, `<br>`), blank runs
    squashed, images as `[image: alt]`: what the snapshot diff compares. `inline=True`
    gives it as one clean line without the image markers (clean_text): for titles, a
    fallback title, or measuring how much text a feed item holds.
    """
    if not html or not html.strip():
        return ""
    text = unescape(html) if "<" not in html else _markup_text(html, images=not inline)
    if inline:
        return clean_text(text)
    text = "\n".join(" ".join(line.split()) for line in text.split("\n"))
    return _BLANK_LINES.sub("\n\n", text).strip()


def _markup_text(html: str, *, images: bool) -> str:
    html = _NOT_XML.sub("", html)
    try:
        # huge_tree: libxml2 keeps up to ~2,000 levels of nesting instead of dropping the
        # text below level 255 (hostile or broken markup nests that deep).
        parser = lxml.html.HTMLParser(huge_tree=True)  # one per call: parsers are not thread-safe
        root = lxml.html.fragment_fromstring(html, create_parent="div", parser=parser)
    except (etree.ParserError, ValueError):  # empty after parsing, odd markup
        return unescape(_TAG.sub(" ", html))
    for node in [n for n in root.iter() if isinstance(n.tag, str) and n.tag.lower() in _HIDDEN]:
        node.drop_tree()  # its tail (the text after it) stays
    # Line breaks in the source are blanks, as a browser shows them, except inside <pre>.
    kept = {d for pre in root.iter("pre") for d in pre.iter()}
    for node in root.iter():
        if node not in kept and node.text:
            node.text = _SPACE.sub(" ", node.text)
        if node.getparent() not in kept and node.tail:
            node.tail = _SPACE.sub(" ", node.tail)
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        tag = node.tag.lower()
        if tag == "br":
            node.tail = "\n" + (node.tail or "")
        elif tag == "img" and images:
            alt = node.get("alt") or node.get("src") or ""
            node.tail = f"[image: {alt}]" + (node.tail or "")
        elif tag in _BLOCKS:
            node.text = "\n" + (node.text or "")
            node.tail = "\n" + (node.tail or "")
    return str(root.text_content())


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text)


def squash_whitespace(text: str) -> str:
    return " ".join(text.split())


def word_diff(old: str, new: str) -> list[Segment]:
    """The two texts as runs of equal, deleted and inserted text, by word (CJK by character)."""
    # Edits are usually local: the common head and tail are found by comparing strings (in
    # C), cut back to a token boundary, and only the part in between is tokenized and handed
    # to difflib (quadratic on repetitive text).
    most = min(len(old), len(new))
    head = _common(lambda k: old[:k] == new[:k], most)
    tail = _common(lambda k: old[len(old) - k :] == new[len(new) - k :], most - head)
    head = _boundary(old, head, -1)
    tail = len(old) - _boundary(old, len(old) - tail, +1)
    segments: list[Segment] = []
    if head:
        _append(segments, "equal", old[:head])
    a, b = tokens(old[head : len(old) - tail]), tokens(new[head : len(new) - tail])
    # Blanks are every other token: as match starts they made difflib compare every blank of
    # one side with every blank of the other (a rewritten 1,000-word article took 9 s, a
    # 20,000-word one 270 s); they still extend matches. Past the budget (a rewrite of
    # thousands of words, or hostile repetitive text) the middle is shown replaced whole.
    if len(a) * len(b) > DIFF_BUDGET:
        opcodes = [("replace", 0, len(a), 0, len(b))]
    else:
        opcodes = difflib.SequenceMatcher(str.isspace, a, b, autojunk=False).get_opcodes()
    for op, i1, i2, j1, j2 in opcodes:
        if op == "equal":
            _append(segments, "equal", "".join(a[i1:i2]))
        else:
            if i2 > i1:
                _append(segments, "delete", "".join(a[i1:i2]))
            if j2 > j1:
                _append(segments, "insert", "".join(b[j1:j2]))
    if tail:
        _append(segments, "equal", old[len(old) - tail :])
    return segments


def _kind(char: str) -> str:
    if char.isspace():
        return "space"
    return "word" if _WORD.match(char) else "single"


def _boundary(text: str, edge: int, step: int) -> int:
    """The nearest position from edge inwards, into the common part, where a token starts.

    edge is the end of the common head (step -1) or the start of the common tail (step +1);
    the characters on both sides of the returned position are common to both texts.
    """
    pos = edge - 1 if step < 0 else edge + 1
    while 0 < pos < len(text):
        before, after = _kind(text[pos - 1]), _kind(text[pos])
        if before != after or before == "single":
            return pos
        pos += step
    return 0 if step < 0 else len(text)


def _common(equal: Callable[[int], bool], most: int) -> int:
    """The largest k <= most with equal(k), by bisection (list slices compare in C)."""
    low, high = 0, most
    while low < high:
        middle = (low + high + 1) // 2
        if equal(middle):
            low = middle
        else:
            high = middle - 1
    return low


def _append(segments: list[Segment], op: str, text: str) -> None:
    if segments and segments[-1][0] == op:
        segments[-1] = (op, segments[-1][1] + text)
    else:
        segments.append((op, text))


def side(segments: list[Segment], which: str) -> str:
    """The old ("delete") or new ("insert") text back from the segments."""
    return "".join(text for op, text in segments if op in ("equal", which))
