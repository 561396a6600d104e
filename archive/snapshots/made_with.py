"""What a snapshot was made with: feedvault's version, the configuration, each article's source."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from archive.errors import SnapshotError
from archive.ledger import Ledger
from archive.snapshots._git import Git

FORMAT = 1
# the files of a snapshot's provenance record (a git tree of its own, not the snapshot's)
HEAD = "feedvault.json"
CONFIG = "feedvault.toml"
ARTICLES = "articles"
_Key = tuple[str, str]


@dataclass(frozen=True)
class MadeWith:
    """The rules an archive's articles are made by, as plain values from the command line:
    feedvault's version, the configuration's digest and its text (without secrets: the
    caller removes them; this text is stored in the snapshot as given)."""

    version: str
    config_digest: str
    config_text: str = ""


@dataclass(frozen=True)
class Manifest:
    """A snapshot's provenance: what it was made with, and per article (source, identity)
    the source digest of the revision it holds (None: not known)."""

    made_with: MadeWith
    digests: dict[_Key, str | None] = field(default_factory=dict)

    def digest(self, key: _Key) -> str | None:
        return self.digests.get(key)

    def files(self) -> dict[str, bytes]:
        """The record as files of a git tree: the version and digest, the configuration, and
        one file per source, so that a source whose articles did not change shares its
        object with the snapshot before."""
        head = {"format": FORMAT, "feedvault": self.made_with.version,
                "config_digest": self.made_with.config_digest}
        by_source: dict[str, list[list[str | None]]] = {}
        for (source, identity), digest in sorted(self.digests.items()):
            by_source.setdefault(source, []).append([identity, digest])
        files = {HEAD: _json(head), CONFIG: self.made_with.config_text.encode("utf-8")}
        files.update({f"{ARTICLES}/{source}.json": _json(rows)
                      for source, rows in by_source.items()})
        return files

    @classmethod
    def from_files(cls, files: dict[str, bytes], where: str) -> Manifest:
        try:
            head = json.loads(files[HEAD])
            made = MadeWith(str(head["feedvault"]), str(head["config_digest"]),
                            files.get(CONFIG, b"").decode("utf-8"))
            digests = {}
            for path, data in files.items():
                if path.startswith(f"{ARTICLES}/") and path.endswith(".json"):
                    source = path[len(ARTICLES) + 1 : -len(".json")]
                    digests.update({(source, str(i)): (str(d) if d else None)
                                    for i, d in json.loads(data)})
        except (ValueError, KeyError, TypeError) as exc:
            raise SnapshotError(f"{where}: unreadable provenance record: {exc}") from exc
        return cls(made, digests)


def _json(value: object) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def current(hidden: Path, made_with: MadeWith) -> Manifest:
    """The archive's provenance now: its ledger's newest source digest of every article."""
    ledger = Ledger.open_in(hidden)
    if ledger is None:
        return Manifest(made_with)
    try:
        return Manifest(made_with, ledger.source_digests())
    finally:
        ledger.close()


def write_record(git: Git, manifest: Manifest) -> str:
    """The manifest as a git tree of its own in the store (three git commands, however many
    sources); its id."""
    files = manifest.files()
    with tempfile.TemporaryDirectory(dir=git.git_dir) as scratch:
        names = []
        for n, data in enumerate(files.values()):
            name = Path(scratch) / str(n)
            name.write_bytes(data)
            names.append(str(name))
        out = git.run("hash-object", "-w", "--stdin-paths",
                      input="".join(f"{n}\n" for n in names).encode())
    blobs = dict(zip(files, out.decode().split(), strict=True))
    inner = "".join(f"100644 blob {oid}\t{path.split('/', 1)[1]}\0"
                    for path, oid in sorted(blobs.items()) if "/" in path)
    top = [f"100644 blob {oid}\t{path}\0" for path, oid in blobs.items() if "/" not in path]
    if inner:
        sub = git.run("mktree", "-z", input=inner.encode()).decode().strip()
        top.append(f"040000 tree {sub}\t{ARTICLES}\0")
    return git.run("mktree", "-z", input="".join(sorted(top)).encode()).decode().strip()


def read_record(git: Git, tree: str, where: str) -> Manifest:
    """A manifest written by write_record; SnapshotError naming `where` if unreadable."""
    try:
        files = git.blobs(tree, git.listing(tree))
    except SnapshotError as exc:
        raise SnapshotError(f"{where}: unreadable provenance record: {exc}") from exc
    return Manifest.from_files(files, where)
