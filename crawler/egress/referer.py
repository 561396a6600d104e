"""SecretRefererMiddleware: no Referer from a URL that carries a secret, in every spider."""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Response
from scrapy.spidermiddlewares.referer import RefererMiddleware

from archive.urls import redact_url


def carries_secret(url: str) -> bool:
    """Whether url holds what archive.urls.redact_url removes: a user or password, or a
    secret query parameter (?token=, ?key=, ?code=, ...)."""
    return redact_url(url) != url


class SecretRefererMiddleware(RefererMiddleware):
    """Scrapy's RefererMiddleware, except that a request made from a response whose URL
    carries a secret (an RSSHub access key, a feed token, user:pass@) gets no Referer.

    It replaces RefererMiddleware in SPIDER_MIDDLEWARES, so it covers every request a
    spider yields (the feeds spider's pages, backfill's articles, sitemap children and next
    pages, distributed workers, reextract) and, through RedirectMiddleware.handle_referer
    (which finds it as a RefererMiddleware), every redirect hop. It wins over the request's
    `referrer_policy` meta and the response's Referrer-Policy header, which could otherwise
    ask for the whole URL (`unsafe-url`).
    """

    def get_processed_request(self, request: Request, response: Response | None
                              ) -> Request | None:
        if response is not None and carries_secret(response.url):
            return request
        return super().get_processed_request(request, response)
