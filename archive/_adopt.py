"""Files the ledger does not know: ours from a run killed before its ledger commit, or not."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable

from archive.document import Article, content_hash
from archive.errors import DocumentError
from archive.identity import identity_of
from archive.ledger import Ledger, LedgerRow


class Adoption:
    """Decides, for a new article's candidate path, whether the path is free, taken by
    someone else's file, or holds this article's own file from an earlier run (adopt it)."""

    def __init__(self, ledger: Ledger, pending: Callable[[str], bool],
                 found: Callable[[str], os.stat_result | None],
                 load: Callable[[str], Article]) -> None:
        """pending(path): a file of the waiting group is there (a regular file, not in place
        yet); found(path): what is at path on disk (None: nothing); load(path): its article
        (DocumentError when unreadable)."""
        self.ledger = ledger
        self.pending = pending
        self.found = found
        self.load = load
        # the path `taken` last found free, with the file of this article there (or None)
        self._free: tuple[str, Article | None] | None = None

    def forget(self) -> None:
        """A new article: what `taken` found for the last one no longer applies."""
        self._free = None

    def taken(self, path: str, article: Article, identity: str, policy: str) -> bool:
        """path cannot be this article's: the ledger has it, or a file someone else wrote."""
        if self.ledger.path_taken(path):
            return True
        regular = self.pending(path)
        if not regular:
            found = self.found(path)
            if found is None:
                self._free = (path, None)  # `adoptable` need not look again
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

    def adoptable(self, path: str, article: Article, identity: str, policy: str
                  ) -> LedgerRow | None:
        """The ledger row for this article's file at path when the ledger does not know it."""
        if self._free is not None and self._free[0] == path:
            # `taken` just found the path free of the ledger, and the file absent or ours
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
        return LedgerRow(source=found.source, identity=identity, path=path,
                         link=found.original_url,
                         content_hash=content_hash(found.with_(updated=None)),
                         date=date.isoformat(), first_seen=stamp, updated=stamp)

    def _is_file(self, path: str) -> bool:
        if self.pending(path):
            return True
        found = self.found(path)
        return found is not None and stat.S_ISREG(found.st_mode)
