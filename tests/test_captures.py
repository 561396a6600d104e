"""The capture store: raw responses in WARC files, read back by reference, stored once, crash-safe."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from archive.captures import CaptureStore
from archive.errors import ArchiveError, CaptureError

FEED = b'<?xml version="1.0"?><rss><channel><title>t</title></channel></rss>'


def _records(path: Path) -> list[tuple[str, str | None, bytes]]:
    """Every record warcio's own reader finds: type, target URI, payload."""
    with path.open("rb") as handle:
        return [(r.rec_type, r.rec_headers.get_header("WARC-Target-URI"), r.content_stream().read())
                for r in ArchiveIterator(handle, check_digests="raise")]


def _warcs(hidden: Path) -> list[Path]:
    return sorted((hidden / "captures").glob("captures-*.warc.gz"))


def test_a_response_reads_back_as_it_was_written(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path)
    ref = store.write("http://127.0.0.1:8000/feed.xml", 200,
                      [("Content-Type", "application/rss+xml"), ("ETag", '"abc"')], FEED,
                      request_headers=[("User-Agent", "feedvault")], fetched_at="2026-01-02T03:04:05+00:00")
    got = store.read(ref)
    assert (got.url, got.status, got.body) == ("http://127.0.0.1:8000/feed.xml", 200, FEED)
    assert ("ETag", '"abc"') in got.headers
    assert got.fetched_at == "2026-01-02T03:04:05Z"
    assert ref.startswith("captures-00001.warc.gz#")
    store.close()
    kinds = [(kind, uri) for kind, uri, _ in _records(_warcs(tmp_path)[0])]
    assert kinds == [("warcinfo", None), ("response", "http://127.0.0.1:8000/feed.xml"),
                     ("request", "http://127.0.0.1:8000/feed.xml")]


def test_transfer_headers_that_no_longer_describe_the_body_are_kept_under_another_name(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path)
    ref = store.write("http://127.0.0.1/f", 200, [("Transfer-Encoding", "chunked"), ("Content-Length", "9")], FEED)
    headers = dict(store.read(ref).headers)
    assert "Transfer-Encoding" not in headers and "Content-Length" not in headers
    assert headers["X-Archive-Orig-Transfer-Encoding"] == "chunked"
    # warcio's reader would otherwise try to de-chunk the stored body
    assert _records(_warcs(tmp_path)[0])[1][2] == FEED


def test_an_identical_payload_is_stored_once_as_a_revisit(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path)
    first = store.write("http://127.0.0.1/a", 200, [], FEED * 50)
    second = store.write("http://127.0.0.1/b", 200, [("X-Second", "1")], FEED * 50)
    assert store.read(second).body == FEED * 50
    assert store.read(second).url == "http://127.0.0.1/b"
    assert ("X-Second", "1") in store.read(second).headers
    assert list(store.refs()) == [first, second]
    store.close()
    records = _records(_warcs(tmp_path)[0])
    assert [kind for kind, _, _ in records] == ["warcinfo", "response", "request", "revisit", "request"]
    assert sum(len(payload) for _, _, payload in records) < 2 * len(FEED * 50)


def test_the_payload_index_is_rebuilt_from_the_files_when_lost(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path)
    store.write("http://127.0.0.1/a", 200, [], FEED)
    store.close()
    (tmp_path / "captures" / "index.sqlite").unlink()
    for extra in ("index.sqlite-wal", "index.sqlite-shm"):
        (tmp_path / "captures" / extra).unlink(missing_ok=True)
    store = CaptureStore(tmp_path)
    again = store.write("http://127.0.0.1/a", 200, [], FEED)
    assert store.read(again).body == FEED
    assert [kind for kind, _, _ in _records(_warcs(tmp_path)[0])].count("revisit") == 1


def test_files_rotate_by_size_with_sortable_names(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path, rotate_bytes=4096)
    refs = [store.write(f"http://127.0.0.1/{n}", 200, [], os.urandom(3000)) for n in range(5)]
    store.close()
    names = [path.name for path in _warcs(tmp_path)]
    assert len(names) >= 3 and names == sorted(names)
    assert names[0] == "captures-00001.warc.gz"
    for path in _warcs(tmp_path):
        assert _records(path)[0][0] == "warcinfo"
    reader = CaptureStore(tmp_path)
    assert [len(reader.read(ref).body) for ref in refs] == [3000] * 5


def test_a_torn_tail_keeps_earlier_records_readable_and_the_next_write_goes_after_them(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path)
    kept = store.write("http://127.0.0.1/kept", 200, [], FEED)
    store.close()
    warc = _warcs(tmp_path)[0]
    good = warc.stat().st_size
    # a crawl killed while appending: half a gzip member after the last complete record
    torn = CaptureStore(tmp_path / "scratch")
    torn.write("http://127.0.0.1/torn", 200, [], os.urandom(5000))
    torn.close()
    scratch = _warcs(tmp_path / "scratch")[0].read_bytes()
    with warc.open("ab") as handle:
        handle.write(scratch[-3000:-1000])

    store = CaptureStore(tmp_path)
    assert store.read(kept).body == FEED  # reading neither needs nor cuts anything
    after = store.write("http://127.0.0.1/after", 200, [], b"after the crash")
    assert after == f"{warc.name}#{good}"
    store.close()
    assert [uri for kind, uri, _ in _records(warc) if kind == "response"] == [
        "http://127.0.0.1/kept", "http://127.0.0.1/after"]
    assert CaptureStore(tmp_path).read(after).body == b"after the crash"


def test_a_reference_that_does_not_resolve_is_a_capture_error(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path)
    ref = store.write("http://127.0.0.1/a", 200, [], FEED)
    name = ref.split("#")[0]
    for bad in ("../../etc/passwd#0", f"{name}#12", "captures-00009.warc.gz#0", "nonsense"):
        with pytest.raises(CaptureError):
            store.read(bad)


def test_reading_an_archive_without_captures_creates_nothing(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path)
    assert list(store.refs()) == []
    store.close()
    assert list(tmp_path.iterdir()) == []


def test_a_linked_capture_folder_is_neither_written_nor_read_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "captures").symlink_to(outside)
    with pytest.raises(ArchiveError, match="link"):
        CaptureStore(hidden).write("http://127.0.0.1/a", 200, [], FEED)
    with pytest.raises(ArchiveError, match="link"):
        CaptureStore(hidden).read("captures-00001.warc.gz#0")
    assert list(outside.iterdir()) == []


def test_a_linked_capture_file_is_never_cut_written_or_read_through_the_link(tmp_path: Path) -> None:
    """.feedvault/ is cached in CI and sometimes committed: a captures-NNNNN.warc.gz planted
    there as a link to a file out of the archive is neither emptied as a "torn tail", nor
    appended to, nor read; the next capture goes to a file of its own."""
    outside = tmp_path / "precious.txt"
    outside.write_bytes(b"a file of the user's, out of the archive\n")
    hidden = tmp_path / "archive" / ".feedvault"
    (hidden / "captures").mkdir(parents=True)
    (hidden / "captures" / "captures-00001.warc.gz").symlink_to(outside)

    store = CaptureStore(hidden)
    ref = store.write("http://127.0.0.1/a", 200, [], FEED)
    assert store.read(ref).body == FEED
    assert not ref.startswith("captures-00001.")
    with pytest.raises(CaptureError):
        store.read("captures-00001.warc.gz#0")
    assert [path.name for path in store.unusable()] == ["captures-00001.warc.gz"]
    store.close()
    assert outside.read_bytes() == b"a file of the user's, out of the archive\n"


def test_a_linked_capture_index_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.sqlite"
    outside.write_bytes(b"")
    (tmp_path / "captures").mkdir()
    (tmp_path / "captures" / "index.sqlite").symlink_to(outside)
    with pytest.raises(CaptureError, match=r"index\.sqlite"):
        CaptureStore(tmp_path).write("http://127.0.0.1/a", 200, [], FEED)
    assert outside.read_bytes() == b""


def test_a_record_larger_than_the_limit_is_a_capture_error_not_read_whole(tmp_path: Path) -> None:
    ref = CaptureStore(tmp_path).write("http://127.0.0.1/big", 200, [], b"x" * 5000)
    with pytest.raises(CaptureError, match="larger than"):
        CaptureStore(tmp_path, max_record_bytes=4096).read(ref)
    assert CaptureStore(tmp_path).read(ref).body == b"x" * 5000


def test_a_lost_index_never_cuts_complete_records_after_a_damaged_one(tmp_path: Path) -> None:
    """A damaged record in the middle of the newest file, then a lost index (cold CI cache):
    the next write keeps the complete records after it, whose references the ledger holds."""
    store = CaptureStore(tmp_path)
    refs = [store.write(f"http://127.0.0.1/{n}", 200, [], f"<p>page {n}</p>".encode() * 50)
            for n in range(3)]
    store.close()
    name, offset = refs[1].split("#")
    warc = tmp_path / "captures" / name
    data = bytearray(warc.read_bytes())
    data[int(offset) + 40:int(offset) + 48] = b"\x00" * 8  # bit rot inside record 2
    warc.write_bytes(bytes(data))
    (tmp_path / "captures" / "index.sqlite").unlink()

    again = CaptureStore(tmp_path)
    new = again.write("http://127.0.0.1/new", 200, [], b"<p>new</p>")
    assert again.read(refs[2]).body == b"<p>page 2</p>" * 50
    assert not new.startswith(name)  # the damaged file takes no more records
    again.close()


def test_a_payload_whose_file_was_deleted_is_stored_again_not_revisited(tmp_path: Path) -> None:
    """Rotation invites pruning old WARC files; a later identical payload is stored in full,
    not as a revisit of a record that no longer exists."""
    store = CaptureStore(tmp_path, rotate_bytes=1)  # every write starts a new file
    store.write("http://127.0.0.1/a", 200, [], b"<p>same bytes</p>")
    store.write("http://127.0.0.1/b", 200, [], b"<p>other</p>")
    store.close()
    (tmp_path / "captures" / "captures-00001.warc.gz").unlink()  # the user prunes the oldest

    again = CaptureStore(tmp_path, rotate_bytes=1)
    ref = again.write("http://127.0.0.1/a", 200, [], b"<p>same bytes</p>")
    assert again.read(ref).body == b"<p>same bytes</p>"
    again.close()


def test_a_reference_with_a_non_ascii_digit_is_a_capture_error(tmp_path: Path) -> None:
    for bad in ("captures-00001.warc.gz#\u00b2", "captures-0000\u0661.warc.gz#0"):
        with pytest.raises(CaptureError):
            CaptureStore(tmp_path).read(bad)


def test_a_write_cut_short_by_an_error_is_cut_off_before_the_next_one(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A write that fails halfway (disk error) leaves torn bytes; the same store's next write
    must start after the last complete record, so every record stays readable in file order."""
    store = CaptureStore(tmp_path)
    first = store.write("http://127.0.0.1/a", 200, [], FEED)
    real_write = os.write

    def half_then_fail(fd: int, data: bytes) -> int:
        real_write(fd, bytes(data[:len(data) // 2]))
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "write", half_then_fail)
    with pytest.raises(CaptureError):
        store.write("http://127.0.0.1/b", 200, [], os.urandom(4000))
    monkeypatch.setattr(os, "write", real_write)
    last = store.write("http://127.0.0.1/c", 200, [], b"after the error")
    assert list(store.refs()) == [first, last]
    store.close()


def test_a_read_only_store_uses_the_index_on_disk_without_writing_it(tmp_path: Path) -> None:
    store = CaptureStore(tmp_path)
    store.write("http://127.0.0.1/a", 200, [], FEED)
    ref = store.write("http://127.0.0.1/b", 200, [], FEED)  # a revisit: read through the index
    store.close()
    before = {p.name: p.read_bytes() for p in (tmp_path / "captures").iterdir()}
    reader = CaptureStore(tmp_path)
    assert reader.read(ref).body == FEED
    reader.close()
    assert {p.name: p.read_bytes() for p in (tmp_path / "captures").iterdir()} == before
