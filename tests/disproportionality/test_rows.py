from __future__ import annotations

import gzip
from pathlib import Path

import duckdb
import pandas as pd

from mesosafe.disproportionality.rows import Origin, first_row, source_rows


def test_a_csv_is_scanned_in_order_with_empty_fields_missing(tmp_path: Path) -> None:
    path = tmp_path / "in.csv.gz"
    with gzip.open(path, "wt") as handle:
        handle.write('id,product\n1,a\n2,\n3,"b, c"\n')
    rows = list(source_rows(Origin(path=path), ["id", "product"]))
    assert rows == [{"id": "1", "product": "a"}, {"id": "2", "product": None}, {"id": "3", "product": "b, c"}]
    assert first_row(Origin(path=path), ["id", "product"], lambda r: r["product"] is None) == (
        2,
        {"id": "2", "product": None},
    )


def test_parquet_frames_and_relations_are_scanned_in_order(tmp_path: Path) -> None:
    frame = pd.DataFrame({"id": [5, 6, 7], "product": ["a", "b", "c"]})
    path = tmp_path / "in.parquet"
    frame.to_parquet(path)
    relation = duckdb.connect().from_df(frame)
    for origin in (Origin(path=path), Origin(frame=frame), Origin(relation=relation)):
        assert first_row(origin, ["id", "product"], lambda r: r["product"] == "b") == (
            2,
            {"id": 6, "product": "b"},
        )
        assert first_row(origin, ["id"], lambda r: False) is None
