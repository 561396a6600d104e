"""The corpora's rule for a safe fragment ("Scoring sanitizing"), and readers for the corpora."""

from __future__ import annotations

import re
from pathlib import Path

import html5lib

from pipelines._urls import parse_srcset, scheme_of

FORBIDDEN = {"script", "iframe", "object", "embed", "form", "base", "meta"}
URL_ATTRIBUTES = {"href", "src", "srcset", "action", "formaction", "xlink:href", "poster"}
_BAD_STYLE = re.compile(r"expression\(|behavior:|url\(\s*['\"]?\s*javascript", re.I)
_IMAGE_DATA = re.compile(r"^data:image/", re.I)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def unsafe(fragment: str) -> list[str]:
    """Why fragment is unsafe (parsed again by html5lib), or [] when it is safe."""
    root = html5lib.parseFragment(fragment, treebuilder="etree", namespaceHTMLElements=False)
    problems = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = _local(element.tag)
        if tag in FORBIDDEN:
            problems.append(f"<{tag}>")
        for raw_name, value in element.attrib.items():
            name = _local(raw_name).lower()
            if raw_name.endswith("}href") or raw_name == "xlink:href":
                name = "xlink:href"
            if name.startswith("on"):
                problems.append(f"{tag}[{name}]")
            if name == "style" and _BAD_STYLE.search(value):
                problems.append(f"{tag}[style={value!r}]")
            if name in URL_ATTRIBUTES:
                urls = [u for u, _ in parse_srcset(value)] if name == "srcset" else [value]
                for url in urls:
                    scheme = scheme_of(url)
                    if scheme in ("javascript", "vbscript") or (
                            scheme == "data" and not _IMAGE_DATA.match(url.strip())):
                        problems.append(f"{tag}[{name}={url[:60]!r}]")
    return problems


def bleach_vectors(folder: Path) -> list[str]:
    paths = sorted(folder.glob("*.test"))
    return [p.read_text(encoding="utf-8").split("\n--\n", 1)[0] for p in paths]


def dat_inputs(path: Path) -> list[str]:
    """The #data sections of an html5lib tree-construction file."""
    inputs, current, inside = [], [], False
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line == "#data":
            current, inside = [], True
        elif inside and line.startswith("#") and line in ("#errors", "#document-fragment",
                                                          "#script-off", "#script-on",
                                                          "#new-errors", "#document"):
            inputs.append("\n".join(current))
            inside = False
        elif inside:
            current.append(line)
    return inputs


def feed_strings(value: object) -> list[str]:
    """Every string inside a feedparser result (titles, summaries, content values...)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in feed_strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in feed_strings(v)]
    return []
