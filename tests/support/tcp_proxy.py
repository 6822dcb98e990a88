"""A tiny TCP proxy to a service on 127.0.0.1 that tests can stop and start again.

The browser tests' widget talks to Rasa through it, so "the server going away and coming back" is
a real network failure (connections closed, then connections refused) without restarting Rasa.
The cluster test (tests/e2e/test_cluster_netns.py) binds it to the root namespace's end of a veth
pair (`bind_host`), so a Rasa process in another network namespace reaches PostgreSQL and Redis,
which listen on 127.0.0.1 only.

Must not: forward to anything but 127.0.0.1, or listen anywhere but the address it is given
(127.0.0.1 unless told).
"""

from __future__ import annotations

import socket
import threading

BUFFER = 65536


class TcpProxy:
    """Forwards `bind_host`:`port` to 127.0.0.1:`target_port` while started.

    Port 0 takes a free port at the first start; `port` then holds it (a restart reuses it).
    """

    def __init__(self, port: int, target_port: int, bind_host: str = "127.0.0.1") -> None:
        self.port = port
        self.target_port = target_port
        self.bind_host = bind_host
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((self.bind_host, self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """Stop listening and cut every open connection (clients see the server vanish)."""
        if self._listener is not None:
            try:
                self._listener.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            self._listener.close()
            self._listener = None
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            threading.Thread(target=self._pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(BUFFER):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
