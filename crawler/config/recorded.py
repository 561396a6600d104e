"""The configuration as a snapshot records it: feedvault.toml without secrets, and its digest."""

from __future__ import annotations

import hashlib
import re
import tomllib
from typing import Any

import tomli_w

from archive import ConfigError
from archive.urls import REMOVED, redact_url
from crawler.config.model import Config

# Tables whose every value may be a credential: request headers (Authorization), cookies.
_SECRET_TABLES = {"headers", "cookies"}
# Keys whose value is (or carries) a secret wherever they appear, [scrapy] settings too.
# Whole words of the key only: `author` and `keep` are no secrets.
_SECRET_KEY = re.compile(r"(?:^|[_-])(?:access_?key|api_?key|apikey|key|token|secret|password|"
                         r"passwd|auth|authorization|credentials?|session|cookies?)(?:$|[_-])",
                         re.I)
# [notify] urls: Apprise URLs carry their service's token in the path.
_SECRET_LISTS = {("notify", "urls")}


def _clean(value: Any, path: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            secret = (key in _SECRET_TABLES or _SECRET_KEY.search(key)
                      or (*path[-1:], key) in _SECRET_LISTS)
            if secret:
                out[key] = _removed(item)
            else:
                out[key] = _clean(item, (*path, key))
        return out
    if isinstance(value, list):
        return [_clean(item, path) for item in value]
    if isinstance(value, str):
        return redact_url(value)
    return value


def _removed(value: Any) -> Any:
    """The same shape (a table keeps its names, a list its length), every value gone."""
    if isinstance(value, dict):
        return {key: _removed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_removed(item) for item in value]
    return REMOVED


def recorded_text(text: str) -> str:
    """feedvault.toml as TOML with every secret removed: header and cookie values, access
    keys and tokens, passwords in URLs, [notify] URLs; no comments (they may hold a
    secret too). `${NAME}` references stay as written: their values are never read."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the configuration is not valid TOML: {exc}") from exc
    return tomli_w.dumps(_clean(data, ()))


def recorded(config: Config) -> tuple[str, str]:
    """(the configuration without secrets, its sha256 hex digest) for a snapshot.

    The digest is of the text without secrets, so that it cannot be used to guess one:
    changing a secret alone does not count as a change of the rules."""
    try:
        text = config.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{config.file}: cannot read: {exc}") from exc
    clean = recorded_text(text)
    return clean, hashlib.sha256(clean.encode("utf-8")).hexdigest()
