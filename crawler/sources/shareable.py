"""A `[[sources]]` table fit to share (`sources export`): the secrets written in it literally left out.

A header or cookie value, or a proxy's password, written literally in feedvault.toml is a
secret a shared OPML file must not carry; written as `${NAME}` it travels as the reference,
never the value. A URL holding a literal secret (what archive.urls.redact_url removes) stays,
since a feed reader needs it, and is named so the user knows the file holds it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from archive.urls import secrets_in
from crawler.config._env import references

# Tables whose every value may be a credential (Authorization, an API key, a session cookie).
SECRET_TABLES = {"headers": "header", "cookies": "cookie"}


@dataclass
class Shared:
    """A source's table as it may be shared, and what was left out of it or stays in it."""

    table: dict[str, Any]
    left_out: list[str] = field(default_factory=list)  # "header Authorization", ...
    in_urls: list[str] = field(default_factory=list)  # "url (?token=)": literal, kept


def shareable(source: Mapping[str, Any]) -> Shared:
    """source (a `[[sources]]` table as written) without literal header and cookie values
    nor a proxy's literal password; the literal secrets of its URLs named, not removed."""
    shared = Shared(dict(source))
    table = shared.table
    for key, kind in SECRET_TABLES.items():
        values = table.get(key)
        if not isinstance(values, Mapping):
            continue
        kept = {name: value for name, value in values.items() if _reads_env(value)}
        shared.left_out += [f"{kind} {name}" for name in values if name not in kept]
        if kept:
            table[key] = kept
        else:
            del table[key]
    proxy = table.get("proxy")
    if isinstance(proxy, str):
        bare, what = _proxy_without_secret(proxy)
        if what:
            table["proxy"] = bare
            shared.left_out.append(what)
    shared.in_urls = [f"{where} ({what})" for where, text in _strings(table, "")
                      for what, value in secrets_in(text) if value and not references(value)]
    return shared


def _reads_env(value: Any) -> bool:
    return isinstance(value, str) and bool(references(value))


def _proxy_without_secret(url: str) -> tuple[str, str | None]:
    """(the proxy URL without its literal credential, what was left out; None if nothing).

    A literal password goes, its user stays; a user without a password is the credential
    itself (proxy services hand out an API key as the user name) and goes."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url, None
    if "@" not in parts.netloc:
        return url, None
    userinfo, host = parts.netloc.rsplit("@", 1)
    user, _, password = userinfo.partition(":")
    if password:
        if references(password):
            return url, None
        netloc, what = (f"{user}@{host}" if user else host), "the proxy's password"
    elif user and not references(user):
        netloc, what = host, "the proxy's user name (its only credential)"
    else:
        return url, None
    return parts._replace(netloc=netloc).geturl(), what


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    """Every string of a table with its key path, past the tables shareable() has cleaned."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if path or key not in (*SECRET_TABLES, "proxy"):
                yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list | tuple):
        for number, item in enumerate(value):
            yield from _strings(item, f"{path}[{number}]")
