"""`${NAME}` in feedvault.toml's string values: read from the environment before validation."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, NoReturn

from archive import ConfigError

# `$${` is a literal `${`; `${NAME}` a variable; any other `${` is a mistake
_REFERENCE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{")


def expand(data: Any, environ: Mapping[str, str], where: str, text: str, key: str = "") -> Any:
    """data with every `${NAME}` in its strings (tables and arrays too) replaced.

    A variable that is not set is a ConfigError naming it, the key and the line."""
    if isinstance(data, dict):
        return {k: expand(v, environ, where, text, f"{key}.{k}" if key else k)
                for k, v in data.items()}
    if isinstance(data, list):
        return [expand(v, environ, where, text, f"{key}[{i}]") for i, v in enumerate(data)]
    if not isinstance(data, str) or "${" not in data:
        return data

    def substitute(match: re.Match[str]) -> str:
        if match.group(0) == "$${":
            return "${"
        name = match.group(1)
        if name is None:
            _fail(where, text, key, match.group(0),
                  "\"${\" must start a variable such as ${API_KEY}; write $${ for a literal ${")
        if name not in environ:
            _fail(where, text, key, match.group(0),
                  f"environment variable {name} is not set (used as ${{{name}}})")
        return environ[name]

    return _REFERENCE.sub(substitute, data)


def references(value: str) -> list[str]:
    """The names of the variables a string reads as `${NAME}` (a `$${` is a literal `${`)."""
    return [m.group(1) for m in _REFERENCE.finditer(value) if m.group(1)]


def _fail(where: str, text: str, key: str, found: str, message: str) -> NoReturn:
    line = next((n for n, s in enumerate(text.splitlines(), 1) if found in s), None)
    raise ConfigError(f"{where}:{line}: {key}: {message}" if line else
                      f"{where}: {key}: {message}")
