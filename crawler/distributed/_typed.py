"""Dataclasses rebuilt from untrusted JSON: each field checked against its annotation, bounded."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from functools import cache
from typing import Any

# Bounds on what comes out of Redis. A body is at most what one download may be
# (DOWNLOAD_MAXSIZE); any other string (title, URL, guid) or collection far less.
MAX_BODY = 32 * 1024 * 1024
MAX_STRING = 64 * 1024
MAX_ITEMS = 10_000
# The largest entry read from Redis: a body of MAX_BODY characters, escaped, plus the rest.
MAX_ENTRY = 4 * MAX_BODY + 64 * MAX_STRING
BODY_FIELDS = frozenset({"content", "body_html", "text"})
# Dates an archive can hold: anything else is a forged or broken entry.
MIN_YEAR, MAX_YEAR = 1900, 2200


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def build(cls: type, data: Any) -> Any:
    """An instance of the dataclass cls from a dict of its fields; ValueError if a field is
    unknown, missing, of the wrong type or too long."""
    if not isinstance(data, dict):
        raise ValueError(f"{cls.__name__}: expected an object, got {type(data).__name__}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = set(data) - set(fields)
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown fields {sorted(map(str, unknown))}")
    missing = [name for name, f in fields.items() if name not in data and f.init
               and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
    if missing:
        raise ValueError(f"{cls.__name__}: missing fields {missing}")
    hints = _hints(cls)
    for name, value in data.items():
        limit = MAX_BODY if name in BODY_FIELDS else MAX_STRING
        check(value, hints[name], f"{cls.__name__}.{name}", limit)
    return cls(**data)


def check(value: Any, hint: Any, where: str, limit: int = MAX_STRING) -> None:
    """ValueError unless value is of the annotated type (str, int, float, bool, None,
    datetime, list, dict, a union of them, or a dataclass), strings at most limit long."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        errors = []
        for option in typing.get_args(hint):
            try:
                check(value, option, where, limit)
                return
            except ValueError as exc:
                errors.append(exc)
        # the option of the right type that failed deeper says more than "expected null"
        deeper = [e for e in errors if not isinstance(e, _WrongType)]
        raise deeper[0] if deeper else errors[0]
    if hint is type(None):
        if value is not None:
            raise _wrong(where, "null", value)
    elif hint is str:
        if not isinstance(value, str):
            raise _wrong(where, "a string", value)
        if len(value) > limit:
            raise ValueError(f"{where}: {len(value)} characters, more than {limit}")
    elif hint is bool:
        if not isinstance(value, bool):
            raise _wrong(where, "true or false", value)
    elif hint in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float) if hint is float else int):
            raise _wrong(where, "a number", value)
    elif hint is datetime:
        if not isinstance(value, datetime):
            raise _wrong(where, "a date", value)
        if not MIN_YEAR <= value.year < MAX_YEAR:
            raise ValueError(f"{where}: date {value.isoformat()} out of range")
    elif origin in (list, tuple, frozenset, set, dict):
        _collection(value, origin, typing.get_args(hint), where)
    elif isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if not isinstance(value, hint):
            raise _wrong(where, hint.__name__, value)
    elif hint is not Any:
        raise ValueError(f"{where}: cannot check a {hint!r}")


def _collection(value: Any, origin: Any, args: tuple[Any, ...], where: str) -> None:
    if not isinstance(value, origin):
        raise _wrong(where, f"a {origin.__name__}", value)
    if len(value) > MAX_ITEMS:
        raise ValueError(f"{where}: {len(value)} entries, more than {MAX_ITEMS}")
    if origin is dict:
        for key, item in value.items():
            check(key, args[0], f"{where} key", MAX_STRING)
            check(item, args[1], f"{where}[{str(key)[:40]!r}]", MAX_STRING)
    else:
        for item in value:  # list[X], frozenset[X], tuple[X, ...]
            check(item, args[0] if args else Any, f"{where} entry", MAX_STRING)


class _WrongType(ValueError):
    pass


def _wrong(where: str, expected: str, value: Any) -> ValueError:
    return _WrongType(f"{where}: expected {expected}, got {type(value).__name__}")
