"""The diff as text for a terminal: one line per article, fields and words that changed."""

from __future__ import annotations

import re
from typing import Any

from archive.diff.compare import STATUSES, ArticleChange, Diff
from archive.text import Segment

CONTEXT = 60  # characters of unchanged text kept on each side of a change
_COLOURS = {"added": "32", "removed": "31", "moved": "36", "changed": "33",
            "delete": "1;31", "insert": "1;32", "head": "1", "dim": "2"}
_MARKS = {"delete": ("[-", "-]"), "insert": ("{+", "+}")}
# What a terminal obeys rather than shows: C0 controls but tab and newline (ESC starts the
# sequences that move the cursor, retitle the window or set the clipboard; CR overwrites the
# line), DEL, C1 controls (U+009B is CSI) and bidi controls that reorder the line.
# Titles, paths and bodies come from archive files, which a clone of someone else's
# archive holds as its author wrote them: each such character is shown as its \u escape.
_UNSHOWN = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _shown(text: str) -> str:
    return _UNSHOWN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


class _Paint:
    def __init__(self, colour: bool) -> None:
        self.colour = colour

    def __call__(self, style: str, text: str) -> str:
        return f"\x1b[{_COLOURS[style]}m{text}\x1b[0m" if self.colour and text else text

    def change(self, op: str, text: str) -> str:
        """Deleted or inserted text, marked line by line so each line stands on its own."""
        start, end = _MARKS[op]
        if self.colour:
            return "\n".join(self(op, line) for line in text.split("\n"))
        return "\n".join(f"{start}{line}{end}" if line else "" for line in text.split("\n"))


def _value(value: Any) -> str:
    return "(none)" if value is None else repr(value) if isinstance(value, str) else str(value)


def _elide(text: str, first: bool, last: bool) -> str:
    keep_head = 0 if first else CONTEXT
    keep_tail = 0 if last else CONTEXT
    if len(text) <= keep_head + keep_tail + 5:
        return text
    head = text[:keep_head] + " " if keep_head else ""
    tail = " " + text[len(text) - keep_tail :] if keep_tail else ""
    return f"{head}…{tail}"


def body_lines(segments: tuple[Segment, ...], paint: _Paint) -> list[str]:
    out = []
    for i, (op, text) in enumerate(segments):
        text = _shown(text)
        if op == "equal":
            out.append(_elide(text, i == 0, i == len(segments) - 1))
        else:
            out.append(paint.change(op, text))
    return "".join(out).split("\n")


def _article(change: ArticleChange, paint: _Paint) -> list[str]:
    where = _shown(change.path)
    if change.status == "moved":
        where = _shown(f"{change.old_path} → {change.new_path}")
    lines = [f"{paint(change.status, f'{change.status:<8}')} {where}  "
             f"{paint('dim', _shown(change.title))}"]
    if change.provenance:
        lines[0] += f"  ({_shown(change.provenance)})"
    for f in change.fields:
        old, new = paint("delete", _shown(_value(f.old))), paint("insert", _shown(_value(f.new)))
        lines.append(f"    {_shown(f.name)}: {old} → {new}")
    if change.body is not None:
        label = "body (markup only)" if change.markup_only else "body"
        lines.append(f"    {label}:")
        lines += [f"      {line}" for line in body_lines(change.body, paint)]
    return lines


def summary_line(diff: Diff) -> str:
    total = sum(diff.counts.values())
    text = f"{total} article{'s differ' if total != 1 else ' differs'}: " + ", ".join(
        f"{diff.counts[s]} {s}" for s in STATUSES
    )
    if diff.files:
        text += f"; {len(diff.files)} other file{'s' if len(diff.files) != 1 else ''}"
    if diff.labels:
        text += "; " + ", ".join(f"{n} {why}" for why, n in diff.labels.items())
    return text


def render_stat(diff: Diff) -> str:
    """Counts per source, then the total."""
    rows = {_shown(name): row for name, row in diff.by_source().items()}
    width = max([len("source"), len("total"), *map(len, rows)])
    lines = [f"{'source':<{width}}  " + " ".join(f"{s:>7}" for s in STATUSES)]
    for name, row in rows.items():
        lines.append(f"{name:<{width}}  " + " ".join(f"{row[s]:>7}" for s in STATUSES))
    lines.append(f"{'total':<{width}}  " + " ".join(f"{diff.counts[s]:>7}" for s in STATUSES))
    return "\n".join(lines) + "\n"


def render_text(diff: Diff, *, colour: bool = False) -> str:
    paint = _Paint(colour)
    lines = [paint("head", f"--- {diff.old.label}"), paint("head", f"+++ {diff.new.label}")]
    for change in diff.articles:
        lines += _article(change, paint)
    for f in diff.files:
        lines.append(f"{paint(f.status, f'file {f.status}'):<8} {_shown(f.path)}")
    lines += [f"note: {_shown(note)}" for note in diff.notes]
    lines.append(summary_line(diff))
    return "\n".join(lines) + "\n"
