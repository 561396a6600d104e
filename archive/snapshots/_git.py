"""The git command, sealed off: a private repository whose work tree is the archive."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

from archive.errors import SnapshotError

# Anything that could make git find, read or change another repository, read the
# user's configuration, run hooks or filters, or rewrite bytes on the way in or out.
_SCRUB_PREFIX = "GIT_"
_ISOLATION = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_AUTHOR_NAME": "feedvault",
    "GIT_AUTHOR_EMAIL": "feedvault@localhost",
    "GIT_COMMITTER_NAME": "feedvault",
    "GIT_COMMITTER_EMAIL": "feedvault@localhost",
    "LC_ALL": "C",
}
_CONFIG = {
    "core.autocrlf": "false",
    "core.safecrlf": "false",
    "core.symlinks": "true",
    "core.quotePath": "false",
    "core.hooksPath": os.devnull,
    "core.excludesFile": os.devnull,
    "core.fsmonitor": "false",
    "gc.auto": "0",
    "core.logAllRefUpdates": "false",
    "commit.gpgSign": "false",
    "index.version": "4",
}
# info/attributes outranks every .gitattributes in the work tree: no conversion, ever.
_ATTRIBUTES = "* -text -eol -filter -ident -working-tree-encoding -diff\n"
# Seen from a repository the user keeps the archive in, our store is ignored.
_IGNORE_ALL = "*\n"


def _config_text() -> str:
    """The store's whole git configuration: what `git init` writes, then ours."""
    sections: dict[str, list[str]] = {"core": ["\trepositoryformatversion = 0\n",
                                               "\tfilemode = true\n", "\tbare = false\n"]}
    for key, value in _CONFIG.items():
        section, name = key.split(".")
        sections.setdefault(section, []).append(f"\t{name} = {value}\n")
    return "".join(f"[{k}]\n" + "".join(v) for k, v in sections.items())


def _replace(path: Path, text: str) -> None:
    """Put text at path through a temporary file of a fresh random name (mkstemp opens it
    O_CREAT|O_EXCL|O_NOFOLLOW, so no existing file or link is ever opened) and a rename,
    which replaces a link at path instead of following it."""
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".feedvault",
                                         dir=path.parent)
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot write the snapshot store's settings: {exc}") from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            os.fchmod(file.fileno(), 0o644)  # as git writes them, not mkstemp's 0600
            file.write(text)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise SnapshotError(f"{path}: cannot write the snapshot store's settings: {exc}") from exc


class Git:
    """Run git against `git_dir` with `work_tree` as its work tree and nothing else."""

    def __init__(self, git_dir: Path, work_tree: Path, *, exclude: str) -> None:
        self.git_dir = git_dir
        self.work_tree = work_tree
        self.exclude = exclude  # a top-level folder of the work tree never recorded
        exe = shutil.which("git")
        if exe is None:
            raise SnapshotError("snapshots need the git command; install git (apt-get install git)")
        self._exe = exe
        env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUB_PREFIX)}
        env.update(_ISOLATION)
        env["GIT_DIR"] = str(git_dir)
        env["GIT_WORK_TREE"] = str(work_tree)
        self._env = env
        self._sealed = False

    @property
    def exists(self) -> bool:
        return (self.git_dir / "HEAD").is_file()

    def seal(self) -> None:
        """Our configuration, attributes and excludes, whatever the store held before.

        A store that came with someone else's clone or a restored CI cache may name
        commands git runs (`core.fsmonitor`, a `filter.*.clean` with `* filter=...` in
        info/attributes, hooks): `diff` or `snapshot` would run them. Each file is written
        to a new temporary file and renamed over the old one, so a link the store holds, in
        its place or anywhere else, is replaced or left alone, never written through; an
        `info` that is a link or a file is replaced by a folder."""
        for name in ("commondir", "gitdir"):  # git would read another folder's config
            if os.path.lexists(self.git_dir / name):
                raise SnapshotError(f"{self.git_dir / name}: a snapshot store never has one; "
                                    "remove the store (snapshots are lost) or this file")
        info = self.git_dir / "info"
        if info.is_symlink() or not info.is_dir():
            info.unlink(missing_ok=True)
            info.mkdir()
        for path, text in ((self.git_dir / "config", _config_text()),
                           (info / "attributes", _ATTRIBUTES),
                           (info / "exclude", f"/{self.exclude}/\n")):
            if not path.is_symlink() and path.is_file() and path.read_text("utf-8") == text:
                continue
            _replace(path, text)
        self._sealed = True

    def init(self) -> None:
        if self.exists:
            self.seal()
            return
        env = {k: v for k, v in self._env.items() if k not in ("GIT_DIR", "GIT_WORK_TREE")}
        try:
            subprocess.run([self._exe, "init", "--quiet", "--bare", str(self.git_dir)],
                           env=env, check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError) as exc:
            raise SnapshotError(f"{self.git_dir}: cannot create the snapshot store: {exc}") from exc
        self.seal()
        (self.git_dir / ".gitignore").write_text(_IGNORE_ALL, encoding="utf-8")

    def run(self, *args: str, input: bytes | None = None,
            env: Mapping[str, str] | None = None) -> bytes:
        """Run one git command; its stdout, or SnapshotError with git's own message."""
        if not self._sealed and self.exists:
            self.seal()
        try:
            done = subprocess.run(
                [self._exe, *args], input=input, capture_output=True, cwd=self.work_tree,
                env={**self._env, **(env or {})},
            )
        except OSError as exc:
            raise SnapshotError(f"cannot run git: {exc}") from exc
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
            raise SnapshotError(f"{self.git_dir}: git {args[0]} failed: {message}")
        return done.stdout

    def stage_all(self) -> None:
        """Bring the index up to the work tree; the stat cache keeps unchanged files unread."""
        # -f: a .gitignore the user keeps in the archive must not hide articles from a
        # snapshot; the pathspec keeps our own hidden folder out instead.
        self.run("add", "--all", "--force", "--", ".", f":(exclude,top){self.exclude}")

    def write_tree(self) -> str:
        return self.run("write-tree").decode().strip()

    def changed(self, old: str, new: str) -> list[tuple[str, str]]:
        """(status letter A/D/M/T, path) for every file that differs between two trees."""
        out = self.run("diff-tree", "-r", "-z", "--no-renames", "--name-status", old, new)
        fields = out.split(b"\0")
        return [
            (fields[i].decode(), fields[i + 1].decode("utf-8", "surrogateescape"))
            for i in range(0, len(fields) - 1, 2)
        ]

    def listing(self, tree: str) -> dict[str, str]:
        """path → blob id for every file of a tree."""
        out = self.run("ls-tree", "-r", "-z", "--full-tree", tree)
        result = {}
        for record in out.split(b"\0"):
            if record:
                meta, _, path = record.partition(b"\t")
                result[path.decode("utf-8", "surrogateescape")] = meta.split()[2].decode()
        return result

    def blobs(self, tree: str, paths: Iterable[str]) -> dict[str, bytes]:
        """The content of each path in a tree."""
        return {path: data for (_, path), data in self.read([(tree, p) for p in paths]).items()}

    def read(self, wanted: list[tuple[str, str]]) -> dict[tuple[str, str], bytes]:
        """The content of each (tree, path), all through one `git cat-file --batch`."""
        if not wanted:
            return {}
        query = b"".join(f"{tree}:{p}\n".encode("utf-8", "surrogateescape") for tree, p in wanted)
        out = self.run("cat-file", "--batch", input=query)
        result, pos = {}, 0
        for tree, path in wanted:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            if header[-1] == b"missing":
                raise SnapshotError(f"{path}: not in tree {tree}")
            size = int(header[2])
            result[tree, path] = out[end + 1 : end + 1 + size]
            pos = end + 2 + size
        return result
