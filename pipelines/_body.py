"""The per-article step: one lxml parse for furniture, links and images, then the nh3 allowlist."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from lxml import etree

from crawler.limits.nesting import MAX_DEPTH, bound_depth
from pipelines._furniture import Furniture, maybe_empty, remove
from pipelines._images import ImageRewriter, Proxy
from pipelines._links import rewrite_links
from pipelines._sanitize import RENAMED_BLOCKS, allowlist, prepass
from pipelines._urls import absolute, host_matches, host_of

logger = logging.getLogger(__name__)

# What lxml refuses to hold: C0 controls (but tab, newline, carriage return) and lone surrogates.
_UNSTORABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_CONTROLS = bytes(c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D))
_BASE = re.compile(r"""<base\b[^<>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
# ammonia drops any element named like an SVG one (`text`, `desc`...) with everything inside,
# even in an old HTML page; renamed, they are unknown elements that the allowlist unwraps.
_SVG_NAMES = re.compile(r"<(/?)(text|tspan|desc)(?=[\s/>])", re.I)
_MATH = re.compile(r"<math[\s>]", re.I)
# What any of the three above needs: one scan finds that none applies (the usual case).
_RARE = re.compile(r"<(?:/?(?:text|tspan|desc)(?=[\s/>])|math[\s>]|base\b)", re.I)
_PREFIX, _SUFFIX = "<html><body>", "</body></html>"


@dataclass
class CleanBody:
    """An article body after the step, with what the step found out about it."""

    html: str
    cover: str | None = None
    images: dict[str, str] = field(default_factory=dict)   # original URL -> URL in the body
    primary: list[str] = field(default_factory=list)       # originals shown as img src/poster
    refused: list[str] = field(default_factory=list)       # private-network URLs, dropped
    unwrapped: int = 0  # elements nested deeper than max_depth, unwrapped (their text kept)


class BodyCleaner:
    """Cleans article bodies for one source: safe, without furniture, images displayable."""

    def __init__(
        self,
        *,
        proxy: Proxy | None = None,
        furniture: Furniture | None = None,
        keep_class: bool = False,
        iframe_hosts: Sequence[str] = (),
        max_depth: int = MAX_DEPTH,
        allowed_host: Callable[[str], bool] | None = None,
    ) -> None:
        self.max_depth = max_depth
        self.images = ImageRewriter(proxy or Proxy(None), allowed_host)
        self.furniture = furniture or Furniture()
        self.iframe_hosts = tuple(h.lower() for h in iframe_hosts)
        self.allowlist = allowlist(keep_class=keep_class, iframe_hosts=self.iframe_hosts)
        self.prepass = prepass(iframes=bool(self.iframe_hosts))
        self.parser = etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True,
                                       default_doctype=False)

    def clean(self, html: str, url: str = "", *, base: str | None = None,
              trusted_host: str = "") -> CleanBody:
        """The cleaned body; url is the article's, and the base for links and images unless
        base is given (the feed's xml:base where the content stands). A `<base href>` in the
        body wins over both.

        trusted_host is the feed's own host, whose images are fetched even when it is on a
        private network (the user chose it). The cleaner never raises: if lxml cannot hold
        the markup, the allowlist alone cleans it.
        """
        html = html or ""
        if _unstorable(html):
            html = _UNSTORABLE.sub("", html)
        rare = _RARE.search(html) is not None
        if rare:
            html = _SVG_NAMES.sub(r"<\1x-\2", html)
        if not html or html.isspace():  # as `not html.strip()`, without copying the body
            return CleanBody("")
        bounded = bound_depth(html, self.max_depth)  # before html5ever and lxml see it
        html = bounded.html
        rare = rare or (bounded.unwrapped > 0 and _RARE.search(html) is not None)
        try:
            if rare and _MATH.search(html):
                html = self._math_as_text(html)
            body, result = self._rewrite(html, url, base or url, trusted_host, rare)
        except (etree.LxmlError, ValueError, TypeError) as exc:
            logger.warning("%s: body kept as the allowlist alone cleans it (%s)", url, exc)
            body, result = html, CleanBody("")
        result.html = self.allowlist.clean(body).strip()
        result.unwrapped = bounded.unwrapped
        return result

    def _rewrite(self, html: str, url: str, base: str, trusted_host: str,
                 rare: bool = True) -> tuple[str, CleanBody]:
        declared = _BASE.search(html) if rare else None
        if declared:
            base = absolute(next(g for g in declared.groups() if g is not None), base) or base
        document = etree.fromstring(_PREFIX + self.prepass.clean(html) + _SUFFIX, self.parser)
        root = document.find("body")
        if root is None:
            return html, CleanBody("")
        self.furniture.apply(root)
        if self.iframe_hosts:
            self._iframes(root, base)
        rewrite_links(root, base, host_of(url or base))
        found = self.images.rewrite(root, base, trusted_host)
        for element in root.iter(*RENAMED_BLOCKS):
            element.tag = "div"
        root.attrib.clear()
        markup = etree.tostring(root, method="html", encoding="unicode")
        if maybe_empty(markup):  # seldom: serializing twice then costs less than looking
            Furniture.drop_empty(root)
            markup = etree.tostring(root, method="html", encoding="unicode")
        inner = _inner(markup)
        return inner, CleanBody("", found.cover, found.shown, found.primary, found.refused)

    def _math_as_text(self, html: str) -> str:
        """MathML (which the allowlist drops) replaced by its text: `a ≠ 0` stays readable."""
        document = etree.fromstring(_PREFIX + html + _SUFFIX, self.parser)
        root = document.find("body")
        if root is None:
            return html
        for math in list(root.iter("math")):
            etree.strip_elements(math, "annotation", "annotation-xml", with_tail=False)
            text = " ".join(t.strip() for t in math.itertext() if t.strip())
            tail = math.tail
            math.clear()
            math.tag, math.text, math.tail = "span", f" {text} " if text else None, tail
        return _inner(etree.tostring(root, method="html", encoding="unicode"))

    def _iframes(self, root: etree._Element, base: str) -> None:
        for frame in list(root.iter("iframe")):
            src = absolute(frame.get("src") or frame.get("data-src") or "", base)
            if src and host_matches(host_of(src), self.iframe_hosts):
                frame.set("src", src)
            else:
                remove(frame)


def _unstorable(html: str) -> bool:
    """Whether html holds a character of _UNSTORABLE; several times faster than searching
    the regex over text that is mostly CJK (a character class costs per character)."""
    if html.isascii():
        return len(html.encode("ascii").translate(None, _CONTROLS)) != len(html)
    latin = html.encode("latin-1", "ignore")  # the controls, without the CJK text
    if len(latin.translate(None, _CONTROLS)) != len(latin) or "\ufffe" in html or "\uffff" in html:
        return True
    try:
        html.encode("utf-16-le")  # refuses lone surrogates
    except UnicodeEncodeError:
        return True
    return False


def _inner(body: str) -> str:
    """What is inside a serialized, attribute-less `<body>`."""
    return body[len("<body>"):-len("</body>")] if body.startswith("<body>") else ""
