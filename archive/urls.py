"""URLs from the outside world: joined against their page without ever raising, and made safe to write.

Feeds, sitemaps, listing pages and redirects hand over URLs that may not parse
(`http://[oops`, a port of `99999`). `join_url` is the one place such a URL is made
absolute: it answers None for an unusable one, so the caller skips that one entry
(and reports it) instead of failing everything around it. `redact_url` is the one rule
for a URL written where others may read it (snapshots, WARC captures): no password, no
value of a query parameter that carries a secret.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from archive._urls import safe_url

__all__ = ["REMOVED", "canonical_link", "join_url", "redact_url", "safe_url", "secrets_in"]

# Schemes whose URLs name a host: without one they lead nowhere.
_NEEDS_HOST = frozenset({"http", "https", "ftp", "ws", "wss"})
REMOVED = "(removed)"
# Query parameters of a URL that carry a secret (RSSHub's ?key= and ?code=, API tokens),
# as a word of the name or its ending: private feeds say ?passkey=, ?authkey=, ?usertoken=,
# ?session=, ?sid=, ?jwt=.
_SECRET_PARAM = re.compile(r"(?:^|[_-])(?:access_?key|api_?key|apikey|key|code|token|secret|"
                           r"password|passwd|pwd|auth|sig|signature|session|sessionid|sid|jwt|"
                           r"credentials?)(?:$|[_-])|(?:key|token|secret|pass|passwd|password)$",
                           re.I)


def redact_url(value: str) -> str:
    """A URL without its user and password, nor the values of secret query parameters
    (each replaced by "(removed)"); anything that is not an absolute URL, unchanged."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return value
    if not parts.scheme or not parts.netloc:
        return value
    netloc = parts.netloc
    if "@" in netloc:
        netloc = "***@" + netloc.rsplit("@", 1)[1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(_SECRET_PARAM.search(k) for k, _ in pairs):
            query = urlencode([(k, REMOVED if _SECRET_PARAM.search(k) else v) for k, v in pairs],
                              safe="()")
    return parts._replace(netloc=netloc, query=query).geturl()


def secrets_in(value: str) -> list[tuple[str, str]]:
    """What redact_url removes from a URL, each as (what it is, its value): ("user:password@",
    "user:pw") for the user and password, ("?token=", "abc") for a secret query parameter."""
    try:
        parts = urlsplit(value)
    except ValueError:
        return []
    if not parts.scheme or not parts.netloc:
        return []
    found = []
    if "@" in parts.netloc:
        found.append(("user:password@", parts.netloc.rsplit("@", 1)[0]))
    found += [(f"?{k}=", v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
              if _SECRET_PARAM.search(k)]
    return found


def join_url(base: str | None, url: str | None) -> str | None:
    """url made absolute against base (as a browser would), or None when the result is not
    a usable URL: empty, still relative, unparsable, a bad port, or a web URL without a host."""
    if not isinstance(url, str) or not url.strip():
        return None
    try:
        joined = urljoin(base or "", url.strip())
        parts = urlsplit(joined)
        parts.port  # noqa: B018  # raises ValueError for a port that is not 0-65535
    except ValueError:  # "Invalid IPv6 URL", "Port out of range", ...
        return None
    scheme = parts.scheme.lower()
    if not scheme or (scheme in _NEEDS_HOST and not parts.hostname):
        return None
    return joined


def canonical_link(link: str | None, base: str, *, fragment: bool = True) -> str | None:
    """The link made absolute, host lower-cased; None unless it is http(s).

    The fragment stays: feeds such as changelogs give each entry its own `#anchor`
    on one page, and those are different articles (the page is fetched once).
    `fragment=False` drops it, for links to pages (sitemaps, listings).
    """
    joined = join_url(base, link)
    if joined is None:  # empty, or a URL that does not parse, e.g. "http://[oops"
        return None
    parts = urlsplit(joined)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return urlunsplit((parts.scheme, parts.netloc.lower(), parts.path or "/", parts.query,
                       parts.fragment if fragment else ""))
