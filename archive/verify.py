"""Check that the archive's files and its ledger agree; rebuild the ledger from the files."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from archive.atomic import sweep
from archive.capture_files import check as check_captures
from archive.captures import CaptureStore
from archive.document import Article, content_hash
from archive.errors import DocumentError
from archive.identity import identity_of
from archive.ledger import LedgerRow
from archive.presets import SOURCES_KEY
from archive.store import HIDDEN, Archive


@dataclass(frozen=True)
class Finding:
    """One disagreement: kind is unparseable, orphan, missing, mismatch, duplicate, link or capture."""

    kind: str
    path: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}" + (f" ({self.detail})" if self.detail else "")


@dataclass
class VerifyResult:
    files: int = 0
    entries: int = 0
    findings: list[Finding] = field(default_factory=list)
    repaired: bool = False

    @property
    def clean(self) -> bool:
        return not self.findings


def _scan(archive: Archive) -> tuple[list[str], list[str]]:
    """The article files and the links met on the way (relative POSIX paths, sorted).

    Links are listed, never followed: a linked folder or file may point anywhere.
    """
    ext = archive.preset.extension
    files: list[str] = []
    links: list[str] = []
    stack = [("", str(archive.root))]
    while stack:
        prefix, folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for found in entries:
            path = prefix + found.name
            if found.is_symlink():
                links.append(path)
            elif found.is_dir(follow_symlinks=False):
                if found.name != HIDDEN:
                    stack.append((path + "/", found.path))
            elif found.name.endswith(ext) and found.is_file(follow_symlinks=False):
                files.append(path)
    return sorted(files), sorted(links)


def _article_files(archive: Archive) -> list[str]:
    return _scan(archive)[0]


def _stored_hash(archive: Archive, article: Article) -> str:
    """The hash `Archive.put` recorded for the content this file holds."""
    return content_hash(article.with_(updated=None))


def verify(archive: Archive) -> VerifyResult:
    """Every file parses, has a ledger row with its hash, and every row has its file."""
    result = VerifyResult()
    ledger = {e.path: e for e in archive.ledger.entries()}
    result.entries = len(ledger)
    files, links = _scan(archive)
    for link in links:  # an article file, or a folder holding the ledger's articles
        if link.endswith(archive.preset.extension) or any(
                path.startswith(link + "/") for path in ledger):
            result.findings.append(Finding("link", link, "a symbolic link, not followed: "
                                           "replace it with the real folder or file"))
    for path in files:
        result.files += 1
        try:
            article = archive.load(path)
        except DocumentError as exc:
            reason = " ".join(str(exc).split(": ", 1)[-1].split())  # YAML errors span lines
            result.findings.append(Finding("unparseable", path, reason))
            continue
        entry = ledger.pop(path, None)
        if entry is None:
            result.findings.append(Finding("orphan", path, "file not in the ledger"))
        elif entry.source != article.source:
            result.findings.append(Finding("mismatch", path, f"ledger source {entry.source!r}, "
                                           f"file source {article.source!r}"))
        elif entry.content_hash != _stored_hash(archive, article):
            result.findings.append(Finding("mismatch", path, "content differs from the ledger's "
                                           "hash (edited by hand, or a write was interrupted)"))
    for path in sorted(ledger):
        result.findings.append(Finding("missing", path, "in the ledger, file not found"))
    if (archive.hidden / "captures").is_dir():  # [archive] capture = "warc": raw responses
        refs = (ref for _, _, ref in archive.ledger.capture_refs())
        for where, detail in check_captures(CaptureStore(archive.hidden), refs):
            result.findings.append(Finding("capture", f"{HIDDEN}/captures/{where}", detail))
    return result


def repair(
    archive: Archive,
    policy_of: Callable[[str], str] = lambda source: "auto",
    clock: Callable[[], datetime] = lambda: datetime.now(UTC).replace(microsecond=0),
) -> VerifyResult:
    """Rebuild the ledger's article rows from the files, and the `joined` rows from the
    `sources` they list (the first is the file's own source); return what was found before.

    Files that do not parse are left alone and reported; when two files claim one
    identity, the more recently updated one is kept in the ledger and the other
    is reported as a duplicate.
    """
    before = verify(archive)
    sweep(archive.hidden / "tmp")
    old = {(e.source, e.identity): e for e in archive.ledger.entries()}
    old_by_path = {e.path: e for e in old.values()}
    now = clock().isoformat()
    chosen: dict[tuple[str, str], tuple[LedgerRow, datetime]] = {}
    listed: dict[str, list[str]] = {}  # path → the further sources its file lists
    duplicates: list[Finding] = []
    for path in _article_files(archive):
        try:
            article = archive.load(path)
            previous = old_by_path.get(path)
            identity = previous.identity if previous else identity_of(
                article, policy_of(article.source))
        except (DocumentError, ValueError):
            continue
        stamp = article.updated or article.date or datetime.min.replace(tzinfo=UTC)
        entry = LedgerRow(
            source=article.source,
            identity=identity,
            path=path,
            link=article.original_url,
            content_hash=_stored_hash(archive, article),
            date=(article.date.isoformat() if article.date else now),
            first_seen=previous.first_seen if previous else now,
            updated=article.updated.isoformat() if article.updated else now,
        )
        sources = article.extra.get(SOURCES_KEY)
        if isinstance(sources, list):
            listed[path] = [name for name in dict.fromkeys(sources)
                            if isinstance(name, str) and name != article.source]
        key = (entry.source, entry.identity)
        if key in chosen:
            keep, drop = sorted([chosen[key], (entry, stamp)], key=lambda pair: pair[1])[::-1]
            chosen[key] = keep
            duplicates.append(Finding("duplicate", drop[0].path, f"same article as {keep[0].path}"))
        else:
            chosen[key] = (entry, stamp)
    entries = [pair[0] for pair in chosen.values()]
    # cross_source = "merge": the sources that joined each kept file, as it lists them
    joins = [(name, entry.path) for entry in entries for name in listed.get(entry.path, ())]
    archive.ledger.rebuild(entries, now, joins)
    before.findings.extend(duplicates)
    before.repaired = True
    return before

