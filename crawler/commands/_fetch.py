"""Downloads for the commands that run outside a crawl (extract, sources add, sources check), with the
crawl's manners: its User-Agent, robots.txt, the egress policy, the same size limit.

These commands fetch one URL at a time and decide between fetches (the next page, the
newest article of a feed), which a Scrapy crawl cannot do without a reactor per fetch; so
this is one blocking function that applies what the crawl's settings apply: the
User-Agent built from `[crawl] contact` (crawler/config/agent.py), robots.txt read with
Protego as Scrapy's RobotsTxtMiddleware does (unless the source says `robots = false` or
[scrapy] ROBOTSTXT_OBEY is false), every address checked by crawler/egress/blocking.py, the
source's `headers` and `cookies` on its own origins only (crawler/egress/keys.py) and its
proxy (the source's or `[crawl]`'s, else http_proxy/https_proxy), as SourceHttpMiddleware
and Scrapy's HttpProxyMiddleware apply them in a crawl.
"""

from __future__ import annotations

import http.client
import urllib.error
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import NamedTuple
from urllib.parse import urlsplit
from urllib.request import url2pathname

from protego import Protego
from w3lib.url import safe_url_string

from archive.errors import ExtractError
from archive.text import clean_text
from crawler.config import Config, SourceConfig
from crawler.config.agent import DEFAULT_AGENT, user_agent
from crawler.egress import EgressPolicy, EgressRefused
from crawler.egress.blocking import open_url
from crawler.egress.keys import SourceKeys
from crawler.limits.files import TooLarge, read_file

TIMEOUT = 30
MAX_BYTES = 32 * 1024 * 1024
MAX_ROBOTS = 512 * 1024  # Google reads the first 500 KiB of a robots.txt


class RobotsRefused(ExtractError):
    """The site's robots.txt disallows the URL for our User-Agent."""


class Answer(NamedTuple):
    """What a fetch got: the body, its Content-Type, the final URL, the HTTP status."""

    body: bytes
    content_type: str | None
    url: str
    status: int | None


@dataclass(frozen=True)
class Fetcher:
    """Fetches URLs as a crawl of one source would."""

    policy: EgressPolicy
    user_agent: str = DEFAULT_AGENT
    robots: bool = True  # obey robots.txt
    keys: SourceKeys = field(default_factory=SourceKeys)  # the source's headers and cookies, for its origins
    proxy: str | None = None  # None: http_proxy/https_proxy from the environment; "": direct
    # origin -> parsed robots.txt (None: none usable, all allowed); shared by trusting() copies
    _robots_txt: dict[str, Protego | None] = field(default_factory=dict, compare=False)

    @classmethod
    def from_config(cls, config: Config, source: SourceConfig | None = None) -> Fetcher:
        obey = bool(config.scrapy.get("ROBOTSTXT_OBEY", True))
        proxy = source.http.proxy if source is not None else None
        return cls(EgressPolicy.from_config(config), user_agent(config, source),
                   obey and (source.robots if source is not None else True),
                   SourceKeys.of(source) if source is not None else SourceKeys(),
                   config.http.proxy if proxy is None else proxy)

    def trusting(self, urls: Iterable[str]) -> Fetcher:
        """The same fetcher with the hosts of urls trusted by the egress policy."""
        return replace(self, policy=self.policy.trusting(urls))

    def fetch(self, url: str) -> tuple[bytes, str | None, str]:
        """(body, Content-Type, final URL) of an http(s) or file URL; ExtractError on failure,
        EgressRefused or RobotsRefused (ExtractErrors too) when the URL may not be fetched."""
        answer = self.answer(url)
        return answer.body, answer.content_type, answer.url

    def answer(self, url: str) -> Answer:
        """fetch(), with the HTTP status of the answer (None for a file)."""
        if url.startswith("file:"):
            self.policy.check(url)  # file: only as a source's own url
            return Answer(_read(url2pathname(urlsplit(url).path), url), None, url, None)
        url = web_url(url)
        self.policy.check(url)  # a refused address is reported as such, before robots.txt
        self._allowed(url)
        answer = self._get(url, MAX_BYTES)
        if answer.url != url:
            self._allowed(answer.url)
        return answer

    def _get(self, url: str, limit: int) -> Answer:
        try:
            with open_url(url, self.policy, {"User-Agent": self.user_agent}, TIMEOUT,
                          proxy=self.proxy, keys=self.keys) as response:
                body = response.read(limit + 1)
                ctype = response.headers.get("Content-Type")
                final = response.geturl()
                status = response.status
        except EgressRefused as exc:
            message = str(exc)
            raise EgressRefused(message if message.startswith(url)
                                else f"{url}: {message}") from None
        except urllib.error.HTTPError as exc:
            raise ExtractError(f"{_shown(url)}: not fetched (HTTP {exc.code})") from exc
        except (urllib.error.URLError, OSError, ValueError, http.client.InvalidURL) as exc:
            # InvalidURL: what encoding leaves unusable (a space in the host name)
            reason = getattr(exc, "reason", exc)
            raise ExtractError(f"{_shown(url)}: not fetched ({clean_text(str(reason))[:300]})") from exc
        if len(body) > limit:
            raise ExtractError(f"{_shown(url)}: larger than {limit} bytes")
        return Answer(body, ctype, final, status)

    def _allowed(self, url: str) -> None:
        if not self.robots:
            return
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._robots_txt:
            try:
                self._robots_txt[origin] = self._read_robots(origin)
            except EgressRefused:
                return  # the fetch itself is refused, and says so with the URL asked for
        rules = self._robots_txt[origin]
        if rules is not None and not rules.can_fetch(url, self.user_agent):
            raise RobotsRefused(f"{url}: refused by {origin}/robots.txt for our User-Agent "
                                "(a crawl obeys it too; `robots = false` on the source "
                                "overrides it)")

    def _read_robots(self, origin: str) -> Protego | None:
        """The origin's robots.txt; None (all allowed) when there is none or it cannot be
        fetched, as Scrapy's RobotsTxtMiddleware does."""
        try:
            body = self._get(f"{origin}/robots.txt", MAX_ROBOTS).body
        except EgressRefused:
            raise
        except ExtractError:  # no robots.txt, an error page, unreachable: all allowed
            return None
        return Protego.parse(body.decode("utf-8", errors="replace"))


def web_url(url: str) -> str:
    """The URL as a crawl requests it: Scrapy's Request encodes it with w3lib's
    safe_url_string (spaces, control and other non-ASCII characters percent-encoded, the
    host name in IDNA, tabs and newlines dropped); http.client refuses a raw space."""
    try:
        return safe_url_string(url)
    except ValueError as exc:  # e.g. a port out of range
        raise ExtractError(f"{_shown(url)}: not a usable URL ({clean_text(str(exc))[:300]})") from exc


def _shown(url: str) -> str:
    """url for a report line: any character left outside ASCII (a host name IDNA cannot
    spell, a bidi override) written as an escape, never sent to the terminal as is."""
    return url.encode("ascii", "backslashreplace").decode("ascii")


def _read(path: str, shown: str) -> bytes:
    """A local file, bounded as a crawl bounds it: a FIFO or /dev/zero is refused, not read."""
    try:
        return read_file(path, MAX_BYTES)
    except TooLarge as exc:
        raise ExtractError(f"{shown}: {exc}") from exc
    except OSError as exc:
        raise ExtractError(f"{shown}: cannot read ({exc.strerror or exc})") from exc


def read_input(arg: str, fetcher: Fetcher) -> tuple[bytes, str | None, str | None]:
    """A command-line input: (body, Content-Type, URL it came from, None for a file).

    The URL typed is trusted (its host); its redirects elsewhere are checked by policy."""
    if arg.startswith(("http://", "https://")):
        return fetcher.trusting([arg]).fetch(arg)
    return _read(arg, arg), None, None
