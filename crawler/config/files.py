"""Finding feedvault.toml (--config, $FEEDVAULT_CONFIG, ./feedvault.toml) and loading it."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archive import ConfigError
from crawler.config._env import expand
from crawler.config._validator import Validator
from crawler.config.model import DEFAULT_NAME, ENV_VAR, Config


def find_config(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`--config`, else `$FEEDVAULT_CONFIG`, else `./feedvault.toml`."""
    if explicit:
        path = Path(explicit)
    elif os.environ.get(ENV_VAR):
        path = Path(os.environ[ENV_VAR])
    else:
        path = Path.cwd() / DEFAULT_NAME
        if not path.is_file():
            raise ConfigError(
                f"no {DEFAULT_NAME} in {Path.cwd()}: pass --config PATH or set {ENV_VAR}"
            )
    if not path.is_file():
        raise ConfigError(f"{path}: configuration file not found")
    return path.resolve()


def load_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    path = find_config(explicit)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    return parse_config(text, path)


def parse_config(text: str, path: Path, environ: Mapping[str, str] | None = None) -> Config:
    """Parse, expand `${NAME}` from environ (default: os.environ), validate."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    data = expand(data, os.environ if environ is None else environ, str(path), text)
    return Validator(text, path).config(data)


# Configs parsed in this process, by what they were parsed from. Under `scrapy crawl` and
# Scrapyd `FEEDVAULT_CONFIG` is a path and every component asks for the Config: the file
# is parsed and validated once, and again only if it or the environment changed.
_PARSED: dict[tuple[Path, int, int, tuple[tuple[str, str], ...]], Config] = {}
_KEEP = 4


def cached_config(explicit: str | os.PathLike[str] | None = None) -> Config:
    """`load_config`, parsed once per process for a given file version and environment."""
    path = find_config(explicit)
    try:
        stat = path.stat()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    key = (path, stat.st_mtime_ns, stat.st_size, tuple(sorted(os.environ.items())))
    config = _PARSED.get(key)
    if config is None:
        config = load_config(path)
        if len(_PARSED) >= _KEEP:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[key] = config
    return config


def config_from_settings(settings: Any) -> Config:
    """The Config a crawl runs with: `FEEDVAULT_CONFIG` holds a Config or a file path."""
    value = settings.get("FEEDVAULT_CONFIG")
    if isinstance(value, Config):
        return value
    return cached_config(value or None)
