"""feedvault.toml: find it, parse it, validate it once into frozen dataclasses."""

from crawler.config.files import (
    cached_config,
    config_from_settings,
    find_config,
    load_config,
    parse_config,
)
from crawler.config.model import (
    DEFAULT_NAME,
    ENV_VAR,
    PAGE_KEYS,
    CleanConfig,
    Config,
    DistributedConfig,
    HttpConfig,
    ImagesConfig,
    SourceConfig,
)

__all__ = [
    "DEFAULT_NAME",
    "ENV_VAR",
    "PAGE_KEYS",
    "CleanConfig",
    "Config",
    "DistributedConfig",
    "HttpConfig",
    "ImagesConfig",
    "SourceConfig",
    "cached_config",
    "config_from_settings",
    "find_config",
    "load_config",
    "parse_config",
]
