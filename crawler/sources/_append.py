"""Append `[[sources]]` blocks (and an `[rsshub]` table) to feedvault.toml, keeping the rest.

The file's own text, comments and formatting are kept byte for byte: the new blocks are
rendered with tomlkit (which writes TOML strings, arrays and CJK text correctly) and added at
the end. The result is validated as a whole before it replaces the file, atomically.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import tomlkit

from archive import ConfigError
from archive.atomic import atomic_write_at
from crawler.config import Config, parse_config


def render(entries: Sequence[Mapping[str, Any]], instances: Sequence[str] = ()) -> str:
    """TOML text for an `[rsshub]` table (when instances are given) and `[[sources]]` blocks."""
    doc = tomlkit.document()
    if instances:
        table = tomlkit.table()
        table.add("instances", list(instances))
        doc.add("rsshub", table)
    blocks = tomlkit.aot()
    for entry in entries:
        block = tomlkit.table()
        for key, value in entry.items():
            block.add(key, value)
        blocks.append(block)
    if entries:
        doc.add("sources", blocks)
    return tomlkit.dumps(doc)


def appended(path: Path, text: str, addition: str) -> tuple[str, Config]:
    """text with addition at its end, and the configuration it makes (ConfigError if none)."""
    joined = text if not text or text.endswith("\n") else text + "\n"
    joined += ("\n" if joined else "") + addition
    try:
        return joined, parse_config(joined, path)
    except ConfigError as exc:
        raise ConfigError(f"{path}: not changed: the new sources would make it invalid: "
                          f"{exc}") from exc


def write(path: Path, text: str) -> None:
    """Replace path with text: readers see the old file or the new one, never a mix."""
    folder = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        atomic_write_at(folder, path.name, text.encode("utf-8"))
    finally:
        os.close(folder)
