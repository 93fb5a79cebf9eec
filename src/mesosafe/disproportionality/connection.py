"""The DuckDB connection a signals run reads and counts with, and the limits it runs under.

By default DuckDB may use 80 % of the machine's memory and keeps it until the connection is closed; a
signals run then needs memory again for the pair table and its measures in NumPy/Arrow. So a run's
connection gets by default a quarter of the machine's memory (``memory_limit``; DuckDB spills what does not
fit to ``temp_directory``, a directory of its own under the system's temporary directory that DuckDB
removes when the connection is closed), one thread per core, and no promise to keep rows in insertion
order (the counting orders its result itself). The pipeline closes it as soon as the pairs are counted.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

MEMORY_SHARE = 4  # a quarter of the machine's memory by default


def memory_bytes() -> int | None:
    """The machine's physical memory in bytes (None where the system does not say)."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def default_memory_limit() -> str | None:
    """A quarter of the machine's memory, in MiB as DuckDB reads it (None: DuckDB's own default)."""
    total = memory_bytes()
    return f"{max(total // MEMORY_SHARE // 2**20, 256)}MiB" if total else None


def connect(memory_limit: str | None = None, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with the run's limits (``memory_limit`` like ``"5GB"``)."""
    import duckdb

    limit = memory_limit or default_memory_limit()
    config: dict[str, str | int | bool] = {
        "threads": threads or os.cpu_count() or 1,
        # a directory of its own that DuckDB creates only when it spills and removes when it closes
        "temp_directory": os.path.join(tempfile.gettempdir(), f"mesosafe-duckdb-{uuid.uuid4().hex[:12]}"),
        "preserve_insertion_order": False,
    }
    con = duckdb.connect(config={**config, **({"memory_limit": limit} if limit else {})})
    con.execute("SET enable_progress_bar = false")  # no bar on a terminal's stdout (the CSV may go there)
    return con
