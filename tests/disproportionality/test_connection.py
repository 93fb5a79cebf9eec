from __future__ import annotations

import os
from pathlib import Path

from mesosafe.disproportionality import connection


def _setting(con: object, name: str) -> object:
    return con.sql(f"SELECT current_setting('{name}')").fetchall()[0][0]  # type: ignore[attr-defined]


def test_a_quarter_of_the_memory_by_default() -> None:
    total = connection.memory_bytes()
    assert total is not None and total > 0
    limit = connection.default_memory_limit()
    assert limit == f"{max(total // 4 // 2**20, 256)}MiB"


def test_the_connection_has_the_run_limits_and_spills_to_its_own_directory() -> None:
    con = connection.connect()
    assert _setting(con, "threads") == (os.cpu_count() or 1)
    assert _setting(con, "preserve_insertion_order") is False
    spill = Path(str(_setting(con, "temp_directory")))
    assert spill.name.startswith("mesosafe-duckdb-") and not spill.exists()  # created only when spilling
    con.close()


def test_a_given_limit_wins() -> None:
    con = connection.connect("300MB", threads=1)
    assert _setting(con, "memory_limit") == "286.1 MiB"
    assert _setting(con, "threads") == 1
    con.close()
