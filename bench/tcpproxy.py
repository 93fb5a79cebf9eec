"""A TCP proxy that can cut every connection through it and refuse new ones for a while: a database outage
(a restart, a failover) as its clients see it, without touching the database server that others share.
Used by bench/chaos.py and by the tests of what rides out an outage."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

Pair = tuple[socket.socket, socket.socket]


class TcpProxy:
    """Listens on 127.0.0.1:`port` (0: any free port) and relays each connection to `upstream`."""

    def __init__(self, upstream: tuple[str, int], port: int = 0) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", port))
        self.port: int = self.listener.getsockname()[1]
        self.accepting = threading.Event()
        self.accepting.set()
        self.lock = threading.Lock()
        self.pairs: set[Pair] = set()
        self.cut_connections = 0
        self.refused = 0
        threading.Thread(target=self._accept, name="tcpproxy", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return  # closed
            if not self.accepting.is_set():
                self.refused += 1
                client.close()
                continue
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            pair = (client, server)
            with self.lock:
                self.pairs.add(pair)
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink, pair), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket, pair: Pair) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            self._drop(pair)

    def _drop(self, pair: Pair) -> bool:
        with self.lock:
            if pair not in self.pairs:
                return False
            self.pairs.discard(pair)
        for end in pair:
            with suppress(OSError):
                end.shutdown(socket.SHUT_RDWR)  # wakes the other direction's recv
            end.close()
        return True

    def cut(self) -> int:
        """Close every connection and refuse new ones until `restore`; how many were cut."""
        self.accepting.clear()
        with self.lock:
            pairs = list(self.pairs)
        cut = sum(self._drop(pair) for pair in pairs)
        self.cut_connections += cut
        return cut

    def restore(self) -> None:
        self.accepting.set()

    @contextmanager
    def down(self, seconds: float = 0.0) -> Iterator[None]:
        """Cut, stay down for `seconds` and whatever the block does, then take connections again."""
        self.cut()
        try:
            time.sleep(seconds)
            yield
        finally:
            self.restore()

    def connections(self) -> int:
        with self.lock:
            return len(self.pairs)

    def close(self) -> None:
        self.cut()
        with suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the accepting thread (Linux)
        self.listener.close()
