"""What a snapshot was made with: feedvault's version, the configuration, each article's source."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from archive.errors import SnapshotError
from archive.ledger import Ledger

LEDGER = "ledger.sqlite"
FORMAT = 1
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

    def dumps(self) -> bytes:
        data = {
            "format": FORMAT,
            "feedvault": self.made_with.version,
            "config_digest": self.made_with.config_digest,
            "config": self.made_with.config_text,
            "articles": sorted([s, i, d] for (s, i), d in self.digests.items()),
        }
        return json.dumps(data, ensure_ascii=False, indent=0).encode("utf-8")

    @classmethod
    def loads(cls, data: bytes, where: str) -> Manifest:
        try:
            raw = json.loads(data)
            made = MadeWith(str(raw["feedvault"]), str(raw["config_digest"]),
                            str(raw.get("config") or ""))
            digests = {(str(s), str(i)): (str(d) if d else None) for s, i, d in raw["articles"]}
        except (ValueError, KeyError, TypeError) as exc:
            raise SnapshotError(f"{where}: unreadable provenance record: {exc}") from exc
        return cls(made, digests)


def current(hidden: Path, made_with: MadeWith) -> Manifest:
    """The archive's provenance now: its ledger's newest source digest of every article."""
    path = hidden / LEDGER
    if not path.is_file():
        return Manifest(made_with)
    ledger = Ledger(path)
    try:
        return Manifest(made_with, ledger.source_digests())
    finally:
        ledger.close()
