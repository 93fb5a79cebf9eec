"""A fresh gunicorn worker is ready before its first request, without the registry's analysis libraries.
(The access-log redaction in the same module is tested in test_logging.py.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
