"""Add and remove `[[sources]]` blocks (and add `[rsshub]`) in feedvault.toml: validated, atomic.

The rest of the file is kept byte for byte (see blocks.py); a block is rendered with
tomlkit, which writes TOML strings, arrays and sub-tables correctly.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import tomlkit

from archive import ConfigError
from archive.atomic import atomic_write
from crawler.config import Config, parse_config
from crawler.sources.blocks import source_blocks


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc


def raw_sources(text: str, path: Path) -> list[dict[str, Any]]:
    """The `[[sources]]` tables as written (`${NAME}` not expanded), in order."""
    try:
        sources = tomllib.loads(text).get("sources", [])
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    return [s for s in sources if isinstance(s, dict)] if isinstance(sources, list) else []


def render(tables: Sequence[Mapping[str, Any]]) -> str:
    """`[[sources]]` blocks for tables, separated by a blank line."""
    blocks = []
    for table in tables:
        doc = tomlkit.document()
        aot = tomlkit.aot()
        item = tomlkit.table()
        item.update(dict(table))
        aot.append(item)
        doc["sources"] = aot
        blocks.append(doc.as_string().rstrip("\n") + "\n")
    return "\n".join(blocks)


def with_sources(text: str, path: Path, tables: Sequence[Mapping[str, Any]]) -> str:
    """text with new blocks after its last `[[sources]]` block (at the end if none)."""
    blocks = source_blocks(text)
    if not blocks and "sources" in _data(text, path):
        raise ConfigError(f"{path}: sources are written as an inline array; rewrite them as "
                          "[[sources]] tables so that blocks can be added")
    return _inserted(text, blocks[-1].end if blocks else len(text), render(tables))


def with_rsshub(text: str, path: Path, instances: Sequence[str]) -> str:
    """text with an `[rsshub] instances = [...]` table before its first `[[sources]]` block
    (at the end if there is none)."""
    if "rsshub" in _data(text, path):
        raise ConfigError(f"{path}: has an [rsshub] table already")
    doc = tomlkit.document()
    table = tomlkit.table()
    table.add("instances", list(instances))
    doc["rsshub"] = table
    added = doc.as_string().rstrip("\n") + "\n"
    blocks = source_blocks(text)
    return _inserted(text, blocks[0].start if blocks else len(text), added)


def _inserted(text: str, at: int, added: str) -> str:
    """text with added at offset at, set off from what is around it by a blank line."""
    before, after = text[:at], text[at:]
    if before and not before.endswith("\n"):
        before += "\n"
    if before and not before.endswith("\n\n"):
        before += "\n"
    return before + added + ("\n" if after else "") + after


def without_source(text: str, path: Path, name: str) -> str:
    """text without the block of the source called name."""
    names = [s.get("name") for s in raw_sources(text, path)]
    blocks = source_blocks(text)
    if name not in names:
        raise ConfigError(f"{path}: no source named {name!r} "
                          f"(configured: {', '.join(map(str, names)) or 'none'})")
    if len(blocks) != len(names):
        raise ConfigError(f"{path}: cannot find the [[sources]] block of {name!r} in the text; "
                          "remove it by hand")
    block = blocks[names.index(name)]
    start = block.start
    if block.end == len(text):  # the last block: no blank lines left dangling at the end
        start = len(text[:start].rstrip("\r\n")) + 1 if text[:start].strip() else 0
    return text[:start] + text[block.end:]


def save(path: Path, old: str, new: str, expect: list[dict[str, Any]]) -> Config:
    """Write new over path after checking it: the sources read back are exactly `expect`,
    the whole file validates, and nobody changed the file since `old` was read."""
    if raw_sources(new, path) != expect:
        raise ConfigError(f"{path}: editing the [[sources]] blocks would change other entries; "
                          "edit the file by hand")
    config = parse_config(new, path)
    if read_text(path) != old:
        raise ConfigError(f"{path}: changed while feedvault was editing it; run again")
    try:
        atomic_write(path, new.encode("utf-8"), mode=path.stat().st_mode & 0o7777)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write: {exc.strerror or exc}") from exc
    return config


def _data(text: str, path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
