"""feedvault.toml is parsed and validated once per process, however many components ask."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from crawler.config import files
from crawler.config._validator import Validator
from tests.conftest import REPO, LocalSite, archive_files, rss_feed, rss_item, write_config

# A `scrapy crawl`-style run: the project's settings, FEEDVAULT_CONFIG a path, every
# component loading the Config through its settings. Prints how often it was validated.
_CRAWL = textwrap.dedent("""
    from crawler.config._validator import Validator

    parses = []
    validate = Validator.config

    def counting(self, data):
        parses.append(1)
        return validate(self, data)

    Validator.config = counting

    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from crawler.spiders.feeds import FeedSpider

    process = CrawlerProcess(get_project_settings())
    crawler = process.create_crawler(FeedSpider)
    process.crawl(crawler)
    process.start()
    print("PARSES", len(parses))
""")


def test_a_scrapy_crawl_parses_the_configuration_once(tmp_path: Path, site: LocalSite) -> None:
    url = site.write("feed.xml", rss_feed([rss_item(1), rss_item(2)]))
    config = write_config(tmp_path, [{"name": "blog", "url": url}])
    env = {**os.environ, "PYTHONPATH": str(REPO), "FEEDVAULT_CONFIG": str(config),
           "SCRAPY_SETTINGS_MODULE": "crawler.settings"}
    run = subprocess.run([sys.executable, "-c", _CRAWL], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    assert len(archive_files(tmp_path / "posts")) == 2, run.stderr[-3000:]
    assert "PARSES 1" in run.stdout, run.stdout


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    parses: list[int] = []
    validate = Validator.config

    def counting(self: Validator, data: dict) -> object:
        parses.append(1)
        return validate(self, data)

    monkeypatch.setattr(Validator, "config", counting)
    monkeypatch.setattr(files, "_PARSED", {})
    return parses


def test_the_same_file_is_parsed_once(tmp_path: Path, counted: list[int]) -> None:
    path = write_config(tmp_path, [{"name": "blog", "url": "http://127.0.0.1:1/feed"}])
    first = files.config_from_settings({"FEEDVAULT_CONFIG": str(path)})
    assert files.config_from_settings({"FEEDVAULT_CONFIG": str(path)}) is first
    assert len(counted) == 1


def test_an_edited_file_is_parsed_again(tmp_path: Path, counted: list[int]) -> None:
    path = write_config(tmp_path, [{"name": "blog", "url": "http://127.0.0.1:1/feed"}])
    files.cached_config(path)
    write_config(tmp_path, [{"name": "blog", "url": "http://127.0.0.1:1/feed"},
                            {"name": "news", "url": "http://127.0.0.1:1/news"}])
    assert [s.name for s in files.cached_config(path).sources] == ["blog", "news"]
    assert len(counted) == 2


def test_a_changed_environment_is_parsed_again(tmp_path: Path, counted: list[int],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_config(tmp_path, [{"name": "blog", "url": "http://127.0.0.1:1/${FEED}"}])
    monkeypatch.setenv("FEED", "one.xml")
    assert files.cached_config(path).sources[0].url.endswith("/one.xml")
    monkeypatch.setenv("FEED", "two.xml")
    assert files.cached_config(path).sources[0].url.endswith("/two.xml")
    assert len(counted) == 2
