"""The `[rsshub]` section and the `rsshub` key of `[[sources]]`: routes on RSSHub instances."""

from __future__ import annotations

from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from crawler.config._checks import Checks
from crawler.config.model import RsshubConfig, SourceConfig
from crawler.rsshub.urls import encode_route, instance_url

ACCESS_MODES = ("key", "code")
ROUTE_KEYS = ("rsshub", "rsshub_params")


class RsshubSection(Checks):
    """`[rsshub] instances, access_key, access_mode`; a source's `rsshub` route becomes its
    url on the first instance, so every per-URL rule (egress, conditional requests) holds."""

    def rsshub(self, data: Any) -> RsshubConfig | None:
        if data is None:
            return None
        data = self.table(data, "rsshub", {"instances", "access_key", "access_mode"},
                          section="rsshub")
        instances = self.strings(data.get("instances", []), "rsshub.instances", "rsshub")
        if not instances:
            self.fail("rsshub.instances", "expected at least one instance, e.g. "
                      "instances = [\"https://rsshub.app\"]", section="rsshub")
        for url in instances:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
                self.fail("rsshub.instances", f"{url!r}: expected an http(s) URL such as "
                          "\"https://rsshub.app\" (no query)", section="rsshub")
        key = data.get("access_key")
        if key is not None:
            key = self.string(key, "rsshub.access_key", "rsshub")
        mode = data.get("access_mode", "key")
        if mode not in ACCESS_MODES:
            self.fail("rsshub.access_mode", f"expected \"key\" (?key=) or \"code\" "
                      f"(?code=md5(route + key)), got {mode!r}", section="rsshub")
        return RsshubConfig(instances=tuple(u.rstrip("/") for u in instances),
                            access_key=key or None, access_mode=mode)

    def rsshub_sources(self, data: Any, rsshub: RsshubConfig | None
                       ) -> tuple[Any, dict[int, str]]:
        """`[[sources]]` with each `rsshub` route replaced by `url` (the route on the first
        instance, without the access key), and the encoded routes by entry index."""
        if not isinstance(data, list):
            return data, {}
        entries, routes = [], {}
        for i, raw in enumerate(data):
            key = f"sources[{i}]"
            if isinstance(raw, dict) and "url" not in raw and "rsshub" not in raw:
                self.fail(f"{key}.url", "missing; write url = \"https://...\" (a feed) or "
                          "rsshub = \"/route\" (an RSSHub route)", section="sources", index=i)
            if not isinstance(raw, dict) or not set(ROUTE_KEYS) & set(raw):
                entries.append(raw)
                continue
            entry = {k: v for k, v in raw.items() if k not in ROUTE_KEYS}
            if "url" in raw:
                self.fail(f"{key}.rsshub", "a source has either url or rsshub, not both",
                          section="sources", index=i)
            if "rsshub" not in raw:
                self.fail(f"{key}.rsshub_params", "needs an RSSHub route: rsshub = \"/...\"",
                          section="sources", index=i)
            route = self.string(raw["rsshub"], f"{key}.rsshub", "sources", i)
            if not route.startswith("/") or route.startswith("//") or any(
                    c in route for c in "#\r\n\t "):
                self.fail(f"{key}.rsshub", f"{route!r}: expected a route path such as "
                          "\"/woshipm/latest\" (starting with one /, no spaces or #)",
                          section="sources", index=i)
            if rsshub is None:
                self.fail(f"{key}.rsshub", "an RSSHub route needs [rsshub] instances = "
                          "[\"https://...\"] in feedvault.toml", section="sources", index=i)
            encoded = encode_route(route, self._params(raw.get("rsshub_params", {}), key, i))
            entry["url"] = instance_url(rsshub.instances[0], encoded)
            entries.append(entry)
            routes[i] = encoded
        return entries, routes

    def _params(self, value: Any, key: str, index: int) -> dict[str, str]:
        """`rsshub_params = { limit = 10, mode = "fulltext" }`: strings and numbers."""
        if not isinstance(value, dict):
            self.fail(f"{key}.rsshub_params", "expected a table such as "
                      "{ limit = 10, filterout = \"广告\" }", section="sources", index=index)
        params = {}
        for name, v in value.items():
            if isinstance(v, bool):
                v = "true" if v else "false"
            if not isinstance(v, str | int | float):
                self.fail(f"{key}.rsshub_params.{name}", f"expected a string or a number, "
                          f"got {v!r}", section="sources", index=index)
            params[str(name)] = str(v)
        return params


def with_routes(sources: tuple[SourceConfig, ...], routes: dict[int, str]
                ) -> tuple[SourceConfig, ...]:
    """The validated sources with their RSSHub routes put back."""
    return tuple(replace(s, rsshub=routes[i]) if i in routes else s
                 for i, s in enumerate(sources))
