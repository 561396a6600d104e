"""No Referer from a URL that carries a secret (?token=, ?key=, user:pass@), in every spider:
a real backfill against a local server that records each request's Referer, and Scrapy's
own referrer machinery (spider output, redirects) around SecretRefererMiddleware."""

from __future__ import annotations

from pathlib import Path

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.settings import Settings

from crawler.egress.referer import SecretRefererMiddleware, carries_secret
from crawler.run import crawl_settings
from tests._history import article_page, sitemap, sitemap_index
from tests.conftest import LocalSite, feedvault, write_config

TOKEN = "tok-s3cret"


def test_backfill_sends_no_referer_from_a_url_with_a_secret(site: LocalSite,
                                                            tmp_path: Path) -> None:
    """The sitemap index and one child carry ?token=: nothing they lead to gets a Referer
    (their URL, token and all, would reach the article host); the child without a token
    still refers its articles as a browser would."""
    for n in range(6):
        site.write(f"posts/{n}.html", article_page(n))
    site.write("sitemap-1.xml", sitemap(site.base, range(0, 3)))
    site.write("sitemap-2.xml", sitemap(site.base, range(3, 6)))
    site.write("sitemap.xml", sitemap_index([site.url("sitemap-1.xml"),
                                             site.url(f"sitemap-2.xml?token={TOKEN}")]))
    config = write_config(tmp_path, [{"name": "blog", "url": site.url("feed.xml")}],
                          extra="[scrapy]\nAUTOTHROTTLE_ENABLED = false\n")
    config.write_text(config.read_text(encoding="utf-8") + "\n[sources.backfill]\n"
                      f'sitemap = "{site.url("sitemap.xml")}?token=${{BLOG_TOKEN}}"\n',
                      encoding="utf-8")
    result = feedvault("backfill", "blog", "--config", config, "--since", "2024-01-01",
                       "--until", "2024-12-31", env={"BLOG_TOKEN": TOKEN})
    assert result.returncode == 0, result.stdout + result.stderr
    referers = dict(site.referers)
    assert {f"/posts/{n}.html" for n in range(6)} <= referers.keys()  # all fetched
    leaked = [(path, ref) for path, ref in site.referers if ref and TOKEN in ref]
    assert leaked == []
    assert referers["/sitemap-1.xml"] is None and referers["/sitemap-2.xml"] is None
    assert [referers[f"/posts/{n}.html"] for n in range(3, 6)] == [None] * 3
    assert [referers[f"/posts/{n}.html"] for n in range(3)] == [site.url("sitemap-1.xml")] * 3


def _outcome(middleware: SecretRefererMiddleware, response_url: str,
             headers: dict[str, str] | None = None, meta: dict[str, str] | None = None
             ) -> str | None:
    response = HtmlResponse(response_url, body=b"<html></html>", headers=headers or {})
    request = Request("https://article.example/post", meta=meta or {})
    processed = middleware.get_processed_request(request, response)
    assert processed is not None
    referer = processed.headers.get("Referer")
    return referer.decode() if referer else None


def test_no_policy_header_or_meta_brings_the_secret_back() -> None:
    middleware = SecretRefererMiddleware(Settings())
    secret = f"https://feeds.example/feed?key={TOKEN}"
    assert _outcome(middleware, secret) is None
    assert _outcome(middleware, secret, headers={"Referrer-Policy": "unsafe-url"}) is None
    assert _outcome(middleware, secret, meta={"referrer_policy": "unsafe-url"}) is None
    assert _outcome(middleware, "https://user:pw@feeds.example/feed") is None
    assert _outcome(middleware, "https://feeds.example/feed?page=2") == (
        "https://feeds.example/feed?page=2")  # no secret: Scrapy's default policy


def test_every_crawl_uses_it_in_place_of_scrapys(tmp_path: Path) -> None:
    """crawl, backfill and distributed workers build their settings with crawl_settings;
    reextract starts from them too. Scrapy's RedirectMiddleware finds it as its
    RefererMiddleware, so redirect hops follow the same rule."""
    (tmp_path / "f.xml").write_text("<rss/>")
    path = tmp_path / "feedvault.toml"
    path.write_text('[archive]\npath = "posts"\n[[sources]]\nname = "a"\nurl = "file://f.xml"\n')
    from crawler.config import load_config

    settings = crawl_settings(load_config(path))
    middlewares = settings.getwithbase("SPIDER_MIDDLEWARES")
    assert middlewares["scrapy.spidermiddlewares.referer.RefererMiddleware"] is None
    assert middlewares[SecretRefererMiddleware] == 700


def test_carries_secret_is_the_redaction_rule() -> None:
    assert carries_secret(f"https://hub.example/route?key={TOKEN}")
    assert carries_secret("https://u:p@hub.example/route")
    assert not carries_secret("https://hub.example/route?page=2")
