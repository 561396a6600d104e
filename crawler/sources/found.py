"""What an importer found in a file: the sources it proposes, and what it could not use."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Proposed:
    """A source an importer found: `[[sources]]` keys as they would be written (a feed
    `url`, `categories`, settings; `name` when the file names it) and a title to name it by."""

    table: dict[str, Any]
    title: str | None = None
    where: str = ""  # how a report line names it, e.g. 'outline "Ars Technica"'


@dataclass
class Found:
    """An importer's result: the sources, one line per entry it could not use, notes."""

    sources: list[Proposed] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)  # entries left out, and why
    notes: list[str] = field(default_factory=list)  # entries taken, with something to know
