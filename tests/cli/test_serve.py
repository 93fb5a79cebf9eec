"""`mesosafe serve` starts gunicorn on a fresh data directory, and its logs never show a token."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.service_fixtures import on_postgres

TOKEN = "Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4cXV1eHF1dXhxdXV4"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request("GET", path, headers=headers or {})
    status = connection.getresponse().status
    connection.close()
    return status


def _without_service_settings() -> dict[str, str]:
    """This process's environment without the database and data directory the tests set."""
    unset = ("DATABASE_URL", "MESOSAFE_DATA_DIR", "DJANGO_SETTINGS_MODULE")
    return {k: v for k, v in os.environ.items() if k not in unset}


@contextlib.contextmanager
def _serving(folder: Path, env: dict[str, str]) -> Iterator[int]:
    """`mesosafe serve` (gunicorn, one worker) on a fresh port in `folder`, logging to server.log there,
    once it answers /healthz; its port."""
    port = _port()
    log = folder / "server.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "mesosafe", "serve", "--port", str(port), "--workers", "1"],
            cwd=folder,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            for _ in range(200):
                try:
                    if _get(port, "/healthz") == 200:
                        break
                except OSError:
                    time.sleep(0.1)
            else:
                pytest.fail(log.read_text())
            yield port
        finally:
            server.terminate()
            server.wait(timeout=30)


def test_serve_answers_and_keeps_tokens_out_of_the_log(tmp_path: Path) -> None:
    if on_postgres():
        pytest.skip("runs against its own SQLite data directory; covered by the SQLite run")
    log = tmp_path / "server.log"
    with _serving(tmp_path, _without_service_settings()) as port:
        assert _get(port, "/api/v1/patient/me", {"Authorization": f"Bearer {TOKEN}"}) == 404
        assert _get(port, f"/p/{TOKEN}/") == 404
        assert _get(port, "/api/v1/openapi.json") == 200
    text = log.read_text()
    assert "/healthz" in text and "/p/[redacted]/" in text
    assert TOKEN not in text
    assert (tmp_path / "data" / "mesosafe.sqlite3").exists() and (
        tmp_path / "data" / "static" / "admin"
    ).is_dir()


# `mesosafe serve` up to the moment it becomes gunicorn: what it would start, and the umask it would keep
_SERVE_UNTIL_EXEC = """
import json, os, sys
def execv(path, argv):
    print(json.dumps({"umask": os.umask(0), "argv": argv}))
    sys.exit(0)
os.execv = execv
sys.argv = ["mesosafe", "serve", "--port", "9001", "--workers", "1"]
from mesosafe.cli import main
main()
"""


def test_gunicorn_starts_with_a_private_umask_and_keeps_it(tmp_path: Path) -> None:
    if on_postgres():
        pytest.skip("runs against its own SQLite data directory; covered by the SQLite run")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MESOSAFE_DATA_DIR")}
    done = subprocess.run(
        [sys.executable, "-c", _SERVE_UNTIL_EXEC],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
        preexec_fn=lambda: os.umask(0o022),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    started = json.loads(done.stdout.strip().splitlines()[-1])
    assert started["umask"] == 0o077
    umask = started["argv"].index("--umask")
    assert int(started["argv"][umask + 1], 0) == 0o077  # gunicorn's own, for its sockets and files


def _post_chunked(port: int, path: str, token: str, pieces: list[bytes]) -> tuple[int, str, bytes]:
    """A POST whose body is sent `Transfer-Encoding: chunked` (no Content-Length), one chunk per piece."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    # answered (413) and closed before the whole body was sent: the answer is read all the same
    with contextlib.suppress(BrokenPipeError):
        connection.request("POST", path, body=iter(pieces), headers=headers, encode_chunked=True)
    response = connection.getresponse()
    answer = (response.status, response.getheader("Content-Type") or "", response.read())
    connection.close()
    return answer


def test_a_chunked_body_is_read_under_gunicorn_and_its_size_capped(tmp_path: Path) -> None:
    """gunicorn takes the chunking off but sets no Content-Length, and Django read no body: an emergency
    sent chunked was answered "(body): Field required" and not stored."""
    if on_postgres():
        pytest.skip("runs against its own SQLite data directory; covered by the SQLite run")
    env = _without_service_settings()
    demo = subprocess.run(
        [sys.executable, "-m", "mesosafe", "demo"], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    token = re.search(r"Patient link \(first clinic\): /p/([^/]+)/", demo.stdout + demo.stderr)
    assert token is not None, demo.stdout + demo.stderr
    with _serving(tmp_path, env) as port:
        path = "/api/v1/patient/checkins"
        emergency = b'{"symptoms": [{"code": "breathing_difficulty"}]}'
        status, kind, body = _post_chunked(port, path, token[1], [emergency[:10], emergency[10:]])
        assert status == 201, body
        assert json.loads(body)["disposition"] == "emergency"
        big = json.dumps({"symptoms": [{"code": "something_else", "description": "x" * 10_500_000}]})
        pieces = [big[i : i + 65536].encode() for i in range(0, len(big), 65536)]
        status, kind, body = _post_chunked(port, path, token[1], pieces)
        assert status == 413 and kind == "application/problem+json", body[:300]
        huge = [b"x" * 1024 * 1024] * 50  # past the cap of every body (MAX_BODY_BYTES)
        status, kind, body = _post_chunked(port, path, token[1], huge)
        assert status == 413 and kind == "application/problem+json", body[:300]
    assert "Traceback" not in (tmp_path / "server.log").read_text()
