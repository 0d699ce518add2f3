"""Many real waiting clients on loopback (long-polls and event streams), for the starvation
test and bench/bench_events.py.

Plain sockets, one HTTP/1.1 request each, read with one selector: eighty clients cost the
test process no threads, so what is measured is the server's behaviour, not the client's.
"""

from __future__ import annotations

import selectors
import socket
import time


class WaitingClients:
    def __init__(self, port: int, token: str) -> None:
        self.port = port
        self.token = token
        self.socks: list[socket.socket] = []
        self.received: dict[socket.socket, bytes] = {}

    def open(self, path: str, n: int, headers: dict[str, str] | None = None
             ) -> list[socket.socket]:
        """n connections each sending `GET /api/v1{path}` with the token; not read yet."""
        extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
        request = (f"GET /api/v1{path} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\n"
                   f"Authorization: Bearer {self.token}\r\n{extra}\r\n").encode()
        opened = []
        for _ in range(n):
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            sock.sendall(request)
            sock.setblocking(False)
            self.received[sock] = b""
            opened.append(sock)
        self.socks += opened
        return opened

    def read_until(self, socks: list[socket.socket], needle: bytes, timeout: float
                   ) -> list[socket.socket]:
        """Reads every socket until each has sent `needle` or `timeout` passes; returns
        the sockets that have (all of them when the server kept up)."""
        pending = {s for s in socks if needle not in self.received[s]}
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            for s in pending:
                sel.register(s, selectors.EVENT_READ)
            while pending and (left := deadline - time.monotonic()) > 0:
                for key, _ in sel.select(min(left, 0.5)):
                    s = key.fileobj
                    try:
                        chunk = s.recv(65536)
                    except BlockingIOError:
                        continue
                    self.received[s] += chunk
                    if needle in self.received[s] or not chunk:
                        pending.discard(s)
                        sel.unregister(s)
        return [s for s in socks if needle in self.received[s]]

    def silent(self, socks: list[socket.socket], wait: float = 0.3) -> bool:
        """True when none of `socks` has been answered yet (they are still waiting)."""
        self.read_until(socks, b"HTTP/1.1", wait)
        return all(not self.received[s] for s in socks)

    def close(self) -> None:
        for s in self.socks:
            s.close()
        self.socks.clear()
        self.received.clear()
