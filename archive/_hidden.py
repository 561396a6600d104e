"""The archive's hidden `.feedvault/` folder, which a user's own git repository ignores."""

from __future__ import annotations

import contextlib
from pathlib import Path

_GITIGNORE = (
    "# feedvault's private state (ledger, lock, caches, snapshots): not for your repository.\n"
    "*\n"
)


def ensure_hidden(hidden: Path) -> Path:
    """Create the hidden folder if needed, with a .gitignore that hides it from git."""
    hidden.mkdir(parents=True, exist_ok=True)
    marker = hidden / ".gitignore"
    if not marker.exists():
        with contextlib.suppress(OSError):  # a read-only archive says so elsewhere
            marker.write_text(_GITIGNORE, encoding="utf-8")
    return hidden
