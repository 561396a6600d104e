"""Per-source HTTP settings (headers, cookies, user_agent, proxy) in `[crawl]` and `[[sources]]`."""

from __future__ import annotations

import base64
import re
from typing import Any
from urllib.parse import unquote, urlsplit

from crawler.config._checks import Checks
from crawler.config.model import HEADER_NAME, HttpConfig

# headers that have their own key, so that one value cannot be set two ways
_OWN_KEYS = {"user-agent": "user_agent", "cookie": "cookies"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def redacted(url: str) -> str:
    """A proxy URL fit for a message: user and password replaced by ***."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc="***@" + parts.netloc.rsplit("@", 1)[1]).geturl()


def credentials(url: str) -> tuple[str, str | None]:
    """An http(s) URL without its `user:password@`, and the Basic Authorization header value
    they make (None when the URL has none).

    Scrapy does not send a URL's user and password (the request fails on the host name and
    its error message shows the password), so the crawl sends them as the header instead,
    like a browser or curl: only to the source's own hosts, as configured headers are."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode("ascii")
    return parts._replace(netloc=host).geturl(), f"Basic {token}"


class HttpSection(Checks):
    """`headers`, `cookies`, `user_agent` and `proxy`, and how a source's merge with `[crawl]`'s.

    Headers and cookies merge by name (header names case-insensitively), the source's
    value winning; a source's user_agent or proxy replaces the default; `proxy = ""`
    means direct (no proxy, not even the environment's)."""

    def http(self, table: dict[str, Any], key: str, section: str, index: int = 0,
             default: HttpConfig | None = None) -> HttpConfig:
        default = default or HttpConfig()
        headers = self._pairs(table.get("headers", {}), f"{key}.headers", section, index, True)
        merged = {n: v for n, v in default.headers
                  if n.lower() not in {h.lower() for h in headers}}
        cookies = self._pairs(table.get("cookies", {}), f"{key}.cookies", section, index, False)
        user_agent = default.user_agent
        if "user_agent" in table:
            user_agent = self._line(table["user_agent"], f"{key}.user_agent", section, index)
        proxy = default.proxy
        if "proxy" in table:
            proxy = self._proxy(table["proxy"], f"{key}.proxy", section, index)
        return HttpConfig(headers=tuple({**merged, **headers}.items()),
                          cookies=tuple({**dict(default.cookies), **cookies}.items()),
                          user_agent=user_agent, proxy=proxy)

    def _line(self, value: Any, key: str, section: str, index: int) -> str:
        if not isinstance(value, str) or not value.strip() or _CONTROL.search(value):
            self.fail(key, f"expected a one-line string, got {value!r}", section=section,
                      index=index)
        return value

    def _pairs(self, data: Any, key: str, section: str, index: int, headers: bool
               ) -> dict[str, str]:
        """`headers = { Referer = "..." }` or `cookies = { session = "..." }`."""
        if not isinstance(data, dict):
            self.fail(key, "expected a table such as { Name = \"value\" }", section=section,
                      index=index)
        for name, value in data.items():
            if not HEADER_NAME.match(name):
                self.fail(f"{key}.{name}", f"{name!r} is not a valid "
                          f"{'header' if headers else 'cookie'} name", section=section,
                          index=index)
            if headers and name.lower() in _OWN_KEYS:
                self.fail(f"{key}.{name}", f"set it with the {_OWN_KEYS[name.lower()]} key",
                          section=section, index=index)
            if not isinstance(value, str) or _CONTROL.search(value) or (
                    not headers and ";" in value):
                self.fail(f"{key}.{name}", "expected a one-line string"
                          + ("" if headers else " without ';'"), section=section, index=index)
        return dict(data)

    def _proxy(self, value: Any, key: str, section: str, index: int) -> str:
        if value == "":
            return ""
        if not isinstance(value, str) or _CONTROL.search(value):
            self.fail(key, "expected a one-line proxy URL", section=section, index=index)
        url = value
        parts = urlsplit(url)
        if parts.scheme.startswith("socks"):
            self.fail(key, f"{redacted(url)}: SOCKS proxies are not supported (Scrapy's "
                      "downloader speaks HTTP proxies only); run an HTTP front for it, or use "
                      "an http:// or https:// proxy", section=section, index=index)
        try:
            port_ok = parts.port is None or parts.port > 0
        except ValueError:
            port_ok = False
        if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok or \
                parts.path not in ("", "/") or parts.query or parts.fragment:
            self.fail(key, f"{redacted(url)}: expected an http:// or https:// proxy URL such as "
                      "\"http://user:password@proxy.example:3128\"", section=section,
                      index=index)
        return url
