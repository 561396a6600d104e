"""The archive: put articles in once, update them in place, read them back."""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from archive._adopt import Adoption
from archive._captured import with_captures
from archive._contained import check_folder, existing, read_bytes, write_bytes
from archive._hidden import ensure_hidden
from archive._joins import join_copy
from archive._lookup import known_entry
from archive._pending import PendingFiles
from archive._prepare import prepared, stored_link, updated_time
from archive.atomic import sweep
from archive.document import Article, content_hash
from archive.errors import ArchiveError, DocumentError
from archive.identity import LinkClaims, identity_of
from archive.layout import article_path
from archive.ledger import Ledger, LedgerRow, Provenance
from archive.presets import SOURCES_KEY, Preset, get_preset

HIDDEN = ".feedvault"
SOURCE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

_FATAL_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT}

Status = Literal["new", "updated", "unchanged"]


@dataclass(frozen=True)
class PutResult:
    """What `Archive.put` did with one article."""

    status: Status
    path: str
    # something the user should hear about although the article was archived
    note: str | None = None


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Archive:
    """A folder of front-matter files plus a hidden ledger that maps identity to file."""

    def __init__(
        self,
        root: Path | str,
        preset: Preset | str = "hexo",
        front_matter: Mapping[str, Any] | None = None,
        clock: Callable[[], datetime] = _now,
        *,
        body: str | None = None,
        front_matter_format: str | None = None,
        link_key: Callable[[str], str] | None = None,
        grouped: bool = False,
    ) -> None:
        """`body` ("html" or "markdown") and `front_matter_format` ("yaml" or "toml")
        override the preset's own; ValueError if the preset cannot write them.
        `link_key`: what two sources' links to one article have in common (e.g. the link
        without click trackers); by default the link itself.

        grouped: `put` writes each file to a temporary one and its ledger rows into an
        open transaction; `flush` fsyncs the group's files together, renames them into
        place, fsyncs their folders once, then commits the rows: a power cut leaves files
        the ledger does not know yet (the next run adopts them), never a torn file nor a
        ledger row without its file. Lookups (`put`'s, `load`) see the group's files and
        rows before the flush. Without grouped, every `put` is durable and recorded when it
        returns."""
        self.root = Path(root)
        self.link_key = link_key or (lambda link: link)
        if isinstance(preset, str):
            preset = get_preset(preset)
        self.preset = preset.configured(body, front_matter_format)
        self.constants = dict(front_matter or {})
        self._clock = clock
        self.hidden = self.root / HIDDEN
        self._tmp = self.hidden / "tmp"
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            check_folder(self.root, (HIDDEN, "tmp"))  # never a link out of the archive
            ensure_hidden(self.hidden)
            with tempfile.TemporaryFile(dir=self._tmp):
                pass  # a read-only or full filesystem says so here, not in SQLite's words
        except OSError as exc:
            raise ArchiveError(f"{self.root}: cannot write to the archive: {exc.strerror}",
                               fatal=True) from exc
        sweep(self._tmp)
        existing(self.root, (HIDDEN, "ledger.sqlite"))  # ArchiveLinkError if a link
        self.ledger = Ledger(self.hidden / "ledger.sqlite", grouped=grouped)
        self.grouped = grouped
        self._pending = PendingFiles(self.root, self._tmp)  # grouped files before flush()
        self._claims = LinkClaims()
        self._adoption = Adoption(self.ledger, self._pending.__contains__, self._found,
                                  self.load)

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Flush what is grouped, then close the ledger (also when the flush fails)."""
        try:
            self.flush()
        finally:
            self._pending.close()
            self.ledger.close()

    def flush(self) -> int:
        """Make the group durable: fsync its files (together), rename them into place,
        fsync each folder written into (and the folders above it) once, then commit the
        group's ledger rows in one transaction. Returns how many ledger writes it committed.

        ArchiveError (fatal) when a file or folder cannot be synced, a file cannot be
        renamed or the ledger cannot commit: then none of the group's rows is recorded, and
        its files renamed into place, written whole, are adopted by the next run that meets
        their articles."""
        try:
            self._pending.sync_folders(self._pending.commit())
        except OSError as exc:
            waiting = self.ledger.waiting
            self.ledger.rollback()
            raise ArchiveError(
                f"{self.root}: cannot make the last articles' files durable "
                f"({exc.strerror or exc}): their {waiting} ledger writes were not recorded; "
                "the files written are adopted by the next crawl", fatal=True) from exc
        waiting = self.ledger.waiting
        self.ledger.commit()
        return waiting

    def put(self, article: Article, policy: str = "auto", *, merge: bool = False,
            apart: Collection[str] = (), provenance: Provenance | None = None,
            changed_at: datetime | None = None,
            captures: Callable[[], tuple[str, ...]] | None = None) -> PutResult:
        """Archive one article: a new file, a rewrite in place, or nothing if unchanged.

        policy is the source's identity policy (`archive.identity`). The article's body
        is cleaned HTML. With `body = "markdown"` the archive stores (and `load`
        returns) its Markdown conversion instead.

        merge: an article this source has not archived, but another source has (the
        same link, by `link_key`), is not written again: that file's front matter lists
        this source too (`sources`), and nothing else in it changes. Sources in apart
        (cross_source = "separate") are never joined.

        provenance: what the source said for this article and the captures it was built
        from; the ledger keeps it with the revision (and, for an unchanged article, when it
        says more than what the ledger had).

        changed_at: when a rewritten article's content changed, for its `updated` (default:
        now); a re-extraction that only changed markup passes the time the file says.

        captures: stores the responses the article was built from and returns their
        references, durable; called only when they are wanted, before the ledger row: for a
        new or updated article, or an unchanged one the ledger knows no captures of. An
        unchanged article otherwise keeps the references it has.
        """
        if not SOURCE_NAME.match(article.source):
            raise ArchiveError(f"invalid source name {article.source!r}: use letters, digits, - and _")
        source_updated = article.updated  # the source's own update time, when it gives one
        article = prepared(article, self.preset, self.constants)
        identity = identity_of(article, policy)
        self._adoption.forget()
        entry = known_entry(self.ledger, self._claims, article, identity, policy)
        note = None
        if entry is None and merge:
            try:
                joined = join_copy(self.ledger, self.preset, article, identity, apart,
                                   self.link_key, load=self.load, write=self._write,
                                   seen=lambda: self._clock().isoformat())
            except DocumentError as exc:
                # the other source's file is gone or unreadable: this source keeps its own copy
                joined, note = None, (f"not joined to another source's copy of "
                                      f"{article.original_url}, archived apart: {exc}")
            if joined is not None:
                return PutResult(*joined)  # type: ignore[arg-type]
        if entry is not None:
            identity = entry.identity
            others = self.ledger.joined_sources(entry.path)
            if others:  # the file lists every source that delivered it
                article = article.with_(extra={**article.extra,
                                               SOURCES_KEY: [entry.source, *others]})
        self._claims.claim(article.source, article.original_url, identity)
        now = self._clock()
        if article.date is None:
            article = article.with_(date=datetime.fromisoformat(entry.date) if entry else now)
        assert article.date is not None
        digest = content_hash(article)
        if entry is not None:
            self._check_extension(entry.path)
            if entry.content_hash == digest and self._is_file(entry.path):
                if captures is not None:
                    provenance = with_captures(self.ledger, provenance, captures, entry)
                if provenance is not None:
                    self.ledger.note_provenance(entry, provenance, now.isoformat())
                return PutResult("unchanged", entry.path, note)
            path, status, first_seen = entry.path, "updated", entry.first_seen
        else:
            path = self._new_path(article, identity, policy)
            status, first_seen = "new", now.isoformat()
            adopted = self._adoption.adoptable(path, article, identity, policy)
            if adopted is not None and adopted.content_hash == digest:
                # ours, from a run whose ledger is gone (a fresh clone, a cold CI cache):
                # the file already says this; keep it byte for byte
                if captures is not None:
                    provenance = with_captures(self.ledger, provenance, captures, None)
                self.ledger.record(adopted, seen=now.isoformat(), provenance=provenance)
                return PutResult("unchanged", path, note)
            if adopted is not None:
                status, first_seen = "updated", adopted.first_seen
        updated = updated_time(article.date, source_updated,
                               changed_at=(changed_at or now) if status == "updated" else None)
        if captures is not None:
            provenance = with_captures(self.ledger, provenance, captures, None)
        self._write(path, self.preset.dumps(article.with_(updated=updated)))
        self.ledger.record(
            LedgerRow(source=article.source, identity=identity, path=path,
                      link=article.original_url, content_hash=digest,
                      date=article.date.isoformat(), first_seen=first_seen,
                      updated=updated.isoformat()),
            seen=now.isoformat(),
            provenance=provenance,
        )
        return PutResult(status, path, note)  # type: ignore[arg-type]

    def holds(self, article: Article, policy: str = "auto") -> str | None:
        """The path of this article's file when the archive already has it (as `put` would
        find it: by identity, or by its link under a new guid), else None."""
        article = article.with_(original_url=stored_link(article))  # as put identifies it
        identity = identity_of(article, policy)
        entry = known_entry(self.ledger, self._claims, article, identity, policy)
        if entry is None:
            path = self.ledger.joined(article.source, identity)
            return path if path is not None and self._is_file(path) else None
        return entry.path if self._is_file(entry.path) else None

    def _check_extension(self, path: str) -> None:
        """ArchiveError when the article's file was written with another extension."""
        suffix = PurePosixPath(path).suffix
        if suffix != self.preset.extension:
            raise ArchiveError(
                f"{self.root / path}: written as {suffix}, but "
                f"preset {self.preset.name!r} with body = {self.preset.body!r} writes "
                f"{self.preset.extension}: keep the old settings or start a new archive path")

    def _new_path(self, article: Article, identity: str, policy: str) -> str:
        """A path for a new article: its layout's, made unique against other files."""
        assert article.date is not None
        return article_path(
            source=article.source,
            date=article.date,
            title=article.title,
            identity=identity,
            extension=self.preset.extension,
            layout=self.preset.layout,
            taken=lambda p: self._adoption.taken(p, article, identity, policy),
        )

    def load(self, path: str) -> Article:
        """Read one archive file (a path relative to the root) back into an Article."""
        parts = self._parts(path)
        full = self.root.joinpath(*parts)
        try:
            pending = self._pending.get(path)
            text = (pending if pending is not None else read_bytes(self.root, parts)
                    ).decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise DocumentError(f"{full}: cannot read: {exc}") from exc
        return self.preset.loads(text, where=str(full))

    def _parts(self, path: str) -> tuple[str, ...]:
        rel = PurePosixPath(path)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts or rel.parts[0] == HIDDEN:
            raise ArchiveError(f"refusing path {path!r}: outside the archive's article folders")
        return rel.parts

    def _found(self, path: str) -> os.stat_result | None:
        """What is at path in the archive (not following links), or None."""
        return existing(self.root, self._parts(path))

    def _is_file(self, path: str) -> bool:
        if path in self._pending:
            return True
        found = self._found(path)
        return found is not None and stat.S_ISREG(found.st_mode)

    def _write(self, path: str, text: str) -> None:
        parts = self._parts(path)
        try:
            if self.grouped:  # made durable and renamed into place by flush()
                self._pending.add(path, parts, text.encode("utf-8"))
            else:
                write_bytes(self.root, parts, text.encode("utf-8"), self._tmp)
        except OSError as exc:
            raise ArchiveError(
                f"{self.root.joinpath(*parts)}: cannot write: {exc.strerror or exc}",
                fatal=exc.errno in _FATAL_ERRNOS,
            ) from exc
