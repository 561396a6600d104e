"""Which image URLs are already saved, and under which content-addressed file name."""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS images (
    url TEXT PRIMARY KEY,
    file TEXT NOT NULL,
    saved TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
)
"""


class ImageIndex:
    """url -> file name, kept in SQLite so that an image is fetched once across runs."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path)
        self.db.execute(SCHEMA)
        self.db.commit()

    def get(self, url: str) -> str | None:
        row = self.db.execute("SELECT file FROM images WHERE url = ?", (url,)).fetchone()
        return row[0] if row else None

    def put(self, url: str, file: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO images (url, file) VALUES (?, ?)", (url, file))

    def close(self) -> None:
        self.db.close()
