"""Selector drift: a per-source history of extracted text lengths, and the warnings it gives."""

from __future__ import annotations

import json
import logging
import statistics
from pathlib import Path

from archive.atomic import atomic_write

logger = logging.getLogger(__name__)

FILE = Path(".feedvault") / "extraction.json"
KEEP = 20  # lengths remembered per source
MIN_HISTORY = 3  # no verdict before this many articles
SHORT = 0.3  # an article under 30 % of the source's median length looks drifted


class DriftHistory:
    """Extracted text lengths per source, kept in the archive's hidden folder."""

    def __init__(self, archive_root: Path) -> None:
        self.path = archive_root / FILE
        self.lengths: dict[str, list[int]] = {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.lengths = {str(k): [int(n) for n in v] for k, v in data.items()}
        except FileNotFoundError:
            pass
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            logger.warning("%s: unreadable, starting a new history (%s)", self.path, exc)

    def usual(self, source: str) -> int | None:
        """The median extracted length for the source, once there is enough history."""
        lengths = self.lengths.get(source, [])
        return int(statistics.median(lengths)) if len(lengths) >= MIN_HISTORY else None

    def check(self, source: str, length: int, url: str) -> str | None:
        """A drift warning when this length is far below the source's usual one."""
        usual = self.usual(source)
        if usual is not None and length < usual * SHORT:
            return (f"{url}: extracted text is {length} characters, the source usually gives "
                    f"{usual}: the page layout may have changed (check content_selector)")
        return None

    def record(self, source: str, length: int) -> None:
        self.lengths[source] = [*self.lengths.get(source, []), length][-KEEP:]

    def save(self) -> None:
        if not self.lengths:
            return
        tmp = self.path.parent / "tmp"
        data = json.dumps(self.lengths, indent=1, sort_keys=True).encode("utf-8")
        try:
            tmp.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, data, tmp)
        except OSError as exc:  # a full or read-only disk is reported by the store step
            logger.warning("%s: extraction history not saved: %s", self.path, exc.strerror or exc)
