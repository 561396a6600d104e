"""Inside the chosen content: furniture that conditional cleaning drops, copies, the title."""

from __future__ import annotations

import re

from crawler.extract._dom import HtmlElement, tag_of
from crawler.extract.auto import link_density, measure
from crawler.extract.prune import MOST, class_weight

_CAPTION = re.compile(r"caption|credit", re.I)
REPEAT_TEXT = 100  # characters: shorter blocks (credits, "Advertisement") may recur
TITLE_MATCH = 0.75  # share of a heading's words found in the title to call it the title
_WORDS = re.compile(r"\w+")
PICTURE_TEXT = 300  # weighted characters: a caption, a credit, not a block of text
_IMAGE_LINK = re.compile(r"\.(?:jpe?g|png|gif|webp|avif)(?:[?#].*)?$", re.I)


def clean_content(container: HtmlElement, title: str | None, *, conditional: bool = True
                  ) -> None:
    """Inside the chosen content: drop link lists, image farms, forms and the title repeat."""
    stats = measure(container)
    whole = stats[container].chars if container in stats else 0
    doomed = []
    for el in container.iter("div", "section", "table", "ul", "ol", "header", "form", "h1",
                             "h2", "figure", "p"):
        if el is container:
            continue
        tag = tag_of(el)
        weight = class_weight(el)
        density = link_density(stats, el)
        s = stats.get(el)
        chars = s.chars if s else 0
        if tag in ("h1", "h2"):
            text = " ".join(el.text_content().split())
            if weight < 0 or density > 0.33 or (title and text and _same_title(text, title)):
                doomed.append(el)
            continue
        if not conditional or (whole and chars > whole * MOST):
            continue  # a wrapper of most of the article is never furniture
        picture = tag == "figure" or (weight < 0 and _picture(el, chars, density))
        if tag == "p":  # a paragraph goes only by its name (a "meta" notice, a byline);
            if (weight < 0 and el.find(".//img") is None  # a picture or its caption stays
                    and not _CAPTION.search(f"{el.get('class')} {el.get('id')}")):
                doomed.append(el)
            continue
        if weight < 0 and not picture:
            doomed.append(el)
            continue
        commas = s.commas if s else 0
        if commas >= 10:
            continue
        paragraphs = len(el.findall(".//p"))
        images = len(el.findall(".//img"))
        items = len(el.findall(".//li"))
        inputs = len(el.findall(".//input"))
        if picture:
            continue
        # A short block that is a fifth links is a link list; a long one must be mostly
        # links (a table of other stories' headlines and teasers), as a long passage of
        # the article may cite many sources, and so must a list, whose items often each
        # cite one (a changelog's bug links; readability.js exempts lists here too).
        link_list = 0.2 if chars < 1000 and tag not in ("ul", "ol") else 0.5
        if ((images > 1 and paragraphs / images < 0.5 and chars < 200)
                or (tag not in ("ul", "ol") and items > paragraphs + 10 and density > 0.3)
                or inputs > paragraphs / 3 + 1
                or (chars < 25 and (images == 0 or images > 2) and tag != "table")
                or (weight < 25 and density > link_list)
                or (weight >= 25 and density > 0.5)):
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
    _drop_repeats(container)


def _drop_repeats(container: HtmlElement) -> None:
    """A block of paragraphs that all appeared earlier in the content is a copy (a page
    carrying its text twice, once per layout): the first copy stays, later ones go. Single
    paragraphs may repeat on purpose (a refrain, a pull quote) and are left alone."""
    text_of = {p: " ".join(p.text_content().split()) for p in container.iter("p")}
    first: dict[str, HtmlElement] = {}
    for p, text in text_of.items():
        first.setdefault(text, p)
    if len(first) == len(text_of):
        return  # no paragraph repeats

    def copied(block: HtmlElement) -> bool:
        texts = [t for t in map(text_of.get, block.iter("p")) if t]
        return len(texts) > 1 and sum(map(len, texts)) >= REPEAT_TEXT and all(
            block not in first[t].iterancestors() for t in texts)

    def walk(el: HtmlElement) -> None:
        for child in list(el):
            if tag_of(child) in ("div", "section", "article") and copied(child):
                child.drop_tree()
            elif len(child):
                walk(child)

    walk(container)


def _same_title(heading: str, title: str) -> bool:
    """The page's title repeated as a heading: its words are (nearly) all in the title, which
    may carry a site name or a kicker besides (readability's title similarity)."""
    if heading == title:
        return True
    words = _WORDS.findall(heading.lower())
    if len(words) < 3:  # "Introduction" in a title about an introduction is a section
        return False
    in_title = set(_WORDS.findall(title.lower()))
    return sum(w in in_title for w in words) >= len(words) * TITLE_MATCH


def _picture(el: HtmlElement, chars: int, density: float) -> bool:
    """A figure in all but name: one or two images with at most a caption. An image that
    links elsewhere (a share button, a teaser) does not count; one that links to a larger
    copy of itself does."""
    if chars > PICTURE_TEXT or density > 0.5:
        return False
    images = 0
    for img in el.iter("img"):
        node = img.getparent()
        while node is not None and node is not el and tag_of(node) != "a":
            node = node.getparent()
        if node is el or (node is not None and _IMAGE_LINK.search(node.get("href") or "")):
            images += 1
    return 0 < images <= 2
