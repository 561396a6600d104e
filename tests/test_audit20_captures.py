"""A capture index from a clone or a cache cannot make `capture export` recurse."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from archive.capture_files import export
from archive.captures import CaptureStore
from archive.errors import CaptureError

FEED = b'<?xml version="1.0"?><rss><channel><title>t</title></channel></rss>' * 50


def test_a_revisit_the_index_maps_to_itself_is_an_error_not_a_recursion(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path)
    store.write("http://127.0.0.1/a", 200, [], FEED)
    revisit = store.write("http://127.0.0.1/b", 200, [], FEED)  # same payload: a revisit
    store.close()
    with sqlite3.connect(tmp_path / "captures" / "index.sqlite") as index:
        index.execute("UPDATE payloads SET ref = ?", (revisit,))
    index.close()
    store = CaptureStore(tmp_path)
    with pytest.raises(CaptureError, match="the payload index names a revisit record"):
        export(store, [revisit], tmp_path / "out.warc.gz")
    store.close()
    assert not (tmp_path / "out.warc.gz").exists()
