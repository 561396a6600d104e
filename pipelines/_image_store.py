"""Where download mode writes image files: atomically, inside its root, never through a link."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path, PurePosixPath
from typing import Any

from scrapy.pipelines.files import StatInfo

from archive import ArchiveError
from archive._contained import check_folder, existing, read_bytes, write_bytes
from pipelines._raster import EXTENSIONS, raster


class ImageStore:
    """FilesPipeline's store for the images folder (in place of FSFilesStore, which follows links).

    When the folder lies inside the archive (the default, `<archive>/images`), it is
    entered from the archive root, so a link on the way (`images -> /elsewhere`) is
    refused; a folder configured elsewhere is its own root.
    """

    def __init__(self, basedir: str | Path, archive: Path | None = None) -> None:
        folder = Path(basedir)
        if archive is not None and folder.is_relative_to(archive):
            self.root, self.parts = archive, folder.relative_to(archive).parts
        else:
            self.root, self.parts = folder, ()
        self.folder = folder

    def open(self) -> str | None:
        """Make the folder; None when it can be written, else why not (a link, for one)."""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            check_folder(self.root, self.parts)
        except ArchiveError as exc:
            return str(exc)
        except OSError as exc:
            return f"{self.folder}: cannot write: {exc.strerror or exc}"
        return None

    def holds(self, name: str) -> bool:
        """name is a saved raster image here: a file (not a link) whose bytes match its
        extension. Files saved before only rasters were saved (.svg, .bmp) do not count."""
        suffix = PurePosixPath(name).suffix
        if suffix not in EXTENSIONS or "/" in name:
            return False
        parts = (*self.parts, name)
        try:
            if existing(self.root, parts) is None:
                return False
            found = raster(read_bytes(self.root, parts, 64))
        except (ArchiveError, OSError):
            return False
        return found is not None and found.extension == suffix

    def persist_file(self, path: str, buf: BytesIO, info: Any, meta: Any = None,
                     headers: Any = None) -> None:
        write_bytes(self.root, (*self.parts, *path.split("/")), buf.getvalue())

    def stat_file(self, path: str, info: Any) -> StatInfo:
        return {}  # ImageDownloadPipeline.media_to_download decides what is up to date
