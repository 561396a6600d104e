"""A "black hole" host for tests: a loopback socket that accepts connections and never answers."""

from __future__ import annotations

import socket
import threading


class BlackHole:
    """A loopback socket on 127.0.0.2 that accepts connections and never answers."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.2", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.accepted = 0
        self.held: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            self.held.append(conn)

    def url(self, path: str) -> str:
        return f"http://127.0.0.2:{self.port}/{path.lstrip('/')}"

    def close(self) -> None:
        self.sock.close()
        for conn in self.held:
            conn.close()
