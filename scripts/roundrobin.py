"""One address in front of several app servers: a round-robin TCP proxy for `make rush` (loopback only).

Each incoming connection goes to the next server in turn and bytes are copied both ways until
either side closes. That is what a load balancer does for our sync gunicorn workers (one request
per connection: the rush's browser sends `Connection: close`), without nginx on a test machine.
Standard library only; not for production (use nginx, see README "Running in production").
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import threading
from collections import Counter

from scripts.liveserver import free_port

CHUNK = 64 * 1024


class RoundRobinProxy:
    def __init__(self, backends: list[tuple[str, int]]) -> None:
        self.backends = backends
        self._next = itertools.cycle(range(len(backends)))
        self._lock = threading.Lock()
        self.connections: Counter[int] = Counter()  # how many connections each backend got
        self.port = 0
        self._listener: socket.socket | None = None
        self._stop = threading.Event()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> RoundRobinProxy:
        self._listener = socket.create_server(("127.0.0.1", free_port()), backlog=512)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, name="roundrobin-accept", daemon=True).start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._listener is not None:
            self._listener.close()

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stop.is_set():
            try:
                client, _ = self._listener.accept()
            except OSError:
                return  # closed
            with self._lock:
                index = next(self._next)
                self.connections[index] += 1
            threading.Thread(target=self._serve, args=(client, self.backends[index]), daemon=True).start()

    def _serve(self, client: socket.socket, backend: tuple[str, int]) -> None:
        try:
            upstream = socket.create_connection(backend, timeout=120)
        except OSError:
            client.close()
            return
        copier = threading.Thread(target=_copy, args=(upstream, client), daemon=True)
        copier.start()
        _copy(client, upstream)
        copier.join()
        for sock in (client, upstream):
            sock.close()


def _copy(source: socket.socket, target: socket.socket) -> None:
    """Until `source` closes; then tell `target` no more is coming (half-close), as a proxy must."""
    with contextlib.suppress(OSError):  # either side went away: the connection is over
        while data := source.recv(CHUNK):
            target.sendall(data)
    with contextlib.suppress(OSError):
        target.shutdown(socket.SHUT_WR)
