"""Per-source HTTP settings on the wire: headers, cookies, User-Agent and proxy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scrapy import Request
from scrapy.http.request import VerboseCookie
from scrapy.utils.httpobj import urlparse_cached

from crawler.config import HttpConfig, config_from_settings
from crawler.egress.keys import Origin, key_origins, origin_of
from crawler.egress.policy import source_urls

SENT_META = "feedvault_keys"  # meta: the names of the headers this middleware added


class SourceHttpMiddleware:
    """Gives every request of a source (feed, article pages, next pages, backfill) its
    configured headers, cookies, User-Agent and proxy.

    Runs before RobotsTxtMiddleware (order 55 < 100), so robots.txt rules are read for
    the source's User-Agent; the robots.txt request that middleware then makes carries
    no source, and gets the settings of the last source seen on its host: it goes
    through the same proxy. A request's own headers win over configured ones. A source
    with cookies gets its own cookie jar, so they never reach another source's requests.
    Proxy credentials are turned into a Proxy-Authorization header by Scrapy's
    HttpProxyMiddleware and appear in no log or report.

    Headers and cookies carry keys and sessions: they go only to the origins (scheme, host,
    port) the owner wrote for the source and the https upgrade of a written http origin on
    port 80 (crawler/egress/keys.py), never to another port of the same host nor from https down
    to http. A redirect copies a request's headers and cookie jar to the next hop: a hop
    off those origins loses the headers this middleware added, the source's jar and its
    Cookie header. User-Agent and proxy apply to every request of the source.
    """

    def __init__(self, sources: Mapping[str, HttpConfig],
                 own_origins: Mapping[str, frozenset[Origin]] | None = None) -> None:
        self.sources = {name: http for name, http in sources.items() if http != HttpConfig()}
        self.own_origins = own_origins or {}
        self.hosts: dict[tuple[str, str], str] = {}  # (scheme, host:port) -> source name

    @classmethod
    def from_crawler(cls, crawler: Any) -> SourceHttpMiddleware:
        config = config_from_settings(crawler.settings)
        return cls({s.name: s.http for s in config.sources},
                   {s.name: key_origins(source_urls(s)) for s in config.sources})

    def process_request(self, request: Request) -> None:
        if not self.sources:
            return
        url = urlparse_cached(request)
        origin = (url.scheme, url.netloc)
        source: str | None = request.meta.get("feedvault_source")
        if source is None:
            if not request.meta.get("dont_obey_robotstxt") or url.path != "/robots.txt":
                return
            source = self.hosts.get(origin)
            if source is None:
                return
        else:
            self.hosts[origin] = source
        http = self.sources.get(source)
        if http is None:
            return
        if http.user_agent:
            request.headers.setdefault("User-Agent", http.user_agent)
        if http.proxy is not None:
            request.meta.setdefault("proxy", http.proxy or None)
        if origin_of(request.url) not in self.own_origins.get(source, ()):
            self._strip(request, source)  # an origin found in fetched content: no keys
            return
        added = []
        for name, value in http.headers:
            if name not in request.headers:
                request.headers[name] = value
                added.append(name)
        if added:
            request.meta[SENT_META] = [*request.meta.get(SENT_META, ()), *added]
        if http.cookies:
            request.meta.setdefault("cookiejar", f"feedvault:{source}")
            own = request.cookies or []
            if isinstance(own, dict):
                own = [VerboseCookie(name=n, value=v) for n, v in own.items()]
            names = {c["name"] for c in own}
            # path "/": without it each cookie is stored for the directory of the first
            # request, and a page deeper down would send it twice
            ours = [VerboseCookie(name=n, value=v, path="/")
                    for n, v in http.cookies if n not in names]
            request.cookies = ours + own

    @staticmethod
    def _strip(request: Request, source: str) -> None:
        """Take off what a redirect from one of the source's origins carried over: the
        headers this middleware added there, the source's cookie jar and its Cookie header."""
        for name in request.meta.pop(SENT_META, ()):
            request.headers.pop(name, None)
        if request.meta.get("cookiejar") == f"feedvault:{source}":
            del request.meta["cookiejar"]
            request.headers.pop("Cookie", None)
