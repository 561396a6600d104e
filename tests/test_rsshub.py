"""RSSHub routes as sources: instances falling over, access keys, route encoding, identity."""

from __future__ import annotations

import hashlib
import json
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import frontmatter
import pytest

from archive import ConfigError
from crawler.config import parse_config
from crawler.rsshub import encode_route, instance_url
from tests.conftest import Served, answer, archive_files, feedvault, rss_feed, rss_item, write_config

HTML_ERROR = b"<!DOCTYPE html><html><body><h1>Looks like something went wrong</h1></body></html>"


class Instance:
    """A stand-in RSSHub instance on 127.0.0.1: answers every route as `mode` says and
    records each raw request path (query included) as the server received it."""

    def __init__(self) -> None:
        self.mode = "feed"  # feed | 429 | 503 | html
        self.paths: list[str] = []
        self.items = [rss_item(1), rss_item(2)]
        self.headers: list[tuple[str, str]] = []  # extra headers on every answer
        self.feed_headers: list[tuple[str, str]] = []  # extra headers on a feed
        instance = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                if self.path == "/robots.txt":  # robots.txt is no route: 404, and not counted
                    answer(self, 404, [], b"")
                    return
                instance.paths.append(self.path)
                if instance.mode == "feed":
                    body = rss_feed(instance.items).encode()
                    answer(self, 200, [("Content-Type", "application/xml; charset=utf-8"),
                                       *instance.feed_headers], body)
                elif instance.mode == "html":
                    answer(self, 200, [("Content-Type", "text/html")], HTML_ERROR)
                else:
                    answer(self, int(instance.mode),
                           [("Content-Type", "text/html"), *instance.headers], HTML_ERROR)

        self.served = Served(Handler)
        self.base = self.served.base

    def stop(self) -> None:
        self.served.stop()


@pytest.fixture
def instances() -> Iterator[list[Instance]]:
    started = [Instance(), Instance(), Instance()]
    yield started
    for one in started:
        one.stop()


def _closed_port() -> str:
    """A loopback address where nothing listens: an instance that is down."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def _rsshub(instances: list[str], **keys: str) -> str:
    lines = ["[rsshub]", "instances = [" + ", ".join(f'"{u}"' for u in instances) + "]"]
    lines += [f'{k} = "{v}"' for k, v in keys.items()]
    return "\n".join(lines) + "\n"


def _crawl(config: Path, tmp_path: Path, *args: str, env: dict[str, str] | None = None
           ) -> tuple[int, dict[str, object]]:
    report = tmp_path / "report.json"
    result = feedvault("crawl", "--config", config, "--report", report, *args, env=env)
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(report.read_text())["sources"][0]


# -- configuration ---------------------------------------------------------------------------

def _config(tmp_path: Path, text: str) -> object:
    path = tmp_path / "feedvault.toml"
    path.write_text(text, encoding="utf-8")
    return parse_config(text, path, environ={"RSSHUB_KEY": "s3cret"})


def test_a_route_becomes_its_url_on_the_first_instance(tmp_path: Path) -> None:
    config = _config(tmp_path, '[archive]\npath = "posts"\n'
                     '[rsshub]\ninstances = ["https://rsshub.example/", "https://my.example"]\n'
                     'access_key = "${RSSHUB_KEY}"\naccess_mode = "code"\n'
                     '[[sources]]\nname = "pm"\nrsshub = "/woshipm/latest"\n'
                     'rsshub_params = { limit = 10, mode = "fulltext" }\n')
    source = config.sources[0]  # type: ignore[attr-defined]
    assert source.url == "https://rsshub.example/woshipm/latest?limit=10&mode=fulltext"
    assert source.rsshub == "/woshipm/latest?limit=10&mode=fulltext"
    assert config.rsshub.instances == ("https://rsshub.example", "https://my.example")  # type: ignore[attr-defined]
    assert config.rsshub.access_key == "s3cret"  # type: ignore[attr-defined]


@pytest.mark.parametrize(("text", "message"), [
    ('[[sources]]\nname = "a"\nrsshub = "/a/b"\n', "[rsshub] instances"),
    ('[rsshub]\ninstances = ["https://r.example"]\n'
     '[[sources]]\nname = "a"\nrsshub = "/a"\nurl = "https://x.example/f"\n', "not both"),
    ('[[sources]]\nname = "a"\n', "rsshub = "),
    ('[rsshub]\ninstances = []\n', "at least one instance"),
    ('[rsshub]\ninstances = ["ftp://r.example"]\n', "http(s) URL"),
    ('[rsshub]\ninstances = ["https://r.example"]\naccess_mode = "md5"\n', "access_mode"),
    ('[rsshub]\ninstances = ["https://r.example"]\n'
     '[[sources]]\nname = "a"\nrsshub = "woshipm/latest"\n', "starting with one /"),
    ('[rsshub]\ninstances = ["https://r.example"]\n'
     '[[sources]]\nname = "a"\nrsshub = "/a"\nrsshub_params = { limit = [1] }\n',
     "string or a number"),
])
def test_bad_rsshub_configuration_is_one_clear_error(tmp_path: Path, text: str,
                                                       message: str) -> None:
    with pytest.raises(ConfigError) as error:
        _config(tmp_path, '[archive]\npath = "posts"\n' + text)
    assert message in str(error.value)
    assert "feedvault.toml:" in str(error.value)


def test_a_route_without_instances_names_both_keys(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        _config(tmp_path, '[archive]\npath = "posts"\n[[sources]]\nname = "a"\nrsshub = "/a"\n')
    assert "sources[0].rsshub" in str(error.value) and "[rsshub] instances" in str(error.value)


# -- encoding --------------------------------------------------------------------------------

def test_cjk_routes_and_queries_are_percent_encoded_as_utf8() -> None:
    assert encode_route("/example/search/关键词?limit=10") == \
        "/example/search/%E5%85%B3%E9%94%AE%E8%AF%8D?limit=10"
    assert encode_route("/a/%E5%85%B3 x", {"filterout": "广告|推广", "mode": "fulltext"}) == \
        "/a/%E5%85%B3%20x?filterout=%E5%B9%BF%E5%91%8A%7C%E6%8E%A8%E5%B9%BF&mode=fulltext"
    assert encode_route("/a?limit=5&filter=a b", {"limit": "20"}) == "/a?filter=a%20b&limit=20"
    assert encode_route("/a/100%") == "/a/100%25"  # a bare % is a character, not an escape


def test_access_key_and_code_forms() -> None:
    route = encode_route("/搜索/词")
    assert instance_url("https://r.example/", route, "k&y", "key") == \
        f"https://r.example{route}?key=k%26y"
    code = hashlib.md5((route + "k&y").encode()).hexdigest()
    assert instance_url("https://r.example", route + "?limit=1", "k&y", "code") == \
        f"https://r.example{route}?limit=1&code={code}"


# -- crawls against local instances ----------------------------------------------------------

def test_crawl_falls_over_from_a_down_and_a_429_instance_to_the_healthy_one(
        tmp_path: Path, instances: list[Instance]) -> None:
    busy, broken, healthy = instances
    busy.mode, broken.mode = "429", "html"
    down = _closed_port()
    config = write_config(tmp_path, [{"name": "pm", "rsshub": "/woshipm/latest"}],
                          extra=_rsshub([down, busy.base, broken.base, healthy.base]))
    status, source = _crawl(config, tmp_path)
    assert status == 0, source
    assert source["new"] == 2
    assert len(archive_files(tmp_path / "posts")) == 2
    assert busy.paths == ["/woshipm/latest"]  # no retries on an instance with a next one
    assert broken.paths == ["/woshipm/latest"]  # a 200 HTML page is a failure too
    assert healthy.paths == ["/woshipm/latest"]
    problems = "\n".join(source["problems"])  # type: ignore[arg-type]
    assert f"RSSHub instance {down} failed" in problems
    assert f"RSSHub instance {busy.base} failed (HTTP 429)" in problems
    assert f"RSSHub instance {broken.base} failed (an HTML page instead of a feed)" in problems


def test_every_instance_failing_fails_the_source_with_one_line(
        tmp_path: Path, instances: list[Instance]) -> None:
    first, last, _ = instances
    first.mode, last.mode = "html", "503"
    config = write_config(tmp_path, [{"name": "pm", "rsshub": "/woshipm/latest"}],
                          extra=_rsshub([first.base, last.base]))
    status, source = _crawl(config, tmp_path, env={"FEEDVAULT_RETRY_BACKOFF": "0"})
    assert status != 0
    assert source["status"] == "failed"
    assert archive_files(tmp_path / "posts") == []
    assert any("no RSSHub instance left to try" in p and "HTTP 503" in p
               for p in source["problems"])  # type: ignore[union-attr]


@pytest.mark.parametrize("mode", ["key", "code"])
def test_the_access_key_reaches_the_instance_as_rsshub_expects(
        tmp_path: Path, instances: list[Instance], mode: str) -> None:
    healthy = instances[0]
    # an item linked relative to the feed, with a relative image: resolved against the URL
    # the feed was fetched from, which carries the key
    healthy.items = [rss_item(1), rss_item(2, link="#two", guid="two",
                                            description='<p>Two.</p><img src="img/2.png">')]
    healthy.feed_headers = [("ETag", '"v1"')]  # validators to store in .feedvault/
    config = write_config(
        tmp_path, [{"name": "s", "rsshub": "/example/search/关键词?limit=10"}],
        extra=_rsshub([healthy.base], access_key="${RSSHUB_KEY}", access_mode=mode))
    status, source = _crawl(config, tmp_path, env={"RSSHUB_KEY": "1L0ve"})
    assert status == 0, source
    path = "/example/search/%E5%85%B3%E9%94%AE%E8%AF%8D"
    secret = "1L0ve" if mode == "key" else hashlib.md5((path + "1L0ve").encode()).hexdigest()
    assert healthy.paths == [f"{path}?limit=10&{mode}={secret}"]
    assert "1L0ve" not in json.dumps(source)  # the key never reaches a report
    files = archive_files(tmp_path / "posts")
    assert len(files) == 2
    for file in files:
        text = file.read_text(encoding="utf-8")
        assert secret not in text and "1L0ve" not in text
    assert any("/example/search/" in f.read_text(encoding="utf-8") and "#two" in
               f.read_text(encoding="utf-8") for f in files)  # the relative link, resolved
    # the validators are kept, under the URL without the key: nothing in .feedvault/ holds it
    hidden = b"".join(p.read_bytes() for p in (tmp_path / "posts" / ".feedvault").rglob("*")
                      if p.is_file())
    assert b'"v1"' in hidden
    assert secret.encode() not in hidden and b"1L0ve" not in hidden


def test_route_params_table_reaches_the_instance_encoded(
        tmp_path: Path, instances: list[Instance]) -> None:
    healthy = instances[0]
    config = write_config(tmp_path, [{"name": "s", "rsshub": "/twitter/user/名字"}],
                          extra=_rsshub([healthy.base]))
    text = config.read_text(encoding="utf-8")
    config.write_text(text + 'rsshub_params = { filterout = "广告", mode = "fulltext" }\n',
                      encoding="utf-8")
    status, source = _crawl(config, tmp_path)
    assert status == 0, source
    assert healthy.paths == ["/twitter/user/%E5%90%8D%E5%AD%97"
                             "?filterout=%E5%B9%BF%E5%91%8A&mode=fulltext"]


def test_identity_holds_when_another_instance_serves_the_feed(
        tmp_path: Path, instances: list[Instance]) -> None:
    first, second, _ = instances
    # one item links to the original site, one is linked relative to the instance
    items = [rss_item(1), rss_item(2, link="/woshipm/item/2", guid="/woshipm/item/2")]
    first.items = second.items = items
    config = write_config(tmp_path, [{"name": "pm", "rsshub": "/woshipm/latest"}],
                          extra=_rsshub([first.base, second.base]))
    status, source = _crawl(config, tmp_path)
    assert status == 0 and source["new"] == 2, source
    files = archive_files(tmp_path / "posts")
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    links = sorted(str(frontmatter.load(p).get("original_url") or frontmatter.load(p).get("link"))
                   for p in files)
    assert any(link.startswith(first.base + "/woshipm/item/2") for link in links), links

    first.mode = "503"  # A is down; B serves the same feed
    status, source = _crawl(config, tmp_path, "--force", env={"FEEDVAULT_RETRY_BACKOFF": "0"})
    assert status == 0, source
    assert second.paths == ["/woshipm/latest"]
    assert (source["new"], source["updated"], source["unchanged"]) == (0, 0, 2)
    assert archive_files(tmp_path / "posts") == files
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before


def test_a_fallen_over_request_travels_through_the_distributed_queue(tmp_path: Path) -> None:
    from crawler.distributed.queue import RequestCodec  # needs the distributed extra
    from crawler.spiders.feeds import FeedSpider

    config = _config(tmp_path, '[archive]\npath = "posts"\n'
                     '[rsshub]\ninstances = ["https://a.example", "https://b.example"]\n'
                     '[[sources]]\nname = "pm"\nrsshub = "/woshipm/latest"\n')
    spider = FeedSpider(config)
    source = config.sources[0]  # type: ignore[attr-defined]
    codec = RequestCodec(spider, {source.name: source})
    first = spider._attempt(source, spider._feed_request(source).meta)
    assert first is not None and first.next() is not None
    second = spider._feed_request(source, first.next())
    back = codec.decode(codec.encode(second))
    assert back.url == "https://b.example/woshipm/latest"
    assert spider._attempt(source, back.meta).shown_url == back.url  # type: ignore[union-attr]


def test_a_failed_instance_asking_to_wait_does_not_postpone_the_source(
        tmp_path: Path, instances: list[Instance]) -> None:
    busy, healthy, _ = instances
    busy.mode, busy.headers = "429", [("Retry-After", "7200")]
    config = write_config(tmp_path, [{"name": "pm", "rsshub": "/woshipm/latest"}],
                          extra=_rsshub([busy.base, healthy.base]))
    status, source = _crawl(config, tmp_path)
    assert status == 0, source
    assert source["status"] == "ok" and source["new"] == 2
    assert source["not_before"] is None  # the instance that served the feed asked nothing
