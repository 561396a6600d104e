"""Snapshots: the archive's state recorded in a private git repository in its hidden folder."""

from __future__ import annotations

import builtins
import logging
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from archive.errors import DocumentError, SnapshotError
from archive.presets import Preset, get_preset
from archive.snapshots._git import Git
from archive.snapshots.made_with import MadeWith, Manifest, current, read_record, write_record
from archive.store import HIDDEN

log = logging.getLogger(__name__)

STORE = "snapshots.git"
_REFS = "refs/snapshots/"
# a snapshot's provenance record (a git tree): a ref keeps it from git's garbage collection
_PROVENANCE_REFS = "refs/provenance/"
_TRAILER = re.compile(r"^Feedvault-(Number|Articles|Added|Removed|Moved|Changed): (\d+)$", re.M)
_MADE_WITH = re.compile(r"^Feedvault-(Version|Config|Provenance): (\S+)$", re.M)
_FORMAT = "%(refname)%00%(objectname)%00%(tree)%00%(committerdate:iso-strict)%00%(contents)%00"
_LATEST = re.compile(r"^latest(?:~(\d+))?$")
_HEX = re.compile(r"^[0-9a-f]{4,40}$")


@dataclass(frozen=True)
class Snapshot:
    """One recorded state of the archive and what changed since the one before."""

    id: str
    number: int
    time: datetime
    message: str
    tree: str
    articles: int
    added: int = 0
    removed: int = 0
    moved: int = 0
    changed: int = 0
    # what it was made with (None: a snapshot taken before feedvault recorded it)
    version: str | None = None
    config_digest: str | None = None
    provenance: str | None = None  # the git tree of its Manifest (made_with.py)

    @property
    def short(self) -> str:
        return self.id[:12]


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _parse_date(text: str) -> datetime:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise SnapshotError(f"@{text}: not a date; write @YYYY-MM-DD or @YYYY-MM-DDTHH:MM"
                            ) from None
    return when if when.tzinfo else when.astimezone()  # a bare date means local time


_MADE_FIELDS = {"Version": "version", "Config": "config_digest", "Provenance": "provenance"}


class Snapshots:
    """The snapshots of one archive: take, list, resolve, export, prune."""

    def __init__(self, root: Path | str, preset: Preset | str = "hexo",
                 clock: Callable[[], datetime] = _now) -> None:
        self.root = Path(root).resolve()
        if not self.root.is_dir():
            raise SnapshotError(f"{self.root}: no archive here")
        self.preset = get_preset(preset) if isinstance(preset, str) else preset
        self.git = Git(self.root / HIDDEN / STORE, self.root, exclude=HIDDEN)
        self._clock = clock
        self._history: list[Snapshot] | None = None  # for-each-ref once per change

    def current_tree(self) -> str:
        """The archive as it is now, as a git tree (only changed files are read)."""
        self.git.init()
        self.git.stage_all()
        return self.git.write_tree()

    def take(self, message: str | None = None, made_with: MadeWith | None = None
             ) -> Snapshot | None:
        """Record the archive now; None when nothing changed since the latest snapshot.

        made_with: feedvault's version and the configuration the archive is made by; the
        snapshot records them, and each article's source digest from the ledger, so that a
        diff can tell an edit at the source from a change of the rules."""
        tree = self.current_tree()
        history = self.list()
        previous = history[-1] if history else None
        if previous is not None and previous.tree == tree:
            return None
        counts = self._counts(previous, tree)
        when = self._clock()
        number = history[-1].number + 1 if history else 1
        # The number keeps two snapshots of one tree in one second apart.
        trailers = "".join(f"Feedvault-{k.capitalize()}: {v}\n"
                           for k, v in {"number": number, **counts}.items())
        message = (message or "").strip() or "snapshot"
        made: dict[str, str] = {}
        if made_with is not None:
            record = write_record(self.git, current(self.root / HIDDEN, made_with))
            made = {"version": made_with.version, "config_digest": made_with.config_digest,
                    "provenance": record}
            trailers += "".join(f"Feedvault-{k}: {made[n]}\n" for k, n in (
                ("Version", "version"), ("Config", "config_digest"), ("Provenance", "provenance")))
            # the record's ref first: a snapshot never names a record git may collect
            self.git.run("update-ref", f"{_PROVENANCE_REFS}{number:08d}", made["provenance"])
        text = f"{message}\n\n{trailers}"
        stamp = {"GIT_AUTHOR_DATE": when.isoformat(), "GIT_COMMITTER_DATE": when.isoformat()}
        commit = self.git.run("commit-tree", tree, "-F", "-", input=text.encode(), env=stamp)
        commit_id = commit.decode().strip()
        self.git.run("update-ref", f"{_REFS}{number:08d}", commit_id, "")
        snap = Snapshot(id=commit_id, number=number, time=when, message=message,
                        tree=tree, **counts, **made)
        self._history = [*history, snap]
        log.info("snapshot %s: %s", snap.short, counts)
        return snap

    def list(self) -> builtins.list[Snapshot]:
        """Every snapshot, oldest first."""
        if self._history is None:
            self._history = self._read_history()
        return list(self._history)

    def check(self) -> builtins.list[str]:
        """Problems of the snapshot store: git's fsck of every object, and every snapshot's
        tree readable. Empty when sound (or when no snapshot was ever taken)."""
        if not self.git.exists:
            return []
        problems = []
        try:
            self.git.run("fsck", "--full", "--strict", "--no-dangling", "--no-progress")
        except SnapshotError as exc:
            problems.append(f"snapshot store: {exc}")
        try:
            history = self._read_history()
        except SnapshotError as exc:
            return [*problems, f"snapshot store: {exc}"]
        for snap in history:
            try:
                self.git.run("ls-tree", "-r", "--name-only", snap.id)
            except SnapshotError as exc:
                problems.append(f"snapshot {snap.short}: unreadable: {exc}")
        return problems

    def _read_history(self) -> builtins.list[Snapshot]:
        if not self.git.exists:
            return []
        out = self.git.run("for-each-ref", "--sort=refname", f"--format={_FORMAT}", _REFS)
        fields = out.decode("utf-8", "replace").split("\0")
        result = []
        for i in range(0, len(fields) - 1, 5):
            ref, commit, tree, date, contents = fields[i : i + 5]
            counts = {k.lower(): int(v) for k, v in _TRAILER.findall(contents)}
            counts.pop("number", None)
            made = {_MADE_FIELDS[k]: v for k, v in _MADE_WITH.findall(contents)}
            message = _MADE_WITH.sub("", _TRAILER.sub("", contents)).strip()
            result.append(Snapshot(
                id=commit, number=int(ref.strip().rsplit("/", 1)[1]), tree=tree,
                time=datetime.fromisoformat(date), message=message, **counts, **made,
            ))
        return result

    def manifest(self, snap: Snapshot) -> Manifest | None:
        """What a snapshot was made with and where its articles came from; None for one
        taken before feedvault recorded it."""
        if snap.provenance is None:
            return None
        return read_record(self.git, snap.provenance, f"snapshot {snap.short}")

    def manifest_now(self, made_with: MadeWith) -> Manifest:
        """The same record for the archive as it is now, made by made_with."""
        return current(self.root / HIDDEN, made_with)

    def get(self, spec: str) -> Snapshot:
        """A snapshot by id (or a prefix of four or more digits), latest, latest~N, or @DATE."""
        history = self.list()
        if not history:
            raise SnapshotError(
                f"{self.root}: no snapshots yet; take one with `feedvault snapshot`")
        if match := _LATEST.match(spec):
            back = int(match.group(1) or 0)
            if back >= len(history):
                raise SnapshotError(f"{spec}: there are only {len(history)} snapshots")
            return history[-1 - back]
        if spec.startswith("@"):
            when = _parse_date(spec[1:])
            before = [s for s in history if s.time < when]
            if not before:
                raise SnapshotError(f"{spec}: no snapshot before {when.isoformat()}")
            return before[-1]
        if _HEX.match(spec.lower()):
            found = [s for s in history if s.id.startswith(spec.lower())]
            if len(found) == 1:
                return found[0]
            if found:
                raise SnapshotError(f"{spec}: ambiguous; give more digits of the snapshot id")
        raise SnapshotError(f"{spec}: no such snapshot; `feedvault snapshot list` shows them")

    def export(self, spec: str, dest: Path | str) -> Snapshot:
        """Write the archive as it was at a snapshot into dest (new or empty), byte for byte."""
        snap = self.get(spec)
        target = Path(dest).resolve()
        if target.exists() and (not target.is_dir() or any(target.iterdir())):
            raise SnapshotError(f"{target}: exists and is not an empty folder")
        target.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.git.git_dir) as scratch:
            env = {"GIT_INDEX_FILE": str(Path(scratch) / "index")}
            self.git.run("read-tree", snap.tree, env=env)
            self.git.run("checkout-index", "--all", "--force", f"--prefix={target}/", env=env)
        return snap

    def prune(self, keep: int) -> builtins.list[Snapshot]:
        """Drop all but the newest `keep` snapshots and reclaim their space; the dropped ones."""
        if keep < 0:
            raise SnapshotError(f"--keep {keep}: give zero or more")
        history = self.list()
        dropped = history[: max(0, len(history) - keep)]
        if dropped:
            script = "".join(f"delete {_REFS}{s.number:08d} {s.id}\n" for s in dropped)
            script += "".join(f"delete {_PROVENANCE_REFS}{s.number:08d} {s.provenance}\n"
                              for s in dropped if s.provenance)
            self.git.run("update-ref", "--stdin", input=script.encode())
            self._history = None
            self.git.run("gc", "--quiet", "--prune=now")
        return dropped

    def _counts(self, previous: Snapshot | None, tree: str) -> dict[str, int]:
        """Article-level counts since the previous snapshot, reading only changed files."""
        ext = self.preset.extension
        if previous is None:
            articles = sum(1 for p in self.git.listing(tree) if p.endswith(ext))
            return {"articles": articles, "added": articles, "removed": 0, "moved": 0, "changed": 0}
        added, removed, changed = [], [], 0
        for status, path in self.git.changed(previous.tree, tree):
            if not path.endswith(ext):
                continue
            if status == "A":
                added.append(path)
            elif status == "D":
                removed.append(path)
            else:
                changed += 1
        moved = 0
        if added and removed:
            wanted = [(previous.tree, p) for p in removed] + [(tree, p) for p in added]
            old: set[tuple[str, str]] = set()
            new: set[tuple[str, str]] = set()
            for (side, path), data in self.git.read(wanted).items():
                if (key := self._identity(path, data)) is not None:
                    (old if side == previous.tree else new).add(key)
            moved = len(old & new)
        return {
            "articles": previous.articles + len(added) - len(removed),
            "added": len(added) - moved, "removed": len(removed) - moved,
            "moved": moved, "changed": changed,
        }

    def _identity(self, path: str, data: bytes) -> tuple[str, str] | None:
        try:
            article = self.preset.loads(data.decode("utf-8"), where=path)
            return article.source, article.identity
        except (DocumentError, UnicodeDecodeError, ValueError):
            return None
