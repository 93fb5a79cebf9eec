"""Local SMTP servers in a thread: one that trickles `220-` greeting lines and never finishes (the fault
review's F1), one that agrees to STARTTLS and then never starts the handshake, and one that accepts every
message. Import the fixtures into a test module to use them."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

TRICKLE_EVERY_S = 0.2
GIVE_UP_S = 15  # a send with no deadline fails a test instead of hanging it


@dataclass
class SmtpServer:
    port: int
    connected: threading.Event = field(default_factory=threading.Event)
    messages: list[str] = field(default_factory=list)

    def settings(self, **extra: object) -> dict[str, object]:
        """override_settings for sending through it with the deadline backend."""
        backend = "mesosafe.lib.smtp.EmailBackend"
        return {"EMAIL_BACKEND": backend, "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": self.port, **extra}


def _trickle(peer: socket.socket, server: SmtpServer) -> None:
    """A greeting line shorter apart than any read timeout, for GIVE_UP_S."""
    until = time.monotonic() + GIVE_UP_S
    with contextlib.suppress(OSError):
        while time.monotonic() < until:
            peer.sendall(b"220-still greeting\r\n")
            time.sleep(TRICKLE_EVERY_S)


def _stall_in_starttls(peer: socket.socket, server: SmtpServer) -> None:
    """Greets, offers STARTTLS, says "go ahead" and then sends nothing (no TLS handshake) for GIVE_UP_S."""
    reader = peer.makefile("rb")
    with contextlib.suppress(OSError):
        peer.sendall(b"220 ready\r\n")
        while line := reader.readline():
            command = line.decode().strip().upper()
            if command == "STARTTLS":
                peer.sendall(b"220 go ahead\r\n")
                time.sleep(GIVE_UP_S)
                return
            peer.sendall(b"250-hello\r\n250 STARTTLS\r\n" if command.startswith("EHLO") else b"250 ok\r\n")


def _accept_all(peer: socket.socket, server: SmtpServer) -> None:
    """Just enough SMTP for smtplib: every command 250, DATA stored."""
    reader = peer.makefile("rb")

    def say(line: str) -> None:
        peer.sendall(line.encode() + b"\r\n")

    with contextlib.suppress(OSError):
        say("220 ready")
        while line := reader.readline():
            command = line.decode().strip().upper()
            if command == "DATA":
                say("354 go on")
                body = []
                while (data := reader.readline()) not in (b".\r\n", b""):
                    body.append(data.decode())
                server.messages.append("".join(body))
                say("250 queued")
            elif command == "QUIT":
                say("221 bye")
                return
            else:
                say("250 ok")


def _serve(talk: Callable[[socket.socket, SmtpServer], None]) -> Iterator[SmtpServer]:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(0.2)
        server = SmtpServer(listener.getsockname()[1])
        stop = threading.Event()
        peers: list[socket.socket] = []

        def accept() -> None:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    peer = listener.accept()[0]
                    peers.append(peer)
                    server.connected.set()
                    threading.Thread(target=talk, args=(peer, server), daemon=True).start()

        thread = threading.Thread(target=accept, daemon=True)
        thread.start()
        yield server
        stop.set()
        thread.join()
        for peer in peers:
            peer.close()


@pytest.fixture
def trickling_smtp() -> Iterator[SmtpServer]:
    yield from _serve(_trickle)


@pytest.fixture
def stalling_starttls_smtp() -> Iterator[SmtpServer]:
    yield from _serve(_stall_in_starttls)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpServer]:
    yield from _serve(_accept_all)
