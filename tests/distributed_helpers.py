"""Helpers for the distributed tests: a real redis-server, a slow feed site, CLI processes."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Any

import pytest

from tests.conftest import REPO, rss_feed


def free_port() -> int:
    """A loopback port nobody listens on (redis-server cannot bind port 0 itself)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A redis-server on a free port. With persistent, its data survive stop() and start()
    (append-only file, fsynced at every write), as a production server's would."""

    def __init__(self, folder: Path, *, persistent: bool = False) -> None:
        executable = shutil.which("redis-server")
        if executable is None:
            pytest.skip("redis-server is not installed (Debian: apt-get install redis-server; "
                        ".ci/run installs it)")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        durability = ["--appendonly", "yes", "--appendfsync", "always"] if persistent else \
            ["--appendonly", "no"]
        self.command = [executable, "--port", str(self.port), "--bind", "127.0.0.1",
                        "--save", "", *durability, "--dir", str(folder)]
        self.log_path = folder / "redis.log"
        import redis

        self.client = redis.Redis(port=self.port)
        self.start()

    def start(self) -> None:
        import redis

        self.log = self.log_path.open("a")
        self.process = subprocess.Popen(self.command, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.client.ping()
                break
            except (redis.ConnectionError, redis.BusyLoadingError):
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM: redis-server shuts down cleanly (the append-only file is complete)."""
        self.client.close()
        self.process.terminate()
        self.process.wait(timeout=20)
        self.log.close()


@contextmanager
def redis_server(folder: Path, *, persistent: bool = False) -> Iterator[RedisServer]:
    server = RedisServer(folder, persistent=persistent)
    try:
        yield server
    finally:
        if server.process.poll() is None:
            server.stop()


def feed_items(feed: int, per_feed: int) -> list[dict[str, str]]:
    return [
        {
            "title": f"Feed {feed} article {n}",
            "link": f"http://example.invalid/{feed}/{n}",
            "guid": f"urn:test:{feed}:{n}",
            "pubDate": "Mon, 01 Jan 2024 10:00:00 +0000",
            "description": f"<p>Body of article {n} in feed {feed}.</p>",
        }
        for n in range(per_feed)
    ]


class FeedSite:
    """`feeds` RSS feeds of `per_feed` items at /feed/<n>.xml, each answered after `delay` s."""

    def __init__(self, feeds: int, per_feed: int, delay: float = 0.0) -> None:
        bodies = {f"/feed/{n}.xml": rss_feed(feed_items(n, per_feed), title=f"Feed {n}").encode()
                  for n in range(feeds)}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = bodies.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                time.sleep(delay)
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.urls = [f"{self.base}/feed/{n}.xml" for n in range(feeds)]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def distributed_config(redis_url: str, worker_timeout: float = 2,
                       redis_retry: float | None = None) -> str:
    text = f'[distributed]\nredis = "{redis_url}"\nworker_timeout = {worker_timeout}\n'
    return text + (f"redis_retry = {redis_retry}\n" if redis_retry is not None else "")


class Process:
    """A `feedvault` command running in the background, its output in a file."""

    def __init__(self, folder: Path, name: str, *args: str | os.PathLike[str]) -> None:
        self.name = name
        self.out_path = folder / f"{name}.out"
        self.err_path = folder / f"{name}.err"
        self._out: IO[str] = self.out_path.open("w")
        self._err: IO[str] = self.err_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "crawler.cli", *map(str, args)],
            cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
            stdout=self._out, stderr=self._err, text=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def wait(self, timeout: float = 240) -> int:
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise AssertionError(f"{self.name} did not finish in {timeout} s:\n{self.output}"
                                 ) from None
        self._out.close()
        self._err.close()
        return code

    def kill(self) -> None:
        self.process.kill()  # SIGKILL: no cleanup runs
        self.wait()

    @property
    def output(self) -> str:
        return self.out_path.read_text() + self.err_path.read_text()

    @property
    def stdout(self) -> str:
        return self.out_path.read_text()


def wait_until(condition: Any, timeout: float = 120, what: str = "condition",
               interval: float = 0.02) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)
