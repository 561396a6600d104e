"""RSSHub route URLs: a route and its query parameters, percent-encoded, on one instance."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, quote, urlencode

# Characters a path segment may hold as they are (RFC 3986 pchar); "%" only as an escape
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def _quote_keeping_escapes(text: str) -> str:
    """text percent-encoded as UTF-8, its existing `%XX` escapes kept as written."""
    parts = _ESCAPE.split(text)
    escapes = _ESCAPE.findall(text)
    out = [quote(parts[0], safe=_PATH_SAFE)]
    for escape, part in zip(escapes, parts[1:], strict=True):
        out += [escape.upper(), quote(part, safe=_PATH_SAFE)]
    return "".join(out)


def encode_route(route: str, params: Mapping[str, str] | None = None) -> str:
    """`/example/search/关键词?limit=10` as RSSHub receives it: the path percent-encoded
    (UTF-8), the query parsed and re-encoded, params added after the route's own ones
    (a name given in both takes the params value)."""
    path, _, query = route.partition("?")
    pairs = parse_qsl(query, keep_blank_values=True)
    extra = dict(params or {})
    pairs = [(k, v) for k, v in pairs if k not in extra] + list(extra.items())
    encoded = _quote_keeping_escapes(path)
    if pairs:
        encoded += "?" + urlencode(pairs, quote_via=quote, safe="")
    return encoded


def access_code(route: str, key: str) -> str:
    """RSSHub's `code=`: md5 of the request's path (as sent, without the query) and the key."""
    path = route.split("?", 1)[0]
    return hashlib.md5((path + key).encode("utf-8"), usedforsecurity=False).hexdigest()


def instance_url(instance: str, route: str, key: str | None = None, mode: str = "key") -> str:
    """The encoded route on one instance, with the access key (`key=`) or code (`code=`)."""
    url = instance.rstrip("/") + route
    if key:
        value = key if mode == "key" else access_code(route, key)
        url += ("&" if "?" in route else "?") + urlencode({mode: value}, quote_via=quote, safe="")
    return url
