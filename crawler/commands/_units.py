"""Sizes as people read them, for the commands' output (1536 bytes: "1.5 KiB")."""

from __future__ import annotations


def human_size(size: int) -> str:
    """1536 -> "1.5 KiB"; below 1 KiB, bytes."""
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{size} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")
