"""Step 3: make images display: absolute URLs, the proxy by scope, no Referer, and a cover."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from lxml import etree
from lxml import html as lxml_html

from crawler.config import ImagesConfig, config_from_settings
from crawler.items import ArticleItem

MIN_COVER_SIDE = 100


class ImageRewriter:
    """Applies `[images]` to one URL: the proxy template where the scope says so."""

    def __init__(self, config: ImagesConfig) -> None:
        self.config = config

    def __call__(self, url: str) -> str:
        config = self.config
        if config.mode != "proxy" or not config.proxy:
            return url
        scheme = urlsplit(url).scheme.lower()
        if scheme not in ("http", "https"):
            return url
        if config.proxy_scope == "http" and scheme != "http":
            return url
        prefix = config.proxy.split("{", 1)[0]
        if url.startswith(prefix):
            return url  # already proxied
        return config.proxy.format(url=url, url_quoted=quote(url, safe=""))


def _side(value: str | None) -> int | None:
    try:
        return int(str(value).strip().removesuffix("px"))
    except (TypeError, ValueError):
        return None


def rewrite_images(body: str, base: str, rewrite: ImageRewriter) -> tuple[str, str | None]:
    """The body with every img made absolute, proxied and Referer-free; and its cover URL."""
    if "<img" not in body:
        return body, None
    try:
        root = lxml_html.fragment_fromstring(body, create_parent="div")
    except (etree.ParserError, ValueError):
        return body, None
    cover = None
    for img in root.iter("img"):
        src = (img.get("src") or "").strip()
        if src:
            src = rewrite(urljoin(base, src))
            img.set("src", src)
            small = any(
                (side := _side(img.get(dim))) is not None and side < MIN_COVER_SIDE
                for dim in ("width", "height")
            )
            if cover is None and not small:
                cover = src
        img.set("referrerpolicy", "no-referrer")
    text = lxml_html.tostring(root, encoding="unicode")
    return text[len("<div>"):-len("</div>")], cover


class ImagesPipeline:
    def __init__(self, rewrite: ImageRewriter) -> None:
        self.rewrite = rewrite

    @classmethod
    def from_crawler(cls, crawler: Any) -> ImagesPipeline:
        return cls(ImageRewriter(config_from_settings(crawler.settings).images))

    def process_item(self, item: ArticleItem) -> ArticleItem:
        base = item.link or item.feed_url
        item.content, cover = rewrite_images(item.content, base, self.rewrite)
        if cover is None and item.media_images:
            cover = self.rewrite(urljoin(base, item.media_images[0]))
        item.cover = cover
        return item
