"""Links in an article body: absolute, without click trackers, web schemes only, rel on external."""

from __future__ import annotations

from lxml import etree

from pipelines._sanitize import EXTERNAL_REL
from pipelines._urls import absolute, host_of, scheme_of, strip_tracking

CITING = ("blockquote", "q", "del", "ins")


def rewrite_links(root: etree._Element, base: str, article_host: str) -> None:
    """Every `a href` made absolute and tracker-free, or removed; rel only on external links."""
    for link in root.iter("a"):
        href = link.get("href")
        if href is None:
            link.attrib.pop("rel", None)
            continue
        href = href.strip()
        if href.startswith("#"):
            link.set("href", href)  # in-document anchor: stays in the archived copy
            link.attrib.pop("rel", None)
            continue
        if href[:7].lower() == "mailto:" or (":" in href[:12] and scheme_of(href) == "mailto"):
            link.attrib.pop("rel", None)
            continue
        url = absolute(href, base)
        if url is None:
            del link.attrib["href"]
            link.attrib.pop("rel", None)
            continue
        link.set("href", strip_tracking(url))
        if host_of(url) != article_host:
            link.set("rel", EXTERNAL_REL)
        else:
            link.attrib.pop("rel", None)
    for quote in root.iter(*CITING):
        cite = quote.get("cite")
        if cite is not None:
            url = absolute(cite, base)
            if url is None:
                del quote.attrib["cite"]
            else:
                quote.set("cite", url)

