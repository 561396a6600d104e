"""Plain blocking downloads for the commands that run outside a crawl (extract, sources check)."""

from __future__ import annotations

import urllib.error
from urllib.parse import urlsplit
from urllib.request import url2pathname

from archive.errors import ExtractError
from crawler import __version__
from crawler.egress import EgressPolicy, EgressRefused
from crawler.egress.blocking import open_url
from crawler.limits.files import TooLarge, read_file

USER_AGENT = f"feedvault/{__version__} (feed archiver; +https://pypi.org/project/feedvault/)"
TIMEOUT = 30
MAX_BYTES = 32 * 1024 * 1024


def fetch(url: str, policy: EgressPolicy) -> tuple[bytes, str | None, str]:
    """(body, Content-Type, final URL) of an http(s) or file URL; ExtractError on failure,
    EgressRefused (an ExtractError too) when the policy refuses the URL or a redirect."""
    if url.startswith("file:"):
        policy.check(url)  # file: only as a source's own url
        return _read(url2pathname(urlsplit(url).path), url), None, url
    try:
        with open_url(url, policy, {"User-Agent": USER_AGENT}, TIMEOUT) as response:
            body = response.read(MAX_BYTES + 1)
            ctype = response.headers.get("Content-Type")
            final = response.geturl()
    except EgressRefused as exc:
        message = str(exc)
        raise EgressRefused(message if message.startswith(url) else f"{url}: {message}") from None
    except urllib.error.HTTPError as exc:
        raise ExtractError(f"{url}: not fetched (HTTP {exc.code})") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ExtractError(f"{url}: not fetched ({reason})") from exc
    if len(body) > MAX_BYTES:
        raise ExtractError(f"{url}: larger than {MAX_BYTES} bytes")
    return body, ctype, final


def _read(path: str, shown: str) -> bytes:
    """A local file, bounded as a crawl bounds it: a FIFO or /dev/zero is refused, not read."""
    try:
        return read_file(path, MAX_BYTES)
    except TooLarge as exc:
        raise ExtractError(f"{shown}: {exc}") from exc
    except OSError as exc:
        raise ExtractError(f"{shown}: cannot read ({exc.strerror or exc})") from exc


def read_input(arg: str, policy: EgressPolicy) -> tuple[bytes, str | None, str | None]:
    """A command-line input: (body, Content-Type, URL it came from, None for a file).

    The URL typed is trusted (its host); its redirects elsewhere are checked by policy."""
    if arg.startswith(("http://", "https://")):
        body, ctype, final = fetch(arg, policy.trusting([arg]))
        return body, ctype, final
    return _read(arg, arg), None, None
