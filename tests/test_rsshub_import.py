"""`feedvault sources import --from rsshub-page`: an RSSHub-to-Hexo route list becomes RSSHub
sources; `sources check` fetches them as a crawl does."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

import frontmatter
import pytest

from archive import ConfigError
from crawler.config import parse_config
from crawler.sources import merge
from crawler.sources.rsshub_page import parse_route_list, read_route_list
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
    assert [(r.table["rsshub"], r.table.get("categories"), r.where) for r in found.sources] == [
        ("/pmsite/latest", ["资讯", "某产品站", "最新 文章"], "line 7"),
        ("/smallsite/index", ["资讯", "小站"], "line 13"),  # a site without a title heading
        ("/hexo/theme/example.org", ["技术", "Hexo", "主题博客"], "line 19"),
        ("/example/search/关键词?limit=10", ["技术", "Hexo", "搜索"], "line 21"),
        ("/example/search/%E5%85%B3", ["技术", "Hexo", "搜索"], "line 22"),
    ]
    assert found.disabled == 2
    assert found.invalid == []


def test_names_are_ascii_slugs_of_the_route_unique_in_the_file_and_the_config() -> None:
    found = read_route_list((ROUTES + " - /pmsite/latest?limit=5\n").encode(), "config.yml")
    merged = merge([{"name": "Pmsite-Latest", "url": "https://other.example/feed"}],
                   found.sources)
    names = [t["name"] for t in merged.tables]
    assert names[0] == "pmsite-latest-2"  # taken, compared without case
    assert names[3] == "example-search-guan-jian-ci-limit-10"  # CJK transliterated
    assert len(set(names)) == len(names) == 6
    assert all(n.isascii() and len(n) <= 64 for n in names)
    assert found.notes == ["config.yml: 2 disabled (commented-out) routes skipped"]


def test_user_config_diy_entries() -> None:
    found = read_route_list(DIY.encode(), "user_config.yml")
    assert [(p.table, p.where) for p in found.sources] == [
        ({"rsshub": "/example/route", "categories": ["我的", "自定义", "测试"]},
         "user_config.yml: diy[0]")]
    assert found.problems == ["user_config.yml: diy[1]: 'https://not-a-route.example/feed' is "
                              "not an RSSHub route (expected a path such as /woshipm/latest)"]


def test_yaml_aliases_where_text_belongs_are_not_expanded() -> None:
    # a billion laughs: turning the alias into text would build a string of 9**9 parts
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 9)]
    text = "\n".join(lines) + "\ndiy:\n  - link: *a8\n    categories: *a8\n" \
        "  - link: /ok/route\n    source_parent: *a8\n    source_child: 测试\n"
    found = read_route_list(text.encode(), "user_config.yml")
    assert [p.table for p in found.sources] == [{"rsshub": "/ok/route", "categories": ["测试"]}]
    assert found.problems == ["user_config.yml: diy[0]: '' is not an RSSHub route "
                              "(expected a path such as /woshipm/latest)"]


def test_a_diy_list_nested_past_the_parser_is_one_error() -> None:
    with pytest.raises(ConfigError, match="nested too deeply"):
        read_route_list(("diy:\n  - link: " + "[" * 20000 + "]" * 20000 + "\n").encode(), "x.yml")


def test_a_misspelt_route_key_is_told_the_route_keys(tmp_path: Path) -> None:
    path = tmp_path / "feedvault.toml"
    path.write_text('[archive]\npath = "posts"\n[rsshub]\ninstances = ["https://rsshub.example"]\n'
                    '[[sources]]\nname = "a"\nrsshub = "/a"\nrsshub_param = { limit = 1 }\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError, match=r"rsshub_param: unknown key; expected one of: .*"
                                          r"rsshub, rsshub_params"):
        parse_config(path.read_text(encoding="utf-8"), path)


def _config(tmp_path: Path, instances: str = "", sources: str = "") -> Path:
    path = tmp_path / "feedvault.toml"
    path.write_text(f'# my archive\n[archive]\npath = "posts"  # kept\n{instances}\n'
                    '[[sources]]\nname = "blog"  # a hand-written one\n'
                    f'url = "https://blog.example/feed.xml"\n{sources}', encoding="utf-8")
    return path


def _import(*args: object) -> tuple[int, str, str]:
    result = feedvault("sources", "import", *args)  # type: ignore[arg-type]
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, result.stdout, result.stderr


def test_import_adds_routes_keeping_the_file_and_skips_known_routes(tmp_path: Path) -> None:
    config = _config(tmp_path)
    before = config.read_text(encoding="utf-8")
    (tmp_path / "config.yml").write_text(ROUTES, encoding="utf-8")
    code, _, err = _import(tmp_path / "config.yml", "--config", config)  # found by its slect:
    assert code == 2
    assert "[rsshub] instances" in err and "--instance" in err
    assert config.read_text(encoding="utf-8") == before

    code, out, err = _import(tmp_path / "config.yml", "--config", config,
                             "--instance", "https://rsshub.example")
    assert code == 0, err
    assert "imported 5 sources" in out and "2 disabled (commented-out) routes skipped" in out
    assert "[rsshub] instances = ['https://rsshub.example'] added" in out
    text = config.read_text(encoding="utf-8")
    added = '[rsshub]\ninstances = ["https://rsshub.example"]\n\n'
    assert added in text
    assert text.replace(added, "", 1).startswith(before)  # the rest kept byte for byte
    loaded = parse_config(text, config)
    assert [s.name for s in loaded.sources][:2] == ["blog", "pmsite-latest"]
    assert loaded.sources[1].categories == ("资讯", "某产品站", "最新 文章")
    assert loaded.rsshub is not None and loaded.rsshub.instances == ("https://rsshub.example",)

    code, out, _ = _import(tmp_path / "config.yml", "--config", config,
                           "--instance", "https://other.example")
    assert "imported 0 sources" in out and "5 already configured" in out
    assert "--instance ignored" in out
    assert config.read_text(encoding="utf-8") == text
    (tmp_path / "user_config.yml").write_text(DIY, encoding="utf-8")
    code, out, err = _import(tmp_path / "user_config.yml", "--config", config)
    assert code == 0, err
    assert "imported 1 sources" in out and "1 not imported" in out
    assert "user_config.yml: diy[1]: 'https://not-a-route.example/feed' is not" in out


def test_a_route_written_another_way_is_already_configured(tmp_path: Path) -> None:
    # the same feeds as the list's two search routes and its first route, written otherwise:
    # encoded, with rsshub_params, as a url on the instance
    config = _config(tmp_path, '[rsshub]\ninstances = ["https://rsshub.example"]\n',
                     '\n[[sources]]\nname = "search"\n'
                     'rsshub = "/example/search/%E5%85%B3%E9%94%AE%E8%AF%8D"\n'
                     'rsshub_params = { limit = 10 }\n'
                     '\n[[sources]]\nname = "guan"\nrsshub = "/example/search/关"\n'
                     '\n[[sources]]\nname = "pm"\nurl = "https://rsshub.example/pmsite/latest"\n')
    (tmp_path / "routes.txt").write_text(ROUTES, encoding="utf-8")
    code, out, err = _import(tmp_path / "routes.txt", "--from", "rsshub-page", "--config", config)
    assert code == 0, err
    assert "imported 2 sources" in out and "3 already configured" in out
    names = [s.name for s in parse_config(config.read_text(encoding="utf-8"), config).sources]
    assert names == ["blog", "search", "guan", "pm", "smallsite-index", "hexo-theme-example-org"]


def test_dry_run_and_unreadable_files_change_nothing(tmp_path: Path) -> None:
    config = _config(tmp_path, '[rsshub]\ninstances = ["https://rsshub.example"]\n')
    before = config.read_text(encoding="utf-8")
    (tmp_path / "config.yml").write_text(ROUTES, encoding="utf-8")
    code, out, _ = _import(tmp_path / "config.yml", "--config", config, "--dry-run")
    assert code == 0 and "would import 5 sources" in out
    assert 'rsshub = "/example/search/关键词?limit=10"' in out
    (tmp_path / "bare").mkdir()
    bare = _config(tmp_path / "bare")
    code, out, _ = _import(tmp_path / "config.yml", "--config", bare, "--dry-run",
                           "--instance", "https://rsshub.example")
    assert code == 0 and "would import 5 sources" in out
    assert "[rsshub] instances = ['https://rsshub.example'] would be added" in out
    assert "[rsshub]" not in bare.read_text(encoding="utf-8")
    (tmp_path / "bad.yml").write_bytes(b"slect:\n - /a\xff\n")
    code, _, err = _import(tmp_path / "bad.yml", "--config", config)
    assert code == 2 and "bad.yml: not UTF-8" in err
    (tmp_path / "broken.yml").write_text("diy:\n  - link: [unclosed\n", encoding="utf-8")
    code, _, err = _import(tmp_path / "broken.yml", "--config", config)
    assert code == 2 and "broken.yml: the diy: list is not valid YAML" in err
    (tmp_path / "deep.yml").write_text("diy:\n  - link: " + "[" * 5000 + "]" * 5000 + "\n",
                                       encoding="utf-8")
    code, _, err = _import(tmp_path / "deep.yml", "--config", config)
    assert code == 2 and "deep.yml: the diy: list is nested too deeply" in err
    assert config.read_text(encoding="utf-8") == before


def test_instance_is_noted_as_ignored_for_feeds_and_must_be_a_url(tmp_path: Path) -> None:
    config = _config(tmp_path)
    before = config.read_text(encoding="utf-8")
    (tmp_path / "feeds.opml").write_text(
        '<opml version="2.0"><body><outline text="a" xmlUrl="https://a.example/feed"/>'
        '</body></opml>', encoding="utf-8")
    code, out, err = _import(tmp_path / "feeds.opml", "--config", config, "--dry-run",
                             "--instance", "https://rsshub.example")
    assert code == 0, err
    assert "note: --instance ignored: no RSSHub sources imported" in out
    (tmp_path / "config.yml").write_text(ROUTES, encoding="utf-8")
    code, _, err = _import(tmp_path / "config.yml", "--config", config,
                           "--instance", "rsshub.example")
    assert code == 2 and "--instance rsshub.example: expected an http(s) URL" in err
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
    result = feedvault("sources", "import", tmp_path / "config.yml", "--config", config,
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
