"""Point an already clean body's images at their downloaded copies."""

from __future__ import annotations

from collections.abc import Mapping

from lxml import etree

from pipelines._urls import format_srcset, parse_srcset

_PARSER = etree.HTMLParser(no_network=True, default_doctype=False)


def localize(html: str, saved: Mapping[str, str]) -> str:
    """html with every URL in saved (as shown in the body) replaced by its local path.

    An img whose src became local loses its srcset: the remote candidates would win on
    large screens and defeat the download.
    """
    document = etree.fromstring("<html><body>" + html + "</body></html>", _PARSER)
    root = document.find("body")
    if root is None:
        return html
    for element in root.iter("img", "source", "video"):
        for name in ("src", "poster"):
            value = element.get(name)
            if value in saved:
                element.set(name, saved[value])
                if element.tag == "img":
                    element.attrib.pop("srcset", None)
        srcset = element.get("srcset")
        if srcset:
            element.set("srcset", format_srcset(
                (saved.get(url, url), descriptor) for url, descriptor in parse_srcset(srcset)))
    root.attrib.clear()
    text = etree.tostring(root, method="html", encoding="unicode")
    return text[len("<body>"):-len("</body>")] if text.startswith("<body>") else html
