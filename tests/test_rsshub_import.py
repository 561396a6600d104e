"""`feedvault rsshub import`: an RSSHub-to-Hexo route list becomes RSSHub sources."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import frontmatter
import pytest

from crawler.config import parse_config
from crawler.sources.rsshub_page import parse_route_list
from tests.conftest import answer, archive_files, feedvault, rss_feed, rss_item

# The structure of the seed's example (made up here): groups, sites, route titles,
# decoration, a disabled route, a site without a title heading, CJK and a query.
ROUTES = """\
slect:
#资讯
#--------------------

##[某产品站](https://example.org/pm)
###最新 文章
 - /pmsite/latest
###热门
# - /pmsite/popular
#- /pmsite/old

##小站
 - '/smallsite/index'
#技术
#====================

##Hexo
###主题博客
 - /hexo/theme/example.org
###搜索
 - /example/search/关键词?limit=10
 - /example/search/%E5%85%B3
"""

DIY = """\
diy:
  - source_parent: '自定义'
    source_child: '测试'
    link: '/example/route'
    categories: '我的'
  - source_parent: '坏的'
    link: 'https://not-a-route.example/feed'
"""


def test_headings_become_categories_and_disabled_routes_are_counted() -> None:
    found = parse_route_list(ROUTES)
    assert [(s["rsshub"], s.get("categories")) for s in found.sources] == [
        ("/pmsite/latest", ["资讯", "某产品站", "最新 文章"]),
        ("/smallsite/index", ["资讯", "小站"]),  # a site without a title heading: two levels
        ("/hexo/theme/example.org", ["技术", "Hexo", "主题博客"]),
        ("/example/search/关键词?limit=10", ["技术", "Hexo", "搜索"]),
        ("/example/search/%E5%85%B3", ["技术", "Hexo", "搜索"]),
    ]
    assert found.disabled == 2
    assert found.invalid == []


def test_names_are_ascii_slugs_unique_among_themselves_and_the_config() -> None:
    found = parse_route_list(ROUTES + " - /pmsite/latest?limit=5\n", taken=["Pmsite-Latest"])
    names = [s["name"] for s in found.sources]
    assert names[0] == "pmsite-latest-2"  # taken, compared without case
    assert names[3] == "example-search-guan-jian-ci-limit-10"  # CJK transliterated
    assert len(set(names)) == len(names)
    assert all(n.isascii() and len(n) <= 64 for n in names)


def test_user_config_diy_entries() -> None:
    found = parse_route_list(DIY)
    assert found.sources == [{"name": "example-route", "rsshub": "/example/route",
                              "categories": ["我的", "自定义", "测试"]}]
    assert found.invalid == ["diy[1]: 'https://not-a-route.example/feed' is not an RSSHub "
                             "route (expected a path such as /woshipm/latest)"]


def _config(tmp_path: Path, instances: str = "") -> Path:
    path = tmp_path / "feedvault.toml"
    path.write_text(f'# my archive\n[archive]\npath = "posts"  # kept\n{instances}\n'
                    '[[sources]]\nname = "blog"  # a hand-written one\n'
                    'url = "https://blog.example/feed.xml"\n', encoding="utf-8")
    return path


def test_import_appends_sources_keeping_the_file_and_skips_known_routes(tmp_path: Path) -> None:
    config = _config(tmp_path)
    before = config.read_text(encoding="utf-8")
    (tmp_path / "config.yml").write_text(ROUTES, encoding="utf-8")
    result = feedvault("rsshub", "import", tmp_path / "config.yml", "--config", config)
    assert result.returncode == 2
    assert "[rsshub] instances" in result.stderr and "--instance" in result.stderr
    assert config.read_text(encoding="utf-8") == before

    result = feedvault("rsshub", "import", tmp_path / "config.yml", "--config", config,
                       "--instance", "https://rsshub.example")
    assert result.returncode == 0, result.stderr
    assert "added 5 sources" in result.stdout and "skipped 2 disabled" in result.stdout
    text = config.read_text(encoding="utf-8")
    assert text.startswith(before)  # comments and formatting kept byte for byte
    loaded = parse_config(text, config)
    assert [s.name for s in loaded.sources][:2] == ["blog", "pmsite-latest"]
    assert loaded.sources[1].categories == ("资讯", "某产品站", "最新 文章")
    assert loaded.rsshub is not None and loaded.rsshub.instances == ("https://rsshub.example",)

    (tmp_path / "user_config.yml").write_text(DIY, encoding="utf-8")
    again = feedvault("rsshub", "import", tmp_path / "config.yml", "--config", config)
    assert "added 0 sources" in again.stdout and "5 already configured" in again.stdout
    assert config.read_text(encoding="utf-8") == text
    diy = feedvault("rsshub", "import", tmp_path / "user_config.yml", "--config", config)
    assert diy.returncode == 0, diy.stderr
    assert "added 1 sources" in diy.stdout and "1 not routes" in diy.stdout
    assert "skipped: " in diy.stdout and "diy[1]" in diy.stdout


def test_dry_run_and_unreadable_files_change_nothing(tmp_path: Path) -> None:
    config = _config(tmp_path, '[rsshub]\ninstances = ["https://rsshub.example"]\n')
    before = config.read_text(encoding="utf-8")
    (tmp_path / "config.yml").write_text(ROUTES, encoding="utf-8")
    dry = feedvault("rsshub", "import", tmp_path / "config.yml", "--config", config, "--dry-run")
    assert dry.returncode == 0 and "would add 5 sources" in dry.stdout
    assert 'rsshub = "/example/search/关键词?limit=10"' in dry.stdout
    (tmp_path / "bad.yml").write_bytes(b"slect:\n - /a\xff\n")
    bad = feedvault("rsshub", "import", tmp_path / "bad.yml", "--config", config)
    assert bad.returncode == 2 and "not UTF-8" in bad.stderr and "Traceback" not in bad.stderr
    (tmp_path / "broken.yml").write_text("diy:\n  - link: [unclosed\n", encoding="utf-8")
    broken = feedvault("rsshub", "import", tmp_path / "broken.yml", "--config", config)
    assert broken.returncode == 2 and "not valid YAML" in broken.stderr
    assert "Traceback" not in broken.stderr
    assert config.read_text(encoding="utf-8") == before


@pytest.fixture
def stand_in() -> Iterator[str]:
    """A local RSSHub stand-in: every route answers a feed of one article named after it."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/robots.txt":
                answer(self, 404, [], b"")
                return
            route = unquote(self.path)
            item = rss_item(1, title=f"From {route}", guid=f"urn:route:{route}",
                            link=f"http://example.invalid/a{len(route)}")
            answer(self, 200, [("Content-Type", "application/rss+xml")],
                   rss_feed([item]).encode())

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_imported_routes_crawl_with_their_categories(tmp_path: Path, stand_in: str) -> None:
    config = tmp_path / "feedvault.toml"
    config.write_text('[archive]\npath = "posts"\npreset = "hexo"\n', encoding="utf-8")
    (tmp_path / "config.yml").write_text(ROUTES, encoding="utf-8")
    result = feedvault("rsshub", "import", tmp_path / "config.yml", "--config", config,
                       "--instance", stand_in)
    assert result.returncode == 0, result.stderr
    crawl = feedvault("crawl", "--config", config)
    assert crawl.returncode == 0, crawl.stdout + crawl.stderr
    posts = {}
    for path in archive_files(tmp_path / "posts"):
        post = frontmatter.load(path)
        posts[post["title"]] = post.get("categories")
    assert posts == {
        "From /pmsite/latest": ["资讯", "某产品站", "最新 文章"],
        "From /smallsite/index": ["资讯", "小站"],
        "From /hexo/theme/example.org": ["技术", "Hexo", "主题博客"],
        "From /example/search/关键词?limit=10": ["技术", "Hexo", "搜索"],
        "From /example/search/关": ["技术", "Hexo", "搜索"],
    }
