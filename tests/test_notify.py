"""Notifications through Apprise: one digest per crawl, received by a local JSON endpoint; a
failing source is announced once, and once more when it recovers; URLs are never printed."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from archive import ConfigError
from crawler.config import load_config
from tests.conftest import LocalSite, answer, feedvault, rss_feed, rss_item, write_config


class _Endpoint(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.server.received.append(  # type: ignore[attr-defined]
            (self.headers.get("Authorization"), json.loads(body)))
        answer(self, 200, [("Content-Type", "application/json")], b"{}")

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def endpoint() -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    server.received = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _messages(endpoint: ThreadingHTTPServer) -> list[dict[str, Any]]:
    return [body for _, body in endpoint.received]  # type: ignore[attr-defined]


def _config(tmp_path: Path, site: LocalSite, url: str, on: str = "") -> Path:
    site.answer("broken.xml", 404)
    return write_config(tmp_path, [
        {"name": "blog", "url": site.write("blog.xml", rss_feed([rss_item(1), rss_item(2)]))},
        {"name": "broken", "url": site.url("broken.xml")},
    ], extra=f"[notify]\nurls = [\"{url}\"]\n{on}\n")


def test_one_digest_per_crawl_and_a_failure_announced_once_then_its_recovery(
        site: LocalSite, tmp_path: Path, endpoint: ThreadingHTTPServer) -> None:
    port = endpoint.server_address[1]
    config = _config(tmp_path, site, f"json://127.0.0.1:{port}/")
    assert feedvault("crawl", "--config", config).returncode == 1
    [first] = _messages(endpoint)
    assert first["title"] == "feedvault: 2 new, 0 updated; 1 source failing"
    lines = first["message"].splitlines()
    assert lines[0] == "blog: 2 new"
    assert lines[1].startswith("broken: FAILING: ") and "404" in lines[1]

    assert feedvault("crawl", "--config", config).returncode == 1  # still failing, nothing new
    assert len(_messages(endpoint)) == 1  # no second message for the same failure

    site.answers.clear()
    site.write("broken.xml", rss_feed([rss_item(3)]))
    assert feedvault("crawl", "--config", config).returncode == 0
    [_, recovered] = _messages(endpoint)
    assert recovered["title"] == "feedvault: 1 new, 0 updated; 1 recovered"
    assert "broken: recovered (2 failed crawls in a row before)" in recovered["message"]

    assert feedvault("crawl", "--config", config).returncode == 0
    assert len(_messages(endpoint)) == 2  # nothing happened: no message

    site.answer("broken.xml", 404)
    assert feedvault("crawl", "--config", config).returncode == 1
    assert _messages(endpoint)[-1]["title"] == "feedvault: 1 source failing"  # failing again


def test_only_the_chosen_events_send_a_message(
        site: LocalSite, tmp_path: Path, endpoint: ThreadingHTTPServer) -> None:
    port = endpoint.server_address[1]
    config = _config(tmp_path, site, f"json://127.0.0.1:{port}/", on='on = ["new"]')
    assert feedvault("crawl", "--config", config).returncode == 1
    [message] = _messages(endpoint)
    assert message["title"] == "feedvault: 2 new" and message["message"] == "blog: 2 new"


def test_urls_are_never_printed(site: LocalSite, tmp_path: Path,
                                endpoint: ThreadingHTTPServer) -> None:
    port = endpoint.server_address[1]
    config = _config(tmp_path, site, f"json://user:s3cret-token@127.0.0.1:{port}/")
    result = feedvault("crawl", "-vv", "--config", config)
    assert result.returncode == 1
    assert len(_messages(endpoint)) == 1
    assert endpoint.received[0][0] is not None  # type: ignore[attr-defined]  # sent with auth
    assert "s3cret" not in result.stdout + result.stderr

    # an endpoint that refuses: one warning line, still without the URL
    closed = ThreadingHTTPServer(("127.0.0.1", 0), _Endpoint)
    refused = closed.server_address[1]
    closed.server_close()
    config = _config(tmp_path, site, f"json://user:s3cret-token@127.0.0.1:{refused}/")
    site.write("blog.xml", rss_feed([rss_item(4)]))
    result = feedvault("crawl", "--config", config)
    assert "notification not sent" in result.stderr
    assert "s3cret" not in result.stdout + result.stderr and str(refused) not in result.stderr


@pytest.mark.parametrize(("notify", "words"), [
    ('urls = ["nonsense://s3cret-token"]', "URL number 1 is not one Apprise can send to"),
    ('urls = "json://s3cret-token@127.0.0.1/"', "expected a list of Apprise URLs"),
    ("urls = []", "expected at least one Apprise URL"),
    ('urls = ["json://127.0.0.1/"]\non = ["new", "sometimes"]', "unknown event 'sometimes'"),
])
def test_bad_notify_settings_name_the_key_and_hide_the_url(tmp_path: Path, notify: str,
                                                          words: str) -> None:
    config = write_config(tmp_path, [{"name": "a", "url": "https://a.example/feed.xml"}],
                          extra=f"[notify]\n{notify}\n")
    with pytest.raises(ConfigError) as error:
        load_config(config)
    assert "notify." in str(error.value) and words in str(error.value)
    assert "s3cret" not in str(error.value)
