"""Shared fixtures: a local HTTP server on port 0, config files, and the CLI in a subprocess."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SITE = Path(__file__).resolve().parent / "site"
EXAMPLES = REPO / "examples"
CORPORA = REPO.parent / "shared" / "corpora"
SEED = REPO.parent / "shared" / "seed"


def corpus(*parts: str) -> Path:
    """A folder of ../shared/corpora; skip (with the reason) where it is absent."""
    path = CORPORA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent: the shared corpora are not beside this checkout")
    return path


class _QuietHandler(SimpleHTTPRequestHandler):
    extensions_map = {  # noqa: RUF012 (overrides the base class attribute)
        **SimpleHTTPRequestHandler.extensions_map,
        ".xml": "application/rss+xml",
        ".rss": "application/rss+xml",
        ".atom": "application/atom+xml",
        ".json": "application/feed+json",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass

    # Conditional requests, as a careful server does them: a strong ETag from the
    # file's bytes (Last-Modified alone has one-second resolution: an edit within
    # the second would be answered 304), plus canned answers set with site.answer().
    def send_head(self):  # type: ignore[no-untyped-def]
        site: LocalSite = self.server.site  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        site.requests.append((path, self.headers.get("If-None-Match"),
                              self.headers.get("If-Modified-Since")))
        site.times.append(time.monotonic())
        site.referers.append((path, self.headers.get("Referer")))
        self._extra = dict(site.headers.get(path, {}))
        if path in site.delays:
            time.sleep(site.delays[path])
        if path in site.answers:
            status, headers = site.answers[path]
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        target = Path(self.translate_path(self.path))
        if target.is_file():
            self._extra["ETag"] = '"' + hashlib.sha256(target.read_bytes()).hexdigest()[:16] + '"'
            if self.headers.get("If-None-Match") == self._extra["ETag"]:
                self.send_response(304)
                self.end_headers()
                return None
        return super().send_head()

    def end_headers(self) -> None:
        for key, value in getattr(self, "_extra", {}).items():
            self.send_header(key, value)
        self._extra = {}
        super().end_headers()


class LocalSite:
    """Files under `root` served on 127.0.0.1 at a port the OS picked."""

    requests: list[str]  # every path requested, in order

    def __init__(self, root: Path) -> None:
        self.root = root
        handler = partial(_QuietHandler, directory=str(root))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.server.site = self  # type: ignore[attr-defined]
        self.requests: list[tuple[str, str | None, str | None]] = []  # path, INM, IMS
        self.times: list[float] = []  # time.monotonic() of each request, in the same order
        self.referers: list[tuple[str, str | None]] = []  # path, Referer header of each request
        self.answers: dict[str, tuple[int, dict[str, str]]] = {}  # path -> canned answer
        self.headers: dict[str, dict[str, str]] = {}  # path -> extra response headers
        self.delays: dict[str, float] = {}  # path -> seconds to wait before answering
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def answer(self, path: str, status: int, headers: dict[str, str] | None = None) -> None:
        """Answer every request for path with status and headers (None: serve the file)."""
        self.answers["/" + path.lstrip("/")] = (status, headers or {})

    def served(self, path: str) -> list[tuple[str, str | None, str | None]]:
        return [r for r in self.requests if r[0] == "/" + path.lstrip("/")]

    def write(self, path: str, text: str) -> str:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return self.url(path)


@pytest.fixture
def site(tmp_path: Path) -> Iterator[LocalSite]:
    root = tmp_path / "site"
    root.mkdir()
    local = LocalSite(root)
    local.thread.start()
    yield local
    local.server.shutdown()
    local.server.server_close()


class Served:
    """A hand-written request handler served on 127.0.0.1, port 0, in a daemon thread."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def answer(handler: BaseHTTPRequestHandler, status: int, headers: Iterable[tuple[str, str]],
           body: bytes) -> None:
    """Send one whole answer from a test server's handler, with its Content-Length."""
    handler.send_response(status)
    for key, value in headers:
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return str(value)


def write_config(folder: Path, sources: list[dict[str, object]], *, extra: str = "",
                 archive: str = "posts", front_matter: dict[str, object] | None = None,
                 follow_pages: bool = False) -> Path:
    """A feedvault.toml in folder with the given [[sources]] entries (full_text off by default)."""
    lines = ["[archive]", f"path = {toml_value(archive)}", 'preset = "hexo"', ""]
    if front_matter:
        lines.append("[archive.front_matter]")
        lines += [f"{k} = {toml_value(v)}" for k, v in front_matter.items()]
        lines.append("")
    lines.append(extra)
    for source in sources:
        # Test feeds link to hosts that do not exist: no page fetches unless a test asks
        # (follow_pages=True keeps feedvault's default: fetch the page of summary-only items)
        if not follow_pages:
            source = {"full_text": False, **source}
        lines.append("[[sources]]")
        lines += [f"{k} = {toml_value(v)}" for k, v in source.items()]
        lines.append("")
    path = folder / "feedvault.toml"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def feedvault(*args: str | os.PathLike[str], cwd: Path | None = None,
              env: dict[str, str] | None = None, timeout: float = 300
              ) -> subprocess.CompletedProcess[str]:
    """Run the real `feedvault` command line in a new process (one Twisted reactor each)."""
    return subprocess.run(
        [sys.executable, "-m", "crawler.cli", *map(str, args)],
        cwd=cwd or REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def archive_files(root: Path) -> list[Path]:
    """Every article file under an archive root (the hidden folder excluded)."""
    return sorted(p for p in root.rglob("*.md") if ".feedvault" not in p.parts)


def rss_item(n: int, **overrides: str) -> dict[str, str]:
    """The n-th test article as RSS item fields (for rss_feed), with overrides."""
    item = {
        "title": f"Article {n}",
        "link": f"http://example.invalid/posts/{n}",
        "guid": f"urn:test:{n}",
        "pubDate": "Mon, 01 Jan 2024 10:00:00 +0800",
        "description": f"<p>Body of article {n}.</p>",
    }
    item.update(overrides)
    return item


def rss_feed(items: list[dict[str, str]], title: str = "Test feed") -> str:
    """An RSS 2.0 document; each item's keys become elements, `description` as CDATA."""
    from xml.sax.saxutils import escape

    parts = []
    for item in items:
        fields = []
        for key, value in item.items():
            if key == "description":
                fields.append(f"<description><![CDATA[{value}]]></description>")
            else:
                fields.append(f"<{key}>{escape(value)}</{key}>")
        parts.append("<item>" + "".join(fields) + "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>http://example.invalid/</link>"
        + "".join(parts)
        + "</channel></rss>\n"
    )


RELIABILITY_LINES: list[str] = []


def report_scenario(name: str, *, faults: int, expected: int, archived: int, lost: int,
                    duplicates: int, unsafe: int) -> None:
    """One line of the reliability suite's summary, printed at the end of the test run."""
    RELIABILITY_LINES.append(
        f"reliability: {name:<22} faults={faults:<4} expected={expected:<4} "
        f"archived={archived:<4} lost={lost} duplicates={duplicates} unsafe={unsafe}"
    )


def pytest_terminal_summary(terminalreporter: object) -> None:
    if RELIABILITY_LINES:
        write = terminalreporter.write_line  # type: ignore[attr-defined]
        terminalreporter.section("reliability summary")  # type: ignore[attr-defined]
        for line in RELIABILITY_LINES:
            write(line)
