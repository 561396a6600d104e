"""The store pipeline writes with the Preset it is given: body and front-matter format included."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from archive import get_preset
from crawler.config import SourceConfig
from crawler.distributed.writer import WriterStats
from crawler.items import ArticleItem
from pipelines.store import StorePipeline
from tests.conftest import archive_files


def test_the_store_writes_with_the_configured_preset(tmp_path: Path) -> None:
    preset = get_preset("hugo", body="markdown", front_matter_format="toml")
    sources = {"blog": SourceConfig("blog", "http://127.0.0.1:9/feed.xml")}
    store = StorePipeline(tmp_path / "posts", preset, {"license": "CC-BY"}, sources, WriterStats())
    store.open_spider()
    try:
        store.process_item(ArticleItem(
            source="blog", feed_url="http://127.0.0.1:9/feed.xml", title="One",
            content="<p>Some <em>text</em>.</p>", link="http://127.0.0.1:9/one",
            guid="urn:one", date=datetime(2024, 1, 1, tzinfo=UTC)))
    finally:
        store.close_spider()
    [path] = archive_files(tmp_path / "posts")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("+++\n") and 'license = "CC-BY"' in text
    assert "Some *text*." in text and "<p>" not in text
