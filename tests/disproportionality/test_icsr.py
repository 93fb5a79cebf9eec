"""E2B(R3) ICSR XML as input, read through mesosafe.e2b (tests/data/e2b/icsr_batch.xml: synthetic)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from mesosafe.cli import cli
from mesosafe.disproportionality import pipeline, sources
from mesosafe.disproportionality.icsr import IcsrFields, long_rows
from mesosafe.disproportionality.settings import RunSettings
from mesosafe.e2b import Case, read, write_batch
from mesosafe.e2b.rules import check
from mesosafe.lib.analysis_input import AnalysisInputError
from tests.disproportionality.icsr_cases import BATCH, CASES, HEADER, reaction
from tests.e2b.conftest import HEADER as E2B_HEADER
from tests.e2b.conftest import make_case
from tests.e2b.mutations import MUTATIONS, Mutation

# The latest C.1.5 of each C.1.1, its suspect products × its reactions' codes, by hand from icsr_cases.py.
EXPECTED = {
    "SYN-0001": (["LIPOSCULPT", "MESOGLOW"], ["99000001", "99000002"]),  # 2026-02-01, first in the file
    "SYN-0002": (["MESOGLOW"], ["99000003"]),  # BRIGHTAMINE is interacting
    "SYN-0003": (["LIPOSCULPT"], ["99000005"]),  # 2026-03-15; MESOGLOW is concomitant
    "SYN-0004": (["BRIGHTAMINE", "LIPOSCULPT"], ["99000004", "99000002"]),
    "SYN-0005": (["VITAMIN C SERUM"], ["99000004", "99000001"]),
}


def e2b_settings(**changes: Any) -> RunSettings:
    roles = changes.pop("roles", ("PS", "SS"))
    columns = changes.pop("columns", sources.default_columns("e2b"))
    return RunSettings(columns=columns, input=sources.SourceSpec("e2b", roles), **changes)


def pairs(table: Any) -> pd.DataFrame:
    frame = table.to_pandas().sort_values(["product", "event"]).reset_index(drop=True)
    return frame[["product", "event", "n", "e", "n_product", "n_event", "n_total", "prr", "ror", "ic"]]


def test_the_fixture_is_what_the_one_e2b_model_writes_and_reads_back() -> None:
    xml = BATCH.read_bytes()
    assert xml == write_batch(CASES, HEADER)
    assert read(xml) == CASES
    assert check(xml) == []  # the implementation guide's rules (mesosafe.e2b.rules)


def test_the_latest_version_of_each_case_its_suspect_products_and_meddra_codes(tmp_path: Path) -> None:
    result = pipeline.run(BATCH, e2b_settings())
    rows = [(case, p, e) for case, (ps, es) in EXPECTED.items() for p in ps for e in es]
    long = tmp_path / "long.csv"
    pd.DataFrame(rows, columns=["id", "product", "event"]).to_csv(long, index=False)
    pd.testing.assert_frame_equal(pairs(result.table), pairs(pipeline.run(long, RunSettings()).table))
    reading = result.record["input"]
    assert reading["format"] == "e2b" and reading["event"] == "E.i.2.1b MedDRA code"
    assert reading["e2b"] == {
        "files": 1,
        "case_versions_read": 7,
        "cases_kept": 5,
        "older_versions_dropped": 2,
        "cases_without_a_chosen_product": 0,
    }
    assert reading["files"][0]["name"] == "icsr_batch.xml" and len(reading["files"][0]["sha256"]) == 64


def test_roles_reported_terms_and_the_date() -> None:
    fields = IcsrFields(event="reported_term", date="most_recent", roles=("PS", "SS", "C", "I"))
    table = long_rows([BATCH], fields).to_pandas()
    assert set(table.query("report_id == 'SYN-0003'")["product"]) == {"LIPOSCULPT", "MESOGLOW"}
    assert set(table.query("report_id == 'SYN-0002'")["product"]) == {"MESOGLOW", "BRIGHTAMINE"}
    assert set(table["event"]) == {"Injection site pain", "Injection site nodule", "Injection site bruising",
                                   "Hives", "Lump where injected"}  # fmt: skip
    assert set(table.query("report_id == 'SYN-0001'")["report_date"]) == {date(2026, 2, 1)}
    concomitant = long_rows([BATCH], IcsrFields(roles=("C",))).to_pandas()
    assert list(concomitant["report_id"]) == ["SYN-0003"]


def test_several_files_are_one_set_of_cases(tmp_path: Path) -> None:
    (tmp_path / "a.xml").write_bytes(write_batch(CASES[:3], HEADER))
    (tmp_path / "b.xml").write_bytes(write_batch(CASES[3:], HEADER))
    whole = pairs(pipeline.run(BATCH, e2b_settings()).table)
    assert sources.detect(tmp_path) == "e2b"
    pd.testing.assert_frame_equal(pairs(pipeline.run(tmp_path, e2b_settings()).table), whole)
    split = [tmp_path / "b.xml", tmp_path / "a.xml"]
    pd.testing.assert_frame_equal(pairs(pipeline.run(split, e2b_settings()).table), whole)


def test_an_uncoded_reaction_of_a_kept_version_names_the_file_case_and_reaction(tmp_path: Path) -> None:
    latest = replace(CASES[0], reactions=(reaction(1, ("Injection site pain", "")), CASES[0].reactions[1]))
    path = tmp_path / "uncoded.xml"
    path.write_bytes(write_batch([latest, *CASES[1:]], HEADER))
    with pytest.raises(
        AnalysisInputError,
        match=r"uncoded.xml', case C.1.1 SYN-0001 \(C.1.5 2026-02-01\), reaction 1: E.i.2.1b .* "
        r"use --event reported_term",
    ):
        pipeline.run(path, e2b_settings())


def test_a_file_that_is_not_an_icsr_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_text("<MCCI_IN200100UV01><PORR_IN049016UV>")
    with pytest.raises(AnalysisInputError, match=r"broken.xml': \(file\): not well-formed XML"):
        pipeline.run(path, e2b_settings())
    with pytest.raises(AnalysisInputError, match=r"--event 'pt' is not an E2B field"):
        pipeline.run(BATCH, e2b_settings(columns=sources.default_columns("e2b", event="pt")))


@pytest.mark.parametrize(("field", "element"), [("most_recent", "C.1.5"), ("first_received", "C.1.4")])
def test_a_date_outside_1678_2261_names_the_file_and_case(tmp_path: Path, field: str, element: str) -> None:
    old = replace(CASES[5], most_recent=date(1600, 1, 1), first_received=date(1600, 1, 1))  # SYN-0004
    path = tmp_path / "old.xml"
    path.write_bytes(write_batch([*CASES[:5], old, *CASES[6:]], HEADER))
    columns = sources.default_columns("e2b", date=field)
    message = (
        f"'{path}', case C.1.1 SYN-0004 (C.1.5 1600-01-01): {element} (--date {field}) is 1600-01-01, "
        "which is outside the years 1678–2261"
    )
    with pytest.raises(AnalysisInputError, match=re.escape(message)):
        pipeline.run(path, e2b_settings(columns=columns, period="quarter"))
    pipeline.run(path, e2b_settings())  # a date the run does not read is not checked


@pytest.mark.parametrize("mutation", MUTATIONS, ids=lambda m: m.name)
def test_signals_refuses_a_value_it_would_have_to_guess(tmp_path: Path, mutation: Mutation) -> None:
    """A drug role 7 was counted as a suspect product, 30 February read as no date: now exit 2, named."""
    path = tmp_path / "mutated.xml"
    path.write_text(mutation.apply(write_batch([make_case()], E2B_HEADER).decode()))
    result = CliRunner().invoke(cli, ["signals", str(path), "--event", "reported_term", "--quiet"])
    assert result.exit_code == 2, result.output
    assert f"'{path}'" in result.stderr and "C.1.1 AE-MESOSAFE-1-17" in result.stderr
    assert f"{mutation.element} (" in result.stderr and "Traceback" not in result.stderr


def test_the_unmutated_file_is_counted(tmp_path: Path) -> None:
    path = tmp_path / "clean.xml"
    path.write_bytes(write_batch([make_case()], E2B_HEADER))
    result = CliRunner().invoke(cli, ["signals", str(path), "--event", "reported_term", "--quiet"])
    assert result.exit_code == 0, result.stderr


def _same_day_versions() -> tuple[Case, Case]:
    morning = datetime(2026, 2, 1, 9, 0, 5, tzinfo=UTC)
    old = replace(CASES[0], most_recent_at=morning, created=morning)
    later = morning + timedelta(seconds=7)
    return old, replace(old, most_recent_at=later, created=later, drugs=CASES[0].drugs[:1])


def test_of_two_versions_the_same_day_the_later_is_counted_in_either_file_order(tmp_path: Path) -> None:
    old, new = _same_day_versions()
    (tmp_path / "new.xml").write_bytes(write_batch([new], HEADER))
    (tmp_path / "old.xml").write_bytes(write_batch([old], HEADER))
    for order in (["new.xml", "old.xml"], ["old.xml", "new.xml"]):
        table = long_rows([tmp_path / name for name in order], IcsrFields()).to_pandas()
        assert set(table["product"]) == {"LIPOSCULPT"}, order


def test_two_versions_that_cannot_be_ordered_name_the_files_and_the_case(tmp_path: Path) -> None:
    old, new = _same_day_versions()
    (tmp_path / "a.xml").write_bytes(write_batch([old], HEADER))
    (tmp_path / "b.xml").write_bytes(
        write_batch([replace(new, most_recent_at=old.most_recent_at, created=old.created)], HEADER)
    )
    with pytest.raises(
        AnalysisInputError, match=r"a.xml', '.*b.xml': C.1.1 SYN-0001: two different versions"
    ):
        long_rows([tmp_path / "a.xml", tmp_path / "b.xml"], IcsrFields())


@pytest.mark.parametrize(
    ("old", "new", "event", "where"),
    [
        ("<name>LIPOSCULPT</name>", "<name>LIPO&#x85;SCULPT</name>", None, "drug 1: G.k.2.2 (product name)"),
        (
            '<originalText language="eng">Injection site pain</originalText>',
            '<originalText language="eng">Injection site pain&#x7f;</originalText>',
            "reported_term",
            "reaction 1: E.i.1.1a (reported term)",
        ),
    ],
)
def test_a_control_character_names_the_file_case_and_element(
    tmp_path: Path, old: str, new: str, event: str | None, where: str
) -> None:
    """XML 1.0 carries DEL, C1 and noncharacters: they reached the long file, and its error named a
    temporary Parquet file."""
    path = tmp_path / "batch.xml"
    path.write_text(BATCH.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    settings = e2b_settings(columns=sources.default_columns("e2b", event=event))
    with pytest.raises(AnalysisInputError, match=r"batch.xml', case C.1.1 SYN-0001 ") as refused:
        pipeline.run(path, settings)
    assert f"{where} has a control character" in str(refused.value)
