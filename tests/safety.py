"""The safety rule of ../shared/corpora/README.md ("Scoring sanitizing"), as a function."""

from __future__ import annotations

import re

import html5lib

BANNED_ELEMENTS = {"script", "iframe", "object", "embed", "form", "base", "meta"}
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "xlink:href", "poster"}
_BAD_SCHEME = re.compile(r"^\s*(javascript|vbscript):", re.IGNORECASE)
_DATA = re.compile(r"^\s*data:(?!image/(png|gif|jpe?g|webp|avif);)", re.IGNORECASE)
_BAD_STYLE = re.compile(r"expression\(|behavior:|url\(\s*['\"]?\s*javascript", re.IGNORECASE)


def unsafe_reasons(fragment: str) -> list[str]:
    """Why a cleaned fragment is unsafe; empty when it is safe."""
    tree = html5lib.parseFragment(fragment, treebuilder="etree", namespaceHTMLElements=False)
    reasons = []
    for element in tree.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        local = tag.rsplit("}", 1)[-1].lower()
        if local in BANNED_ELEMENTS:
            reasons.append(f"<{local}> element")
        for name, value in element.attrib.items():
            key = str(name).rsplit("}", 1)[-1].lower()
            if key.startswith("on"):
                reasons.append(f"{key} attribute")
            if key in URL_ATTRIBUTES or str(name).lower().endswith("href"):
                for candidate in str(value).split(","):
                    if _BAD_SCHEME.match(candidate) or _DATA.match(candidate):
                        reasons.append(f"{key}={value[:40]!r}")
            if key == "style" and _BAD_STYLE.search(str(value)):
                reasons.append(f"style={value[:40]!r}")
    return reasons
