"""Images in an article body: lazy loading resolved, placeholders dropped, proxy by scope, cover."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from lxml import etree

from archive import safe_url
from pipelines._furniture import remove
from pipelines._urls import (
    absolute,
    best_candidate,
    format_srcset,
    host_matches,
    host_of,
    is_private_host,
    parse_srcset,
    scheme_of,
)

LAZY_SRC = ("data-src", "data-original", "data-actualsrc", "data-lazy-src", "data-lazyload",
            "data-lazy", "data-echo", "data-original-src", "data-hi-res-src")
LAZY_SRCSET = ("data-srcset", "data-lazy-srcset")
MIN_COVER_SIDE = 100
_PLACEHOLDER_FILE = re.compile(
    r"(?:^|/)(?:spinner|loading|loader|blank|placeholder|lazy|lazyload|lazy-load|spacer|pixel"
    r"|transparent|grey|gray|1x1|empty|clear|dot|trans)(?:[-_@.]?[a-z0-9]{0,8})?"
    r"\.(?:gif|png|svg|webp)$", re.I)
_TRACKERS = ("feeds.feedburner.com/~r/", "feeds.feedburner.com/~ff/", "pixel.wp.com/",
             "stats.wordpress.com/", "www.google-analytics.com/", "pixel.quantserve.com/",
             "sb.scorecardresearch.com/", "feedads.g.doubleclick.net/", "pi.feedsportal.com/",
             "ad.doubleclick.net/", "feeds.wordpress.com/1.0/", "analytics.", "/tracking/pixel",
             "/track/open", "hm.baidu.com/")
_ICON_CLASS = re.compile(r"emoji|icon|avatar|smiley|logo|badge", re.I)
_IMAGE_DATA = re.compile(r"^data:image/(?!gif)[a-z0-9.+-]+[;,]", re.I)
MIN_DATA_URL = 160  # shorter inline images are 1x1 spacers


class Proxy:
    """`[images] proxy` and `proxy_scope` applied to one absolute URL."""

    def __init__(self, template: str | None, scope: str | Sequence[str] = "http") -> None:
        self.template = template
        self.scope = scope if isinstance(scope, str) else tuple(p.lower() for p in scope)
        self.prefix = template.split("{", 1)[0] if template else ""
        # percent-encoding every image URL costs more than the rest of the proxying
        self.quoted = template is not None and "url_quoted" in template

    def __call__(self, url: str) -> str:
        if not self.template or url.startswith(self.prefix):
            return url
        scheme = scheme_of(url)
        if scheme not in ("http", "https"):
            return url  # never a data:, file: or other URL
        if self.scope == "http" and scheme != "http":
            return url
        host = host_of(url)
        if is_private_host(host):
            return url
        if not isinstance(self.scope, str) and not host_matches(host, self.scope):
            return url
        return self.template.format(url=url, url_quoted=quote(url, safe="") if self.quoted else "")


def side(value: str | None) -> int | None:
    """A width or height attribute in pixels, None when unknown (`100%`, `auto`)."""
    if value is None:
        return None
    try:
        return int(float(value.strip().lower().removesuffix("px")))
    except ValueError:
        return None


def is_placeholder(url: str) -> bool:
    """A spacer, spinner, tracking pixel or tiny inline image: never content."""
    if url.startswith(("data:", "DATA:", "Data:")):
        return len(url) < MIN_DATA_URL or not _IMAGE_DATA.match(url)
    path = url.split("?", 1)[0].split("#", 1)[0]
    return bool(_PLACEHOLDER_FILE.search(path)) or any(t in url for t in _TRACKERS)


@dataclass
class ImageFindings:
    """What the image pass saw: the cover, the images it kept, the URLs it refused."""

    cover: str | None = None
    shown: dict[str, str] = field(default_factory=dict)  # original URL -> URL in the body
    primary: list[str] = field(default_factory=list)     # originals shown as img src or poster
    refused: list[str] = field(default_factory=list)     # private-network URLs, dropped

    def add_primary(self, shown: str) -> None:
        for original, url in self.shown.items():
            if url == shown and original not in self.primary:
                self.primary.append(original)
                return


class ImageRewriter:
    """Resolves, filters and proxies the images of one parsed body."""

    def __init__(self, proxy: Proxy, allowed: Callable[[str], bool] | None = None) -> None:
        self.proxy = proxy
        # hosts the owner allows although they are not public ([crawl] allow_hosts,
        # allow_networks, the hosts written in feedvault.toml): their images stay
        self.allowed = allowed or (lambda host: False)

    def rewrite(self, root: etree._Element, base: str, trusted_host: str = "") -> ImageFindings:
        found = ImageFindings()
        for img in list(root.iter("img")):
            best = self._srcset(img, base, trusted_host, found)
            src = self._src(img, base, trusted_host, found) or best
            if src is None:
                remove(img)
                continue
            img.set("src", src)
            img.set("referrerpolicy", "no-referrer")
            found.add_primary(src)
            if found.cover is None and src[:4].lower() == "http" and _cover_sized(img):
                found.cover = src
        for source in root.iter("source"):
            parent = source.getparent()
            if parent is not None and parent.tag == "picture":
                self._set(source, "src", self.image(source.get("src"), base, trusted_host, found))
                self._srcset(source, base, trusted_host, found)
            else:
                self._set(source, "src", _plain(source.get("src"), base))
        for media in root.iter("video", "audio", "track"):
            self._set(media, "src", _plain(media.get("src"), base))
            if media.tag == "video":
                poster = self.image(media.get("poster"), base, trusted_host, found)
                self._set(media, "poster", poster)
                if poster:
                    found.add_primary(poster)
        return found

    def image(self, raw: str | None, base: str, trusted_host: str,
              found: ImageFindings) -> str | None:
        """One image URL made absolute and proxied; None if unusable, a placeholder or refused."""
        if raw is None or not raw.strip():
            return None
        raw = raw.strip()
        if raw[:5].lower() == "data:":
            return None if is_placeholder(raw) else safe_url(raw)
        url = _plain(raw, base)
        if url is None or is_placeholder(url):
            return None
        url = safe_url(url)  # the URL as the body, and the cover in front matter, show it
        host = host_of(url)
        if host != trusted_host and is_private_host(host) and not self.allowed(host):
            found.refused.append(url)
            return None
        shown = found.shown[url] = self.proxy(url)
        return shown

    def _src(self, img: etree._Element, base: str, trusted_host: str,
             found: ImageFindings) -> str | None:
        if any(s is not None and s <= 1 for s in (side(img.get("width")), side(img.get("height")))):
            return None  # a tracking pixel
        for name in LAZY_SRC:
            value = img.get(name)
            if value and value.strip():
                url = self.image(value, base, trusted_host, found)
                if url:
                    return url
        return self.image(img.get("src"), base, trusted_host, found)

    def _srcset(self, element: etree._Element, base: str, trusted_host: str,
                found: ImageFindings) -> str | None:
        """Rewrites element's srcset (a lazy one first); returns its best candidate."""
        raw = next((v for a in LAZY_SRCSET if (v := element.get(a))), None) or element.get("srcset")
        if raw is None:
            return None
        kept = []
        for url, descriptor in parse_srcset(raw):
            if url[:5].lower() != "data:":
                rewritten = self.image(url, base, trusted_host, found)
                if rewritten:
                    kept.append((rewritten, descriptor))
        self._set(element, "srcset", format_srcset(kept) if kept else None)
        return best_candidate(kept)

    @staticmethod
    def _set(element: etree._Element, name: str, value: str | None) -> None:
        if value is None:
            element.attrib.pop(name, None)
        else:
            element.set(name, value)


def _cover_sized(img: etree._Element) -> bool:
    if _ICON_CLASS.search(img.get("class", "")):
        return False
    return all((s := side(img.get(d))) is None or s >= MIN_COVER_SIDE for d in ("width", "height"))


def _plain(value: str | None, base: str) -> str | None:
    """A URL made absolute; None unless it is http(s) then."""
    return absolute(value, base) if value is not None else None
