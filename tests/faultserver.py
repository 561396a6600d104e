"""A local HTTP server that fails on purpose, by a seeded schedule, for reliability tests.

Each request for a path is answered according to (seed, path, attempt number): most
attempts succeed, the others get one of FAULTS. The same seed gives the same story.
"""

from __future__ import annotations

import random
import socket
import threading
import time
import zlib
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FAULTS = ("500", "502", "503", "429", "timeout", "reset", "truncated", "drip", "redirect_loop")


class FaultServer:
    """Serves files from root on 127.0.0.1:0, injecting faults into a share of responses."""

    def __init__(self, root: Path, *, seed: int = 0, rate: float = 0.2,
                 stall: float = 3.0) -> None:
        self.root = root
        self.seed = seed
        self.rate = rate
        self.stall = stall  # how long a "timeout" answer stalls; above DOWNLOAD_TIMEOUT
        self.attempts: Counter[str] = Counter()
        self.injected: Counter[str] = Counter()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.answer(self)

        self.httpd = _QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"{self.base}/{path.lstrip('/')}"

    def __enter__(self) -> FaultServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def fault_for(self, path: str) -> str | None:
        with self.lock:
            self.attempts[path] += 1
            attempt = self.attempts[path]
        if path == "/robots.txt":
            return None
        rng = random.Random(f"{self.seed}:{path}:{attempt}")
        if rng.random() >= self.rate:
            return None
        fault = rng.choice(FAULTS)
        with self.lock:
            self.injected[fault] += 1
        return fault

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        if path == "/bomb.xml":
            return self._gzip_bomb(handler)
        if path == "/huge.xml":
            return self._huge(handler)
        fault = self.fault_for(path)
        target = self.root / path.lstrip("/")
        body = target.read_bytes() if target.is_file() else None
        if fault is None or fault == "drip":
            if body is None:
                return self._send(handler, 404, b"not found")
            return self._send(handler, 200, body, drip=fault == "drip")
        if fault in ("500", "502", "503"):
            return self._send(handler, int(fault), b"injected failure")
        if fault == "429":
            return self._send(handler, 429, b"slow down", headers={"Retry-After": "1"})
        if fault == "timeout":
            time.sleep(self.stall)
            return self._send(handler, 503, b"too late")
        if fault == "reset":
            return self._reset(handler)
        if fault == "truncated":
            data = body or b"x" * 100
            handler.send_response(200)
            handler.send_header("Content-Length", str(len(data) * 2))
            handler.end_headers()
            handler.wfile.write(data[: len(data) // 2])
            handler.wfile.flush()
            return self._reset(handler)
        # redirect_loop: a chain of redirects back to itself until Scrapy gives up
        handler.send_response(302)
        handler.send_header("Location", f"{path}?loop={time.monotonic_ns()}")
        handler.send_header("Content-Length", "0")
        handler.end_headers()
        return None

    @staticmethod
    def _send(handler: BaseHTTPRequestHandler, status: int, body: bytes, *, drip: bool = False,
              headers: dict[str, str] | None = None) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        handler.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            handler.send_header(key, value)
        handler.end_headers()
        if not drip:
            handler.wfile.write(body)
            return
        step = max(1, len(body) // 10)
        for start in range(0, len(body), step):  # ten slow chunks, under a second in all
            handler.wfile.write(body[start:start + step])
            handler.wfile.flush()
            time.sleep(0.08)

    @staticmethod
    def _reset(handler: BaseHTTPRequestHandler) -> None:
        sock = handler.connection
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        handler.close_connection = True
        sock.close()

    @staticmethod
    def _gzip_bomb(handler: BaseHTTPRequestHandler) -> None:
        # 1 GiB of zeros compresses to about 1 MiB: small on the wire, huge if inflated
        payload = _BOMB.get()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)

    @staticmethod
    def _huge(handler: BaseHTTPRequestHandler) -> None:
        size = 50 * 1024 * 1024
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(size))
        handler.end_headers()
        chunk = b"<!-- padding -->" * 4096
        try:
            for _ in range(size // len(chunk)):
                handler.wfile.write(chunk)
        except OSError:
            pass  # the client hung up, as it should


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # resets and hang-ups are what this server is for


class _Bomb:
    def __init__(self) -> None:
        self._data: bytes | None = None
        self._lock = threading.Lock()

    def get(self) -> bytes:
        with self._lock:
            if self._data is None:
                zeros = b"\0" * (1 << 20)
                compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: gzip framing
                parts = [compressor.compress(zeros) for _ in range(1024)]
                parts.append(compressor.flush())
                self._data = b"".join(parts)
            return self._data


_BOMB = _Bomb()
