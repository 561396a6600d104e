"""Reading the corpus pages: tokens by the corpora's rule, charsets, article containers, images."""

from __future__ import annotations

import copy
import re
from collections import Counter
from pathlib import Path
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

from pipelines._images import LAZY_SRC, is_placeholder, side
from pipelines._urls import best_candidate, parse_srcset

READABILITY_BASE = "http://fakehost/test/page.html"
CHINESE_BASE = "http://news.example.cn/a/article.html"
_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u3040-\u30ff\uac00-\ud7af"
_TOKEN = re.compile(rf"[{_CJK}]|[^\W{_CJK}]+")
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)
INVISIBLE = ("script", "style", "noscript", "template", "head", "title")


def tokens(text: str) -> Counter[str]:
    """Every CJK character is a token; other text is lower-cased and split on non-word chars."""
    return Counter(_TOKEN.findall(text.lower()))


def visible_text(fragment: etree._Element | str) -> str:
    root = parse(fragment) if isinstance(fragment, str) else fragment
    root = copy.deepcopy(root)
    etree.strip_elements(root, etree.Comment, *INVISIBLE, with_tail=False)
    return " ".join(root.itertext())


def parse(html: str) -> etree._Element:
    return lxml_html.fragment_fromstring(html, create_parent="div")


def decode(raw: bytes) -> str:
    """A page's text: its declared charset (GB2312/GBK as GB18030), else UTF-8, else GB18030."""
    declared = _CHARSET.search(raw[:4096])
    names = [declared.group(1).decode().lower()] if declared else []
    names = ["gb18030" if n in ("gb2312", "gbk", "gb_2312-80") else n for n in names]
    for name in [*names, "utf-8", "gb18030"]:
        try:
            return raw.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("gb18030", errors="replace")


def best_container(page: str, gold: Counter[str]) -> etree._Element:
    """The element of page whose visible tokens match the gold text best (F1)."""
    root = lxml_html.document_fromstring(page)
    etree.strip_elements(root, etree.Comment, *INVISIBLE, with_tail=False)
    total = sum(gold.values())
    best, best_f1 = root, -1.0
    for element in root.iter("div", "td", "article", "section", "main", "table", "body", "font"):
        found = tokens(" ".join(element.itertext()))
        size = sum(found.values())
        if size < total * 0.5:
            continue
        hit = sum((found & gold).values())
        f1 = 2 * hit / (size + total) if size + total else 0.0
        if f1 > best_f1:
            best, best_f1 = element, f1
    return best


def content_images(container: etree._Element, base: str) -> list[str]:
    """Absolute URLs of the images a reader sees: lazy sources resolved, spacers left out."""
    urls = []
    for img in container.iter("img"):
        sides = [side(img.get("width")), side(img.get("height"))]
        if any(s is not None and s <= 1 for s in sides):
            continue
        lazy = next((img.get(a) for a in LAZY_SRC if img.get(a)), None)
        srcset = img.get("data-srcset") or img.get("srcset") or ""
        src = lazy or img.get("src") or best_candidate(parse_srcset(srcset)) or ""
        src = src.strip()
        if not src or is_placeholder(src) or src.startswith("data:"):
            continue
        urls.append(urljoin(base, src))
    return urls


def image_sources(fragment: str) -> set[str]:
    """Every URL an img in the cleaned fragment may load (src and srcset)."""
    found = set()
    for img in parse(fragment).iter("img"):
        found.add(img.get("src", ""))
        found.update(url for url, _ in parse_srcset(img.get("srcset", "")))
    return found


def page_folders(root: Path) -> list[Path]:
    return sorted(p for p in root.iterdir() if (p / "expected.html").is_file())
