"""The capture middleware on its own: which answers it keeps for the store step, and as what."""

from __future__ import annotations

from pathlib import Path

from scrapy import Request
from scrapy.http import HtmlResponse

from archive.captures import CaptureStore
from crawler.config import parse_config
from crawler.middlewares.capture import CAPTURE_META, CAPTURE_REF, CaptureMiddleware, PendingCapture

CONFIG = '''[archive]
path = "posts"
capture = "warc"
[[sources]]
name = "on"
url = "http://127.0.0.1/on.xml"
[[sources]]
name = "off"
url = "http://127.0.0.1/off.xml"
capture = "off"
'''


def _middleware(tmp_path: Path) -> tuple[CaptureMiddleware, CaptureStore]:
    path = tmp_path / "feedvault.toml"
    path.write_text(CONFIG)
    store = CaptureStore(tmp_path / "hidden")
    return CaptureMiddleware(parse_config(CONFIG, path)), store


def _answer(source: str, status: int = 200, *, marked: bool = True, **meta: object
            ) -> tuple[Request, HtmlResponse]:
    request = Request(f"http://127.0.0.1/{source}.html", headers={"User-Agent": "feedvault-test"},
                      meta={"feedvault_source": source, CAPTURE_META: marked, **meta})
    response = HtmlResponse(request.url, status=status, body=b"<p>page</p>", request=request,
                            headers={"Content-Type": "text/html; charset=utf-8"})
    return request, response


def test_a_marked_answer_of_a_capturing_source_is_kept_to_be_stored_once(tmp_path: Path) -> None:
    middleware, store = _middleware(tmp_path)
    request, response = _answer("on")
    assert middleware.process_response(request, response) is response
    pending = response.meta[CAPTURE_REF]
    assert isinstance(pending, PendingCapture)
    assert not (tmp_path / "hidden").exists()  # nothing written until an article needs it
    ref = pending.write(store)
    assert pending.write(store) == ref  # a feed answer shared by several articles: once
    got = store.read(ref)
    assert (got.url, got.status, got.body) == (request.url, 200, b"<p>page</p>")
    assert ("Content-Type", "text/html; charset=utf-8") in got.headers


def test_other_answers_are_not_stored(tmp_path: Path) -> None:
    middleware, _store = _middleware(tmp_path)
    for request, response in (_answer("off"), _answer("on", 304), _answer("on", 404),
                              _answer("on", marked=False),  # robots.txt, an image, a sitemap
                              _answer("on", **{CAPTURE_REF: "captures-00001.warc.gz#0"})):  # a replay
        middleware.process_response(request, response)
        assert response.meta.get(CAPTURE_REF) in (None, "captures-00001.warc.gz#0")
    assert not (tmp_path / "hidden").exists()
