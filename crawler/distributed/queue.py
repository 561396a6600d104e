"""The shared request queue holds JSON, never pickles: requests encoded, and decoded with care.

scrapy-redis pickles requests by default, so anyone who could write to Redis ran code on
every worker. Here a request is Scrapy's `Request.to_dict()` in tagged JSON (`_tagged.py`),
its callbacks spider methods by name. Decoding trusts nothing: an entry that is not JSON,
has an unexpected shape, is not an http(s) request (file: would read local files), names
an unknown type, source or Request class, or a callback that is not one of the spider's
own public methods is refused with a ValueError. Meta keys are kept by an allowlist, each
checked (`_meta.py`): a forged value refuses the entry, any other key is dropped.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import Request, Spider
from scrapy.utils.request import request_from_dict
from scrapy_redis.queue import PriorityQueue

from crawler.config import SourceConfig
from crawler.config.model import RsshubConfig
from crawler.distributed import _tagged
from crawler.distributed._meta import trusted_meta
from crawler.distributed._typed import MAX_ENTRY

# The Request classes an entry may name in `_class` (Scrapy imports it by path).
REQUEST_CLASSES = frozenset({
    "scrapy.http.request.form.FormRequest",
    "scrapy.http.request.json_request.JsonRequest",
})
_FIELDS: dict[str, tuple[type, ...]] = {
    "url": (str,), "callback": (str, type(None)), "errback": (str, type(None)),
    "method": (str,), "headers": (dict,), "body": (bytes,), "cookies": (dict, list),
    "meta": (dict,), "encoding": (str,), "priority": (int,), "dont_filter": (bool,),
    "flags": (list,), "cb_kwargs": (dict,), "_class": (str,),
}
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})


class RequestCodec:
    """Requests to bytes for the queue and back, for one spider (its methods, its sources)."""

    def __init__(self, spider: Spider, sources: Mapping[str, SourceConfig]) -> None:
        self.spider = spider
        self.sources = sources
        # the RSSHub instances an entry's instance index must be one of (the feeds spider's)
        config = getattr(spider, "config", None)
        self.rsshub: RsshubConfig | None = getattr(config, "rsshub", None)

    def encode(self, request: Request) -> bytes:
        """TypeError or ValueError if the request cannot be queued (a callback that is not a
        spider method, a meta or cb_kwargs value of no allowed type): a bug of ours."""
        return _tagged.dumps(request.to_dict(spider=self.spider))

    def decode(self, data: bytes) -> Request:
        """The request; ValueError (saying why) for any entry encode() did not write."""
        if not isinstance(data, bytes) or not data.startswith(b"{"):
            raise ValueError("not a JSON request (a pickle or other foreign data?)")
        if len(data) > MAX_ENTRY:
            raise ValueError(f"request of {len(data)} bytes, more than {MAX_ENTRY}")
        d = _tagged.loads(data, self.sources)
        if not isinstance(d, dict):
            raise ValueError(f"expected a JSON object, got {type(d).__name__}")
        for key, value in d.items():
            if key not in _FIELDS:
                raise ValueError(f"unknown request field {key[:40]!r}")
            if (isinstance(value, bool) and bool not in _FIELDS[key]) or \
                    not isinstance(value, _FIELDS[key]):
                raise ValueError(f"request field {key!r} is a {type(value).__name__}")
        if "url" not in d or _scheme(d["url"]) not in ("http", "https"):
            raise ValueError(f"not an http(s) request: {d.get('url', '')[:80]!r}")
        if d.get("_class") is not None and d["_class"] not in REQUEST_CLASSES:
            raise ValueError(f"request class {d['_class'][:80]!r} is not allowed")
        if d.get("method", "GET").upper() not in _METHODS:
            raise ValueError(f"unknown HTTP method {d['method'][:20]!r}")
        if not all(isinstance(k, str) for k in d.get("meta", {})) or \
                not all(isinstance(k, str) for k in d.get("cb_kwargs", {})):
            raise ValueError("meta and cb_kwargs keys must be strings")
        for key in ("callback", "errback"):
            if d.get(key):
                spider_method(self.spider, d[key])
        if "meta" in d:
            d["meta"] = trusted_meta(d["meta"], self.sources, self.rsshub)
        try:
            return request_from_dict(d, spider=self.spider)
        except (TypeError, ValueError, LookupError) as exc:
            raise ValueError(f"not a valid request: {exc}") from None

    # scrapy-redis's serializer interface, for the queue's length/clear helpers
    def dumps(self, obj: Any) -> bytes:
        return _tagged.dumps(obj)

    def loads(self, data: bytes) -> Any:
        return _tagged.loads(data, self.sources)


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme.lower()
    except ValueError:  # "http://[oops"
        return ""


def spider_method(spider: Spider, name: str) -> Any:
    """The spider's own public method `name`; ValueError for anything else (an attribute,
    a property, a class or static method, private names, Scrapy's Spider API)."""
    if not name.isidentifier() or name.startswith("_"):
        raise ValueError(f"callback {name[:80]!r} is not a spider method name")
    found = inspect.getattr_static(type(spider), name, None)
    if not inspect.isfunction(found) or (
            name != "parse" and inspect.getattr_static(scrapy.Spider, name, None) is not None):
        raise ValueError(f"callback {name!r} is not a method of spider {spider.name!r}")
    return getattr(spider, name)


class JsonPriorityQueue(PriorityQueue):
    """scrapy-redis's priority queue (a sorted set), its entries encoded by RequestCodec."""

    def __init__(self, server: Any, spider: Spider, key: str, codec: RequestCodec) -> None:
        super().__init__(server, spider, key, serializer=codec)
        self.codec = codec

    def _encode_request(self, request: Request) -> bytes:
        return self.codec.encode(request)

    def _decode_request(self, encoded_request: bytes) -> Request:
        return self.codec.decode(encoded_request)
