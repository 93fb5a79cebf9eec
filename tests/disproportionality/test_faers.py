"""FAERS quarterly ASCII files (tests/data/faers: synthetic, in FDA's published layout) as input."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mesosafe.disproportionality import pipeline, sources
from mesosafe.disproportionality.columns import LongColumns
from mesosafe.disproportionality.faers import find_quarters
from mesosafe.disproportionality.settings import RunSettings
from mesosafe.lib.analysis_input import AnalysisInputError

FAERS = Path(__file__).resolve().parents[1] / "data" / "faers"

# The latest version of each case, its PS and SS drugs × its reactions, written out by hand from the files.
EXPECTED = {
    1001: (["LIPOSCULPT", "MESOGLOW"], ["Injection site pain", "Injection site nodule"]),  # v2 (24Q2)
    1002: (["MESOGLOW"], ["Injection site bruising"]),  # BRIGHTAMINE is I
    1003: (["LIPOSCULPT", "VITAMIN C SERUM"], ["Injection site nodule", "Injection site necrosis"]),
    1004: (["BRIGHTAMINE"], ["Skin hyperpigmentation"]),
    1005: (["MESOGLOW", "BRIGHTAMINE"], ["Injection site bruising", "Urticaria"]),  # v3 (24Q2)
    1006: (["LIPOSCULPT"], ["Injection site nodule"]),  # v2 of the same quarter; MESOGLOW is C
    1007: (["LIPOSCULPT"], ["Injection site nodule", "Injection site pain"]),
    1008: (["VITAMIN C SERUM", "HERBAL MESO MIX"], ["Urticaria"]),
    1009: (["BRIGHTAMINE", "LIPOSCULPT"], ["Skin hyperpigmentation", "Injection site nodule"]),
    1010: (["MESOGLOW"], ["Injection site swelling"]),
}


def faers_settings(**changes: Any) -> RunSettings:
    roles = changes.pop("roles", ("PS", "SS"))
    columns = changes.pop("columns", sources.default_columns("faers"))
    return RunSettings(columns=columns, input=sources.SourceSpec("faers", roles), **changes)


def expected_long(path: Path, extra: dict[int, tuple[list[str], list[str]]] | None = None) -> Path:
    rows = [
        (case, product, event)
        for case, (products, events) in {**EXPECTED, **(extra or {})}.items()
        for product in products
        for event in events
    ]
    pd.DataFrame(rows, columns=["id", "product", "event"]).to_csv(path, index=False)
    return path


def pairs(table: Any) -> pd.DataFrame:
    frame = table.to_pandas().sort_values(["product", "event"]).reset_index(drop=True)
    return frame[["product", "event", "n", "e", "n_product", "n_event", "n_total", "prr", "ror", "ic"]]


def test_two_quarters_count_the_latest_version_of_each_case_with_its_suspect_drugs(tmp_path: Path) -> None:
    result = pipeline.run(FAERS, faers_settings())
    long = pipeline.run(expected_long(tmp_path / "long.csv"), RunSettings())
    pd.testing.assert_frame_equal(pairs(result.table), pairs(long.table))
    assert result.table.column("n_total")[0].as_py() == 10  # ten cases, from thirteen case versions
    reading = result.record["input"]
    assert reading["format"] == "faers" and reading["drug_roles"] == ["PS", "SS"]
    assert reading["faers"]["quarters"] == ["24Q1", "24Q2"]
    assert (reading["faers"]["case_versions_read"], reading["faers"]["cases_kept"]) == (13, 10)
    assert [f["name"] for f in reading["files"]][:3] == ["DEMO24Q1.txt", "DRUG24Q1.txt", "REAC24Q1.txt"]
    assert all(len(f["sha256"]) == 64 for f in reading["files"])


def test_an_older_version_says_nothing() -> None:
    table = pipeline.run(FAERS, faers_settings()).table.to_pandas()
    # case 1001's first version named VITAMIN C SERUM as concomitant; 1005's first had no urticaria
    mesoglow_bruising = table[
        (table["product"] == "mesoglow") & (table["event"] == "injection site bruising")
    ]
    assert int(mesoglow_bruising["n"].iloc[0]) == 2  # cases 1002 and 1005, once each


def test_drug_roles_choose_the_drugs(tmp_path: Path) -> None:
    result = pipeline.run(FAERS, faers_settings(roles=("PS", "SS", "C", "I")))
    extra = {
        1002: (["MESOGLOW", "BRIGHTAMINE"], ["Injection site bruising"]),
        1006: (["LIPOSCULPT", "MESOGLOW"], ["Injection site nodule"]),
    }
    long = pipeline.run(expected_long(tmp_path / "long.csv", extra), RunSettings())
    pd.testing.assert_frame_equal(pairs(result.table), pairs(long.table))
    primary = pipeline.run(FAERS, faers_settings(roles=("PS",))).table.to_pandas()
    assert "herbal meso mix" not in set(primary["product"])  # only ever SS
    with pytest.raises(AnalysisInputError, match=r"--drug-roles: 'X' is not a FAERS role_cod"):
        pipeline.run(FAERS, faers_settings(roles=("PS", "X")))


def test_prod_ai_names_active_ingredients_and_an_unmapped_name_is_counted_not_an_error() -> None:
    columns = sources.default_columns("faers", product="prod_ai")
    result = pipeline.run(FAERS, faers_settings(columns=columns))
    assert "hyaluronic acid" in set(result.table.column("product").to_pylist())
    assert result.record["input"]["faers"]["drug_rows_without_product"] == 1  # HERBAL MESO MIX
    assert result.record["input"]["product"] == "DRUG prod_ai"


def test_demo_columns_give_strata_and_the_date_of_each_quarter() -> None:
    columns = sources.default_columns("faers", strata=("sex",), date="init_fda_dt")
    result = pipeline.run(FAERS, faers_settings(columns=columns, period="quarter"))
    assert sorted(set(result.table.column("period").to_pylist())) == ["2024Q1", "2024Q2"]
    first = result.table.to_pandas().query("period == '2024Q1'")
    assert int(first["n_total"].iloc[0]) == 6  # the six cases FDA first had by 31 March 2024
    assert result.record["strata"] == ["sex"] and result.record["columns"]["date"] == "init_fda_dt"
    # dated by their latest version (fda_dt), cases 1001 and 1005 belong to 2024Q2
    columns = sources.default_columns("faers", date="fda_dt")
    by_version = pipeline.run(FAERS, faers_settings(columns=columns, period="quarter")).table.to_pandas()
    assert int(by_version.query("period == '2024Q1'")["n_total"].iloc[0]) == 4


def copy_fixture(tmp_path: Path) -> Path:
    folder = tmp_path / "faers"
    shutil.copytree(FAERS, folder)
    return folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_bad_role_code_names_the_file_line_and_field(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    edit(folder / "DRUG24Q2.txt", "10071$1007$1$PS$", "10071$1007$1$P$")
    with pytest.raises(
        AnalysisInputError, match=r"DRUG24Q2.txt' line 4, field 'role_cod': 'P' is not one of"
    ):
        pipeline.run(folder, faers_settings())


def test_a_blank_event_and_a_ragged_line_are_named(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    edit(folder / "REAC24Q2.txt", "10081$1008$Urticaria$", "10081$1008$ $")
    with pytest.raises(
        AnalysisInputError, match=r"REAC24Q2.txt' line 6, field 'pt' is blank \(primaryid 10081\)"
    ):
        pipeline.run(folder, faers_settings())
    folder = copy_fixture(tmp_path / "again")
    edit(folder / "REAC24Q1.txt", "10041$1004$Skin hyperpigmentation$", "10041$1004$Skin$hyper$")
    with pytest.raises(AnalysisInputError, match=r"REAC24Q1.txt' line 6 has 5 fields separated by '\$'"):
        pipeline.run(folder, faers_settings())


def test_a_control_character_names_the_file_line_and_field(tmp_path: Path) -> None:
    """A NUL in a drug name was counted as a product of its own and written to the output as it was."""
    folder = copy_fixture(tmp_path)
    edit(folder / "DRUG24Q1.txt", "10041$1004$1$PS$B", "10041$1004$1$PS$B\x00")
    with pytest.raises(
        AnalysisInputError,
        match=re.escape("DRUG24Q1.txt' line 8, field 'drugname' has a control character (U+0000); "),
    ):
        pipeline.run(folder, faers_settings())
    folder = copy_fixture(tmp_path / "again")
    edit(folder / "REAC24Q2.txt", "10081$1008$Urticaria$", "10081$1008$Urticaria\x1b$")
    with pytest.raises(
        AnalysisInputError, match=re.escape("line 6, field 'pt' has a control character (U+001B)")
    ):
        pipeline.run(folder, faers_settings())


def test_a_missing_file_column_or_whole_number_is_named(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    (folder / "REAC24Q2.txt").unlink()
    with pytest.raises(AnalysisInputError, match=r"FAERS quarter 24Q2 has no REAC24Q2.txt"):
        pipeline.run(folder, faers_settings())
    folder = copy_fixture(tmp_path / "b")
    edit(folder / "DEMO24Q1.txt", "10031$1003$1$", "10031$1003$one$")
    with pytest.raises(
        AnalysisInputError, match=r"DEMO24Q1.txt' line 4, field 'caseversion': 'one' is not a whole"
    ):
        pipeline.run(folder, faers_settings())
    with pytest.raises(AnalysisInputError, match=r"DRUG24Q1.txt' has no column 'brand'"):
        pipeline.run(FAERS, faers_settings(columns=LongColumns("id", "brand", "pt")))


def test_one_quarter_from_any_of_its_files_with_windows_line_ends_and_latin_1(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    for file in folder.iterdir():
        file.write_bytes(file.read_bytes().replace(b"\n", b"\r\n"))
    edit_bytes = (folder / "DRUG24Q1.txt").read_bytes().replace(b"BRIGHTAMINE", b"BRIGHTAMIN\xc9")
    (folder / "DRUG24Q1.txt").write_bytes(edit_bytes)
    (quarter,) = find_quarters([folder / "DRUG24Q1.txt"])
    assert quarter.label == "24Q1" and set(quarter.files) == {"DEMO", "DRUG", "REAC"}
    result = pipeline.run(folder / "DEMO24Q1.txt", faers_settings(names="as-written"))
    assert "BRIGHTAMINÉ" in set(result.table.column("product").to_pylist())
    assert "Injection site pain" in set(result.table.column("event").to_pylist())  # no '\r' left
    assert result.record["input"]["faers"]["encodings"]["DRUG24Q1.txt"] == "latin-1"


def test_cases_in_a_delete_file_are_left_out(tmp_path: Path) -> None:
    """FDA's quarterly zip lists deleted caseids in Deleted/DELETEyyQq.txt, one a line: they say nothing."""
    folder = copy_fixture(tmp_path)
    (folder / "Deleted").mkdir()
    (folder / "Deleted" / "DELETE24Q2.txt").write_text("1003\n9999999\n\n")  # 9999999: in no quarter
    result = pipeline.run(folder, faers_settings())
    kept = {case: rows for case, rows in EXPECTED.items() if case != 1003}
    expected = pipeline.run(_long_of(tmp_path / "kept.csv", kept), RunSettings())
    pd.testing.assert_frame_equal(pairs(result.table), pairs(expected.table))
    assert result.table.column("n_total")[0].as_py() == 9
    reading = result.record["input"]["faers"]
    assert reading["deletion_files"] == ["DELETE24Q2.txt"] and reading["deleted_cases_dropped"] == 1
    assert reading["cases_kept"] == 9
    assert "DELETE24Q2.txt" in [f["name"] for f in result.record["input"]["files"]]


def test_a_delete_file_given_by_name_with_a_header_and_a_bad_line(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    (folder / "DELETE24Q1.txt").write_text("caseid\n1003\n")
    result = pipeline.run([folder / "DEMO24Q1.txt", folder / "DELETE24Q1.txt"], faers_settings())
    assert result.record["input"]["faers"]["deleted_cases_dropped"] == 1
    (folder / "DELETE24Q1.txt").write_text("1003\ncase 7\n")
    with pytest.raises(AnalysisInputError, match=r"DELETE24Q1.txt' line 2: 'case 7' is not a caseid"):
        pipeline.run(folder, faers_settings())


def _long_of(path: Path, cases: dict[int, tuple[list[str], list[str]]]) -> Path:
    rows = [(c, p, e) for c, (products, events) in cases.items() for p in products for e in events]
    pd.DataFrame(rows, columns=["id", "product", "event"]).to_csv(path, index=False)
    return path


def test_detection_by_file_name() -> None:
    assert sources.detect(FAERS) == "faers"
    assert sources.detect([FAERS / "REAC24Q1.txt"]) == "faers"


@pytest.mark.spark
def test_the_spark_engine_counts_the_same(spark: Any) -> None:
    duck = pipeline.run(FAERS, faers_settings())
    with pipeline.long_input(FAERS, faers_settings(engine="spark"), pipeline.Stages()) as (source, settings):
        counts = pipeline.counter(source.path, settings, spark=spark)[1](None)
    assert counts.n.tolist() == duck.table.column("n").to_pylist()
    assert counts.e.tolist() == duck.table.column("e").to_pylist()


BOM = b"\xef\xbb\xbf"


def test_files_saved_with_a_byte_order_mark_read_as_without(tmp_path: Path) -> None:
    """FAERS files re-saved on Windows often begin with a UTF-8 BOM; one at the very start is skipped."""
    folder = copy_fixture(tmp_path)
    (folder / "DELETE24Q2.txt").write_bytes(BOM + b"1003\n")  # the caseid on line 1 still counts
    for file in folder.glob("*.txt"):
        file.write_bytes(BOM + file.read_bytes().removeprefix(BOM))
    result = pipeline.run(folder, faers_settings())
    kept = {case: rows for case, rows in EXPECTED.items() if case != 1003}
    expected = pipeline.run(_long_of(tmp_path / "kept.csv", kept), RunSettings())
    pd.testing.assert_frame_equal(pairs(result.table), pairs(expected.table))
    assert result.record["input"]["faers"]["deleted_cases_dropped"] == 1


def test_a_byte_order_mark_after_the_start_is_still_an_error(tmp_path: Path) -> None:
    folder = copy_fixture(tmp_path)
    demo = folder / "DEMO24Q1.txt"
    demo.write_bytes(demo.read_bytes().replace(b"\n10011$", b"\n" + BOM + b"10011$", 1))
    with pytest.raises(AnalysisInputError, match=r"DEMO24Q1.txt' line 2, field 'primaryid': '\\ufeff10011'"):
        pipeline.run(folder, faers_settings())
    folder = copy_fixture(tmp_path / "delete")
    (folder / "DELETE24Q2.txt").write_bytes(b"1002\n" + BOM + b"1003\n")
    with pytest.raises(AnalysisInputError, match=r"DELETE24Q2.txt' line 2: .* is not a caseid"):
        pipeline.run(folder, faers_settings())


@pytest.mark.parametrize("day", ["16000101", "22620101"])
def test_a_report_date_outside_1678_2261_names_the_file_line_and_field(tmp_path: Path, day: str) -> None:
    folder = copy_fixture(tmp_path)
    edit(folder / "DEMO24Q1.txt", "$20240115$20240115$DIR$", f"${day}$20240115$DIR$")  # case 1002
    columns = sources.default_columns("faers", date="init_fda_dt")
    with pytest.raises(
        AnalysisInputError,
        match=rf"DEMO24Q1.txt' line 3, field 'init_fda_dt' \(--date\): '{day}' is not a date \(YYYYMMDD\) "
        r"in the years 1678–2261",
    ):
        pipeline.run(folder, faers_settings(columns=columns, period="quarter"))
