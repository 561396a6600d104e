"""Where each `[[sources]]` block of feedvault.toml starts and ends, found in the text itself.

TOML libraries that keep comments still re-order a file whose `[[sources]]` are split by
other tables; edits here cut and insert text so the rest of the file stays byte for byte.
A block runs from its header to the next header that is not one of its sub-tables
(`[sources.backfill]`); the comment lines right above a header (no blank line between)
belong to that header's block.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass

_COMMENT_LINE = re.compile(r"[ \t]*#[^\n]*\n")
_BLANK_LINE = re.compile(r"[ \t]*\r?\n")


@dataclass(frozen=True)
class Header:
    """A table header line: its offset, the key path it names, and whether it is `[[...]]`."""

    start: int
    path: tuple[str, ...]
    array: bool


@dataclass(frozen=True)
class Block:
    """One `[[sources]]` element's text: text[start:end], sub-tables and comments included."""

    start: int
    end: int


def headers(text: str) -> list[Header]:
    """Every table header of a valid TOML text, skipping strings, comments and arrays."""
    found: list[Header] = []
    i, depth, line_start, n = 0, 0, True, len(text)
    while i < n:
        char = text[i]
        if char == "\n":
            line_start = True
            i += 1
            continue
        if char in " \t\r":
            i += 1
            continue
        if char == "#":
            i = _line_end(text, i)
            continue
        if line_start and depth == 0 and char == "[":
            end = _line_end(text, i)
            found.append(_header(text, i, end))
            i, line_start = end, False
            continue
        line_start = False
        if text.startswith(('"""', "'''"), i):
            close = text.find(text[i:i + 3], i + 3)
            while close != -1 and text[i] == '"' and _escaped(text, close):
                close = text.find('"""', close + 1)
            i = n if close == -1 else close + 3
            while i < n and text[i] == text[i - 1]:  # a quote right before the closing three
                i += 1
        elif char in "\"'":
            close = text.find(char, i + 1)
            while close != -1 and char == '"' and _escaped(text, close):
                close = text.find('"', close + 1)
            i = n if close == -1 else close + 1
        else:
            if char in "[{":
                depth += 1
            elif char in "]}":
                depth = max(0, depth - 1)
            i += 1
    return found


def source_blocks(text: str) -> list[Block]:
    """The `[[sources]]` blocks, in file order (the order of the configured sources)."""
    marks = headers(text)
    blocks: list[Block] = []
    for number, header in enumerate(marks):
        if header.path != ("sources",) or not header.array:
            continue
        following = next((h for h in marks[number + 1:]
                          if not (h.path[:1] == ("sources",) and len(h.path) > 1)), None)
        end = _comments_above(text, following.start) if following else len(text)
        blocks.append(Block(_comments_above(text, header.start), end))
    return blocks


def _comments_above(text: str, offset: int) -> int:
    """offset moved up over the comments that belong to the header there: those right above
    it, and those after a blank line below the previous table's last key (a comment glued
    under a key, then a blank line, stays with that key: it may be a commented-out one)."""
    run: list[str] = []  # the comment and blank lines above the header, nearest last
    top = offset
    while top > 0:
        begin = text.rfind("\n", 0, top - 1) + 1
        line = text[begin:top]
        if not (_COMMENT_LINE.fullmatch(line) or _BLANK_LINE.fullmatch(line)):
            break
        run.insert(0, line)
        top = begin
    if not any(_COMMENT_LINE.fullmatch(line) for line in run):
        return offset
    start = 0
    glued = top > 0 and _COMMENT_LINE.fullmatch(run[0])
    if glued and any(_BLANK_LINE.fullmatch(line) for line in run):
        while start < len(run) and _COMMENT_LINE.fullmatch(run[start]):
            start += 1  # the first paragraph, under the previous key, stays there
    while start < len(run) and _BLANK_LINE.fullmatch(run[start]):
        start += 1
    return offset - sum(len(line) for line in run[start:])


def _header(text: str, start: int, end: int) -> Header:
    line = text[start:end]
    array = line.startswith("[[")
    try:
        data = tomllib.loads(line)
    except tomllib.TOMLDecodeError:
        return Header(start, (), array)
    path: list[str] = []
    while isinstance(data, dict) and len(data) == 1:
        key, data = next(iter(data.items()))
        path.append(key)
        if isinstance(data, list):
            data = data[-1]
    return Header(start, tuple(path), array)


def _line_end(text: str, i: int) -> int:
    end = text.find("\n", i)
    return len(text) if end == -1 else end


def _escaped(text: str, quote: int) -> bool:
    """Whether the quote at this offset is escaped (an odd run of backslashes before it)."""
    run = 0
    while text[quote - 1 - run] == "\\":
        run += 1
    return run % 2 == 1
