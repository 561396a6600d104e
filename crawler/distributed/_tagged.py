"""Tagged JSON: the few values that are not JSON, written and read back by name, never as code.

A tagged value is an object with one key starting with `$`: `{"$bytes": "<base64>"}`,
`{"$datetime": "<ISO 8601>"}`, `{"$tuple": [...]}`, `{"$frozenset": [...]}`, `{"$dict":
[[key, value], ...]}` (a dict whose keys are not all strings, or that looks tagged), one
of the project's dataclasses by name from `DATACLASSES` (`{"$ArticleItem": {fields}}`,
rebuilt field by field with checked types, see `_typed.py`), or a source of the
configuration by name (`{"$source": "blog"}`, looked up in the reader's own
feedvault.toml). Anything else cannot be written, and an unknown tag cannot be read.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from crawler.config import SourceConfig
from crawler.distributed._typed import build
from crawler.extract import Extracted
from crawler.extract.metadata import PageMeta
from crawler.items import ArticleItem

DATACLASSES: dict[str, type] = {cls.__name__: cls for cls in (ArticleItem, Extracted, PageMeta)}
SOURCE = "$source"


def encode(value: Any, where: str = "value") -> Any:
    """value as plain JSON data; TypeError naming where for a value of no allowed type."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, list):
        return [encode(v, where) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) for k in value) and not _looks_tagged(value):
            return {k: encode(v, f"{where}[{k!r}]") for k, v in value.items()}
        return {"$dict": [[encode(k, where), encode(v, f"{where}[{k!r}]")]
                          for k, v in value.items()]}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode("ascii")}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, tuple):
        return {"$tuple": [encode(v, where) for v in value]}
    if isinstance(value, frozenset):
        return {"$frozenset": sorted((encode(v, where) for v in value), key=json.dumps)}
    if isinstance(value, SourceConfig):
        return {SOURCE: value.name}
    name = type(value).__name__
    if dataclasses.is_dataclass(value) and DATACLASSES.get(name) is type(value):
        return {f"${name}": {f.name: encode(getattr(value, f.name), f"{where}.{f.name}")
                             for f in dataclasses.fields(value)}}
    raise TypeError(f"{where}: a {name} cannot be put in Redis (only JSON values, bytes, dates "
                    f"and {', '.join(DATACLASSES)} by name)")


def dumps(value: Any) -> bytes:
    return json.dumps(encode(value), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def loads(data: bytes | str, sources: Mapping[str, SourceConfig] | None = None) -> Any:
    """The value dumps() wrote; ValueError for anything else (not JSON, an unknown tag or
    source, a dataclass field of the wrong type)."""
    try:
        return json.loads(data, object_hook=_hook(sources or {}))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ValueError(f"not JSON: {exc}") from None
    except (TypeError, binascii.Error, OverflowError) as exc:
        raise ValueError(f"malformed tagged value: {exc}") from None


def _looks_tagged(value: dict[str, Any]) -> bool:
    return len(value) == 1 and next(iter(value)).startswith("$")


def _hook(sources: Mapping[str, SourceConfig]) -> Callable[[dict[str, Any]], Any]:
    def hook(obj: dict[str, Any]) -> Any:
        if not _looks_tagged(obj):
            return obj
        (tag, value), = obj.items()
        if tag == "$bytes" and isinstance(value, str):
            return base64.b64decode(value, validate=True)
        if tag == "$datetime" and isinstance(value, str):
            return datetime.fromisoformat(value)
        if tag == "$tuple" and isinstance(value, list):
            return tuple(value)
        if tag == "$frozenset" and isinstance(value, list):
            return frozenset(value)
        if tag == "$dict" and isinstance(value, list) and all(
                isinstance(p, list) and len(p) == 2 for p in value):
            return {k: v for k, v in value}
        if tag == SOURCE and isinstance(value, str):
            if value not in sources:
                raise ValueError(f"unknown source {value[:80]!r}")
            return sources[value]
        cls = DATACLASSES.get(tag[1:])
        if cls is not None:
            return build(cls, value)
        raise ValueError(f"unknown or malformed tagged value {tag[:40]!r}")

    return hook
