"""A fresh gunicorn worker is ready before its first request, without the registry's analysis libraries.
(The access-log redaction in the same module is tested in test_logging.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

PORTS = (8301, 8302)  # this worktree's range
HEAVY = ("pandas", "scipy", "matplotlib", "duckdb", "pyspark")

_WORKER = """
import json, sys, django
django.setup()
from django.urls import get_resolver
from mesosafe.knowledge.loader import load
from mesosafe.web import gunicorn_conf
gunicorn_conf.post_worker_init(None)
print(json.dumps({
    "urls_loaded": "urlconf_module" in get_resolver().__dict__,
    "kb_loaded": load.cache_info().currsize == 1,
    "heavy": sorted(m for m in sys.argv[1:] if m in sys.modules),
}))
"""


def test_a_worker_loads_urls_and_knowledge_base_but_no_analysis_library(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "mesosafe.web.settings",
        "MESOSAFE_DATA_DIR": str(tmp_path),
    }
    out = subprocess.run(
        [sys.executable, "-c", _WORKER, *HEAVY], env=env, capture_output=True, text=True, check=True
    )
    state = json.loads(out.stdout.strip().splitlines()[-1])
    # The registry's pages only list a report's files; pandas, SciPy and matplotlib are for the worker that
    # builds reports, and loading them made a web worker's first request take about three seconds.
    assert state == {"urls_loaded": True, "kb_loaded": True, "heavy": []}


def _healthy(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def test_servers_make_no_shared_control_socket(tmp_path: Path) -> None:
    """Two servers on this configuration, as `mesosafe serve` starts them: neither makes gunicorn's
    per-user control socket (~/.gunicorn/gunicorn.ctl), which the second took over from the first."""
    home = tmp_path / "home"
    home.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "XDG_RUNTIME_DIR")},
        "HOME": str(home),
        "DJANGO_SETTINGS_MODULE": "mesosafe.web.settings",
        "MESOSAFE_DATA_DIR": str(tmp_path),
    }
    servers = []
    try:
        for port in PORTS:
            argv = [
                sys.executable, "-m", "gunicorn", "mesosafe.web.wsgi:application",
                "--config", "python:mesosafe.web.gunicorn_conf",
                "--bind", f"127.0.0.1:{port}", "--workers", "1",
            ]  # fmt: skip
            servers.append(subprocess.Popen(argv, env=env, stderr=subprocess.DEVNULL))
        deadline = time.monotonic() + 60
        while not all(_healthy(port) for port in PORTS):
            assert time.monotonic() < deadline, "the servers did not start"
            time.sleep(0.2)
        assert not (home / ".gunicorn").exists()
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
