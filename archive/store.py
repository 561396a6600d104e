"""The archive: put articles in once, update them in place, read them back."""

from __future__ import annotations

import errno
import re
import stat
import tempfile
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any, Literal

from archive._contained import check_folder, existing, read_bytes, write_bytes
from archive._hidden import ensure_hidden
from archive._joins import same_article
from archive._pending import PendingFiles
from archive._protect import normalize
from archive._urls import safe_url
from archive.atomic import sweep, sync_folders
from archive.body import to_markdown
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


def updated_time(date: datetime, source_updated: datetime | None,
                 changed_at: datetime | None = None) -> datetime:
    """The `updated` an article's file says: the source's own update time when it gives
    one, else the moment feedvault saw its content change, else its publication date.

    Never the crawl time of a first sight, never before the article's date: a site
    shows an article as updated only when it was."""
    stamp = source_updated or changed_at or date
    if stamp.tzinfo is None or date.tzinfo is None:  # compare naive times as UTC
        return max(stamp, date, key=lambda d: d if d.tzinfo else d.replace(tzinfo=UTC))
    return max(stamp, date)


def _stored_link(article: Article) -> str | None:
    """The article's link as the archive stores (and identifies) it."""
    return safe_url(article.original_url) if article.original_url else article.original_url


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
        # the path `_taken` last found free, with the file of this article there (or None)
        self._free: tuple[str, Article | None] | None = None
        self._claims = LinkClaims()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Flush what is grouped, then close the ledger (also when the flush fails)."""
        try:
            self.flush()
        finally:
            self._pending.discard()
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
            sync_folders(self._pending.commit())
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
        body = normalize(article.body)
        if self.preset.body == "markdown":
            body = normalize(to_markdown(body))
        source_updated = article.updated  # the source's own update time, when it gives one
        article = article.with_(
            body=body,
            extra={**self.constants, **article.extra},
            updated=None,
            # the link and the cover go into front matter, which themes print into attributes
            cover=safe_url(article.cover) if article.cover else article.cover,
            original_url=_stored_link(article),
        )
        identity = identity_of(article, policy)
        self._free = None
        entry = self.ledger.get(article.source, identity)
        if entry is None and policy == "auto":
            entry = self._known_link(article, identity)
        note = None
        if entry is None and merge:
            try:
                joined = self._join(article, identity, apart)
            except DocumentError as exc:
                # the other source's file is gone or unreadable: this source keeps its own copy
                joined, note = None, (f"not joined to another source's copy of "
                                      f"{article.original_url}, archived apart: {exc}")
            if joined is not None:
                return joined
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
            if PurePosixPath(entry.path).suffix != self.preset.extension:
                raise ArchiveError(
                    f"{self.root / entry.path}: written as {PurePosixPath(entry.path).suffix}, but "
                    f"preset {self.preset.name!r} with body = {self.preset.body!r} writes "
                    f"{self.preset.extension}: keep the old settings or start a new archive path")
            if entry.content_hash == digest and self._is_file(entry.path):
                if captures is not None:
                    provenance = self._captured(provenance, captures, entry)
                if provenance is not None:
                    self.ledger.note_provenance(entry, provenance, now.isoformat())
                return PutResult("unchanged", entry.path, note)
            path, status, first_seen = entry.path, "updated", entry.first_seen
        else:
            path = article_path(
                source=article.source,
                date=article.date,
                title=article.title,
                identity=identity,
                extension=self.preset.extension,
                layout=self.preset.layout,
                taken=lambda p: self._taken(p, article, identity, policy),
            )
            status, first_seen = "new", now.isoformat()
            adopted = self._adoptable(path, article, identity, policy)
            if adopted is not None and adopted.content_hash == digest:
                # ours, from a run whose ledger is gone (a fresh clone, a cold CI cache):
                # the file already says this; keep it byte for byte
                if captures is not None:
                    provenance = self._captured(provenance, captures, None)
                self.ledger.record(adopted, seen=now.isoformat(), provenance=provenance)
                return PutResult("unchanged", path, note)
            if adopted is not None:
                status, first_seen = "updated", adopted.first_seen
        updated = updated_time(article.date, source_updated,
                               changed_at=(changed_at or now) if status == "updated" else None)
        if captures is not None:
            provenance = self._captured(provenance, captures, None)
        self._write(path, self.preset.dumps(article.with_(updated=updated)))
        self.ledger.record(
            LedgerRow(
                source=article.source,
                identity=identity,
                path=path,
                link=article.original_url,
                content_hash=digest,
                date=article.date.isoformat(),
                first_seen=first_seen,
                updated=updated.isoformat(),
            ),
            seen=now.isoformat(),
            provenance=provenance,
        )
        return PutResult(status, path, note)  # type: ignore[arg-type]

    def holds(self, article: Article, policy: str = "auto") -> str | None:
        """The path of this article's file when the archive already has it (as `put` would
        find it: by identity, or by its link under a new guid), else None."""
        article = article.with_(original_url=_stored_link(article))  # as put identifies it
        identity = identity_of(article, policy)
        entry = self.ledger.get(article.source, identity)
        if entry is None and policy == "auto":
            entry = self._known_link(article, identity)
        if entry is None:
            path = self.ledger.joined(article.source, identity)
            return path if path is not None and self._is_file(path) else None
        return entry.path if self._is_file(entry.path) else None

    def _captured(self, provenance: Provenance | None, captures: Callable[[], tuple[str, ...]],
                  unchanged: LedgerRow | None) -> Provenance:
        """provenance with the references of its captures: the ones the ledger already has for
        an unchanged article, else the ones captures() stores now."""
        digest = provenance.source_digest if provenance is not None else None
        if unchanged is not None:
            known = self.ledger.provenance(unchanged.source, unchanged.identity)
            if known is not None and known[1].captures:
                return Provenance(digest, known[1].captures)
        return Provenance(digest, captures())

    def _join(self, article: Article, identity: str, apart: Collection[str]
              ) -> PutResult | None:
        """This source's copy of an article another source archived: that file gains this
        source in its `sources` list (written, then the ledger); None when there is none.

        DocumentError when that file is missing or unreadable (then this source cannot
        join it). A file that already lists this source (a join whose ledger row was lost
        or never committed) is left as it is and only the ledger learns of the join."""
        path = self.ledger.joined(article.source, identity)
        if path is not None and self.ledger.by_path(path) is not None:
            return PutResult("unchanged", path)
        owner = same_article(self.ledger, article, apart, self.link_key, self.preset.extension)
        if owner is None:
            return None
        current = self.load(owner.path)
        listed = current.extra.get(SOURCES_KEY)
        status: Status = "updated"
        if isinstance(listed, list) and article.source in listed:
            status = "unchanged"
        else:
            sources = list(dict.fromkeys([owner.source, *self.ledger.joined_sources(owner.path),
                                          article.source]))
            current = current.with_(extra={**current.extra, SOURCES_KEY: sources})
            self._write(owner.path, self.preset.dumps(current))  # its own `updated` stays
        digest = content_hash(current.with_(updated=None))
        self.ledger.record_join(article.source, identity,
                                replace(owner, content_hash=digest),
                                seen=self._clock().isoformat())
        return PutResult(status, owner.path)

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

    def _known_link(self, article: Article, identity: str) -> LedgerRow | None:
        """The one ledger row with this link, when the item is that article with a new guid."""
        link = article.original_url
        if not link or self._claims.held_by_other(article.source, link, identity):
            return None
        rows = self.ledger.by_link(article.source, link)
        return rows[0] if len(rows) == 1 else None

    def _taken(self, path: str, article: Article, identity: str, policy: str) -> bool:
        if self.ledger.path_taken(path):
            return True
        # a file of this group (not in place yet) is a regular file
        regular = path in self._pending
        if not regular:
            found = existing(self.root, self._parts(path))
            if found is None:
                self._free = (path, None)  # `_adoptable` need not look again
                return False
            regular = stat.S_ISREG(found.st_mode)
        # A file the ledger does not know: ours from a run killed before its ledger
        # commit (adopt it), or someone else's (leave it alone).
        try:
            other = self.load(path)
        except DocumentError:
            return True
        try:
            other_identity = identity_of(other, policy)
        except ValueError:
            return True
        if (other.source, other_identity) != (article.source, identity):
            return True
        if regular:
            self._free = (path, other)
        return False

    def _adoptable(self, path: str, article: Article, identity: str, policy: str
                   ) -> LedgerRow | None:
        """The ledger row for this article's file at path when the ledger does not know it."""
        if self._free is not None and self._free[0] == path:
            # `_taken` just found the path free of the ledger, and the file absent or ours
            found = self._free[1]
            if found is None:
                return None
        else:
            if self.ledger.path_taken(path) or not self._is_file(path):
                return None
            try:
                found = self.load(path)
                if (found.source, identity_of(found, policy)) != (article.source, identity):
                    return None
            except (DocumentError, ValueError):
                return None
        date = found.date or article.date
        assert date is not None
        stamp = (found.updated or date).isoformat()
        return LedgerRow(source=found.source, identity=identity, path=path, link=found.original_url,
                     content_hash=content_hash(found.with_(updated=None)),
                     date=date.isoformat(), first_seen=stamp, updated=stamp)

    def _parts(self, path: str) -> tuple[str, ...]:
        rel = PurePosixPath(path)
        if rel.is_absolute() or ".." in rel.parts or not rel.parts or rel.parts[0] == HIDDEN:
            raise ArchiveError(f"refusing path {path!r}: outside the archive's article folders")
        return rel.parts

    def _is_file(self, path: str) -> bool:
        if path in self._pending:
            return True
        found = existing(self.root, self._parts(path))
        return found is not None and stat.S_ISREG(found.st_mode)

    def _write(self, path: str, text: str) -> None:
        parts = self._parts(path)
        target = self.root.joinpath(*parts)
        try:
            if self.grouped:  # made durable and renamed into place by flush()
                self._pending.add(path, parts, text.encode("utf-8"))
            else:
                write_bytes(self.root, parts, text.encode("utf-8"), self._tmp)
        except OSError as exc:
            raise ArchiveError(
                f"{target}: cannot write: {exc.strerror or exc}",
                fatal=exc.errno in _FATAL_ERRNOS,
            ) from exc
