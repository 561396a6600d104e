"""The archive as a re-extraction writes it: the real one, noting each article's outcome;
with --dry-run, one that writes nothing and keeps a unified diff of each changed file."""

from __future__ import annotations

import difflib
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from archive import Archive, ArchiveError
from archive._contained import read_bytes
from archive._protect import normalize
from archive.body import to_markdown
from archive.document import Article
from archive.errors import DocumentError
from archive.ledger import Ledger
from archive.text import html_to_text
from crawler.replay.plan import Planned, ReplayPlan

_SCRATCH = "reextract-dry-run-"  # the name of a dry run's ledger copy in tmp/
_MARKDOWN_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")

class ReplayArchive(Archive):
    """Archive.put, telling the plan what became of each article it rebuilds."""

    def __init__(self, root: Path, *args: Any, plan: ReplayPlan,
                 link_key: Callable[[str], str] | None = None, **kwargs: Any) -> None:
        super().__init__(root, *args, link_key=link_key, **kwargs)
        self.plan = plan
        self.current: Planned | None = None  # the article the item being stored rebuilds
        self._scratch: Path | None = None
        if plan.dry_run:
            self.ledger = self._throwaway_ledger()

    def _throwaway_ledger(self) -> Ledger:
        """A copy of the ledger in .feedvault/tmp/: a dry run reads all the archive's ledger
        says, and whatever it writes (records, provenance, joins) goes to the copy, removed
        on close (a killed dry run's copy goes with the next one: the lock is held)."""
        for leftover in self._tmp.glob(f"{_SCRATCH}*"):
            leftover.unlink(missing_ok=True)
        handle, name = tempfile.mkstemp(dir=self._tmp, prefix=_SCRATCH, suffix=".tmp")
        os.close(handle)
        self._scratch = Path(name)
        source = sqlite3.connect(f"file:{self.ledger.path}?mode=ro", uri=True)
        target = sqlite3.connect(self._scratch)
        try:
            source.backup(target)
        except sqlite3.Error as exc:
            raise ArchiveError(f"{self.ledger.path}: cannot read the ledger: {exc}",
                               fatal=True) from exc
        finally:
            source.close()
            target.close()
        self.ledger.close()
        return Ledger(self._scratch)

    def close(self) -> None:
        super().close()
        if self._scratch is not None:
            for leftover in self._tmp.glob(f"{self._scratch.name}*"):
                leftover.unlink(missing_ok=True)
            self._scratch = None

    def put(self, article: Any, policy: str = "auto", **kwargs: Any) -> Any:
        if self.current is not None and self.current.state == "sent":
            kwargs.setdefault("changed_at", self._text_unchanged_since(self.current, article))
        result = super().put(article, policy, **kwargs)
        planned = self.current
        if planned is not None and planned.state == "sent":
            planned.state, planned.status = "done", result.status
            planned.written = result.path
        return result

    def _text_unchanged_since(self, planned: Planned, article: Article) -> datetime | None:
        """The `updated` of the article's file when the rebuild reads the same text (only
        markup changed: a removed image or wrapper, another cleaning): a rebuild keeps it
        then, as the content a reader sees has not changed. None: the text changed (or
        the file cannot be read), it is updated now."""
        row = self.ledger.by_path(planned.path)
        try:
            old = self.load(planned.path)
        except (DocumentError, ArchiveError):
            return None
        if row is None:
            return None
        body = normalize(article.body)
        if self.preset.body == "markdown":
            body = normalize(to_markdown(body))
        if _reader_text(old.body, self.preset.body) != _reader_text(body, self.preset.body):
            return None
        try:
            return datetime.fromisoformat(row.updated)
        except ValueError:
            return None

    def _write(self, path: str, text: str) -> None:
        """Archive's one way to write a file (contained, atomic); a dry run keeps a diff."""
        if not self.plan.dry_run:
            super()._write(path, text)
            return
        try:
            old = read_bytes(self.root, self._parts(path)).decode("utf-8", "replace")
        except (OSError, ArchiveError):
            old = ""
        self.plan.diffs.append("".join(difflib.unified_diff(
            old.splitlines(keepends=True), text.splitlines(keepends=True),
            fromfile=f"a/{path}", tofile=f"b/{path}")))


def _reader_text(body: str, kind: str) -> str:
    """The words of a body, one line, without images or layout: what "the text changed"
    compares."""
    if kind == "markdown":
        return " ".join(_MARKDOWN_IMAGE.sub(" ", body).split())
    return html_to_text(body, inline=True)
