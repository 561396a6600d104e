"""Automatic article finding: readability-style scoring of text blocks, CJK-aware, in lxml."""

from __future__ import annotations

import re

from crawler.extract._dom import BLOCKS, INLINE, HtmlElement, tag_of
from crawler.extract.prune import class_weight, prune_page

_COMMAS = re.compile(r"[,，、。；;]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uff00-\uffef]")
_SENTENCE_END = re.compile(r"[.!?。！？」”\"']\s*$")
_PARAGRAPHS = frozenset({"p", "pre", "blockquote", "li", "h2", "h3", "h4", "dd"})
_TAG_BONUS = {
    "div": 5, "article": 10, "section": 3, "main": 5, "pre": 3, "td": 3, "blockquote": 3,
    "body": 0, "form": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3, "dt": -3, "li": -3,
    "address": -3, "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5,
}
_WRAPS = frozenset({"div", "section", "span", "font", "center"})
MIN_BLOCK = 25


class _Stats:
    """Per-element text totals gathered in one pass over the tree."""

    __slots__ = ("chars", "commas", "links", "own")

    def __init__(self) -> None:
        self.chars = 0  # weighted characters in the subtree (a CJK character counts 3)
        self.links = 0  # of which inside links
        self.commas = 0
        self.own = 0  # weighted characters directly in this block (not in child blocks)


def _weight(text: str) -> int:
    stripped = text.strip()
    if not stripped:
        return 0
    if stripped.isascii():
        return len(stripped)
    return len(stripped) + 2 * len(_CJK.findall(stripped))


def _commas(text: str) -> int:
    count = text.count(",") + text.count(";")
    if not text.isascii():
        count += sum(text.count(c) for c in "，、。；")
    return count


def measure(root: HtmlElement) -> dict[HtmlElement, _Stats]:
    """Weighted text, link text and commas per element (subtree totals) and per block."""
    stats: dict[HtmlElement, _Stats] = {}
    order: list[HtmlElement] = []

    def walk(el: HtmlElement, block: HtmlElement, in_link: bool) -> None:
        tag = el.tag
        if tag in BLOCKS or tag not in INLINE:
            block = el
        in_link = in_link or tag == "a"
        order.append(el)
        text = el.text
        if text and not text.isspace():  # layout whitespace, most text nodes: no weight
            _add(text, el, block, in_link)
        for child in el:
            if type(child.tag) is str:
                walk(child, block, in_link)
            text = child.tail
            if text and not text.isspace():
                _add(text, el, block, in_link)

    def _add(text: str, el: HtmlElement, block: HtmlElement, in_link: bool) -> None:
        size = _weight(text)
        if not size:
            return
        s = stats.get(el)
        if s is None:
            s = stats[el] = _Stats()
        s.chars += size
        s.commas += _commas(text)
        if in_link:
            s.links += size
        b = stats.get(block)
        if b is None:
            b = stats[block] = _Stats()
        b.own += size

    walk(root, root, False)
    for el in reversed(order):  # children before parents: add subtree totals upwards
        s = stats.get(el)
        if s is None or el is root:
            continue
        parent = el.getparent()
        p = stats.get(parent)
        if p is None:
            p = stats[parent] = _Stats()
        p.chars += s.chars
        p.links += s.links
        p.commas += s.commas
    return stats


def link_density(stats: dict[HtmlElement, _Stats], el: HtmlElement) -> float:
    s = stats.get(el)
    return s.links / s.chars if s and s.chars else 0.0


def score(root: HtmlElement, stats: dict[HtmlElement, _Stats]) -> dict[HtmlElement, float]:
    """Readability's content score: each paragraph-like block feeds its ancestors."""
    scores: dict[HtmlElement, float] = {}
    for el, s in list(stats.items()):
        if s.own < MIN_BLOCK or s.links > s.own * 0.5:
            continue
        points = 1 + min(s.commas, 30) + min(s.own / 100, 3)
        tag = tag_of(el)
        node: HtmlElement | None = el if tag not in _PARAGRAPHS else el.getparent()
        for level in range(5):
            if node is None or not tag_of(node):
                break
            if node not in scores:
                scores[node] = _TAG_BONUS.get(tag_of(node), 0) + class_weight(node)
            scores[node] += points / (1 if level == 0 else 2 if level == 1 else level * 3)
            node = node.getparent()
    return {el: sc * (1 - link_density(stats, el)) for el, sc in scores.items()}


def find_content(root: HtmlElement, *, strict: bool = True
                 ) -> tuple[list[HtmlElement], float]:
    """The elements that hold the article (top candidate and related siblings) and its score.

    strict=False keeps blocks whose class or id only looks unlikely (the retry on pages
    where the strict pass found too little)."""
    body = root.find("body")
    if body is None:
        body = root
    prune_page(body, unlikely=strict)
    stats = measure(body)
    scores = score(body, stats)
    if not scores:
        return [body], 0.0
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    top, best = ranked[0]
    top = _widen(top, best, ranked[1:6], scores)
    parent = top.getparent()
    if parent is None or tag_of(top) == "body":
        return [top], best
    threshold = max(10.0, scores.get(top, best) * 0.2)
    picked = []
    for sibling in parent:
        if sibling is top or (tag_of(sibling) and _belongs(sibling, threshold, scores, stats)):
            picked.append(sibling)
    return picked, best


def _widen(top: HtmlElement, best: float, others: list[tuple[HtmlElement, float]],
           scores: dict[HtmlElement, float]) -> HtmlElement:
    """Move up when other strong candidates share an ancestor or the parent scores alike."""
    close = [el for el, sc in others if sc >= best * 0.75]
    if len(close) >= 3:
        ancestors = list(top.iterancestors())
        for ancestor in ancestors:
            if tag_of(ancestor) == "body":
                break
            if sum(1 for el in close if ancestor in set(el.iterancestors())) >= 3:
                return ancestor
    node = top
    while (parent := node.getparent()) is not None and tag_of(parent) not in ("body", "html"):
        if len([c for c in parent if tag_of(c)]) == 1:
            node = parent  # the only child: its parent holds exactly the same content
            continue
        if parent in scores and scores[parent] > scores.get(node, best) * 0.9:
            node = parent
            continue
        break
    return node


def _belongs(el: HtmlElement, threshold: float, scores: dict[HtmlElement, float],
             stats: dict[HtmlElement, _Stats]) -> bool:
    if scores.get(el, 0) >= threshold:
        return True
    el = _single_paragraph(el)
    if tag_of(el) != "p":
        return False
    s = stats.get(el)
    if s is None or not s.chars:
        return False
    density = s.links / s.chars
    if s.chars > 80:
        return density < 0.25
    text = el.text_content()
    return density == 0 and bool(_SENTENCE_END.search(text))


def _single_paragraph(el: HtmlElement) -> HtmlElement:
    """The paragraph a wrapper holds and nothing else (<div class="secondPar"><p>…</p></div>
    is a paragraph), else the element itself."""
    node = el
    while len(node) == 1 and not (node.text or "").strip() and tag_of(node) in _WRAPS:
        child = node[0]
        if (child.tail or "").strip():
            break
        node = child
    return node if tag_of(node) == "p" else el
