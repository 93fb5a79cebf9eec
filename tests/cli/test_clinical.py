"""The CLI contract: JSON in, JSON out; bad input gives exit code 2 and one message naming the field."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from mesosafe.cli import cli

runner = CliRunner()


def run(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_triage_json_contract() -> None:
    lump = {"code": "lump", "severity": "mild", "trend": "worse"}
    code, out, _ = run("triage", "-", stdin=json.dumps({"days_since_treatment": 21, "symptoms": [lump]}))
    assert code == 0
    body = json.loads(out)
    assert body["disposition"] == "urgent"
    assert body["next_session_ok"] is False
    assert body["kb_version"].startswith("kb-")
    assert body["reasons"][0]["rule"] == "late_lump_growing"


@pytest.mark.parametrize(
    ("checkin", "field"),
    [
        (
            {"days_since_treatment": 21, "symptoms": [{"code": "lump", "trend": "same"}]},
            "symptoms[0].severity",
        ),
        (
            {"days_since_treatment": 2, "symptoms": [{"code": "pain", "severity": "mild"}]},
            "symptoms[0].trend",
        ),
        (
            {
                "days_since_treatment": 1,
                "symptoms": [{"code": "fever"}, {"code": "redness", "severity": "mild", "trend": "same"}],
            },
            "symptoms[1].spreading",
        ),
    ],
)
def test_a_missing_follow_up_answer_exits_2_naming_the_field(checkin: dict[str, object], field: str) -> None:
    code, out, err = run("triage", "-", stdin=json.dumps(checkin))
    assert code == 2
    assert out == ""
    assert err.startswith(f"Error: {field}")


def test_an_emergency_needs_no_follow_up_answer_for_the_other_symptoms() -> None:
    checkin = {"days_since_treatment": 2, "symptoms": [{"code": "chest_pain"}, {"code": "bruising"}]}
    code, out, _ = run("triage", "-", stdin=json.dumps(checkin))
    assert code == 0
    assert json.loads(out)["disposition"] == "emergency"


def test_answers_that_are_not_asked_are_ignored() -> None:
    # fever asks nothing; on day 0 "since yesterday" is not asked; pale skin asks nothing
    checkin = {
        "days_since_treatment": 0.2,
        "symptoms": [
            {"code": "fever", "severity": "mild", "trend": "improving", "spreading": False},
            {"code": "pain", "severity": "mild", "trend": "worse"},
        ],
    }
    code, out, _ = run("triage", "-", stdin=json.dumps(checkin))
    assert code == 0
    body = json.loads(out)
    assert body["disposition"] == "urgent"
    assert "course.worsening" not in {r["rule"] for r in body["reasons"]}  # day 0: the trend was not asked


def test_the_checkin_schema_documents_the_follow_up_questions() -> None:
    code, out, _ = run("schema", "checkin")
    assert code == 0
    report = json.loads(out)["$defs"]["SymptomReport"]
    assert report["x-asks"]["vision_change"] == []
    assert report["x-asks"]["redness"] == ["severity", "trend", "spreading"]
    assert "spreading" not in report["x-asks"]["fever"] + report["x-asks"]["numbness"]
    assert report["x-trend-from-day"] == 1
    assert all("default" not in report["properties"][q] for q in ("severity", "trend", "spreading"))


def test_triage_from_a_file_in_arabic_text(tmp_path: Path) -> None:
    path = tmp_path / "checkin.json"
    path.write_text('{"days_since_treatment": 0, "symptoms": [{"code": "breathing_difficulty"}]}')
    code, out, _ = run("triage", str(path), "--format", "text", "--lang", "ar")
    assert code == 0
    assert "يجب الاتصال بالإسعاف" in out


def test_screen_contract() -> None:
    intake = {
        "age": 30,
        "medications": [{"name": "ibuprofen", "last_taken_days_ago": 1, "prescribed": False}],
    }
    code, out, _ = run("screen", "-", stdin=json.dumps(intake))
    assert code == 0
    body = json.loads(out)
    assert body["decision"] == "defer"
    assert body["defer_days"] == 2
    assert set(body) >= {"decision", "defer_days", "reasons", "kb_version"}


def test_screen_text_view() -> None:
    code, out, _ = run("screen", "-", "--format", "text", stdin='{"age": 30, "pregnant": true}')
    assert code == 0
    assert "do_not_treat" in out


def test_aftercare_json_and_ics(tmp_path: Path) -> None:
    ics = tmp_path / "plan.ics"
    treatment = '{"treated_at": "2026-05-01T15:00:00+04:00", "areas": ["face"]}'
    code, out, _ = run("aftercare", "-", "--ics", str(ics), "--lang", "ar", stdin=treatment)
    assert code == 0
    body = json.loads(out)
    assert {"code", "title", "text", "starts_at", "ends_at"} <= set(body["items"][0])
    assert body["items"][0]["starts_at"] == "2026-05-01T15:00:00+04:00"
    assert body["items"][0]["title"]["ar"]
    assert len(body["checkins"]) == 7
    assert len(Calendar.from_ical(ics.read_bytes()).walk("VEVENT")) == len(body["items"]) + 7


def test_aftercare_text_view() -> None:
    code, out, _ = run("aftercare", "-", "--format", "text", stdin='{"treated_at": "2026-05-01T15:00:00Z"}')
    assert code == 0
    assert "Cold compress" in out


@pytest.mark.parametrize(
    ("command", "stdin", "named"),
    [
        ("triage", "not json", "not valid JSON"),
        ("triage", "", "empty input"),
        ("triage", '{"days_since_treatment": -2}', "days_since_treatment"),
        ("triage", '{"days_since_treatment": 2, "symptoms": [{"code": "blister"}]}', "symptoms[0].code"),
        ("triage", '{"symptoms": []}', "days_since_treatment"),
        (
            "triage",
            '{"days_since_treatment": 1, "symptoms": [{"code": "pain", "severity": 3}]}',
            "symptoms[0].severity",
        ),
        ("screen", '{"age": "thirty"}', "age"),
        ("screen", '{"age": 30, "medications": [{"name": "aspirin"}]}', "medications[0].last_taken_days_ago"),
        ("aftercare", '{"treated_at": "yesterday"}', "treated_at"),
        ("aftercare", '{"treated_at": "2026-05-01T15:00:00"}', "treated_at"),
        ("aftercare", '{"treated_at": "9999-12-31T23:00:00+00:00"}', "treated_at"),
        (
            "aftercare",
            '{"treated_at": "0001-01-01T00:30:00+00:00", "time_zone": "America/New_York"}',
            "treated_at",
        ),
        ("aftercare", '{"treated_at": "2026-05-01T15:00:00+04:00", "time_zone": "Europe"}', "time_zone"),
        (
            "aftercare",
            '{"treated_at": "2026-05-01T15:00:00+04:00", "time_zone": "' + "x" * 300 + '"}',
            "time_zone",
        ),
        ("triage", "[" * 1000 + "]" * 1000, "nested too deeply"),
        (
            "triage",
            '{"days_since_treatment": ' + "9" * 5000 + "}",
            "input: days_since_treatment is a number with more than 4300 digits: no answer needs that many",
        ),
        ("screen", '{"age": ' + "9" * 5001 + "}", "input: age is a number with more than 4300 digits"),
        ("triage", "null", "Error: (body): must be a JSON object"),
        (
            "triage",
            '{"days_since_treatment": 1, "symptoms": [5]}',
            "Error: symptoms[0]: must be a JSON object",
        ),
    ],
)
def test_bad_input_exits_2_naming_the_field(command: str, stdin: str, named: str) -> None:
    code, out, err = run(command, "-", stdin=stdin)
    assert code == 2
    assert named in err
    assert "Traceback" not in err + out and "sys." not in err and "instance of" not in err  # a person's words
    assert out == ""


def test_a_missing_file_exits_2() -> None:
    code, _, err = run("triage", "/no/such/file.json")
    assert code == 2
    assert "No such file" in err


def test_an_unwritable_ics_path_exits_2(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "plan.ics"
    code, _, err = run("aftercare", "-", "--ics", str(target), stdin='{"treated_at": "2026-05-01T15:00:00Z"}')
    assert code == 2
    assert "--ics" in err


@pytest.mark.parametrize("name", ["checkin", "intake", "treatment"])
def test_schema_prints_json_schema(name: str) -> None:
    code, out, _ = run("schema", name)
    assert code == 0
    schema = json.loads(out)
    assert schema["type"] == "object"
    if name == "checkin":
        assert "lump" in schema["$defs"]["SymptomReport"]["properties"]["code"]["enum"]


def test_the_real_console_script_exits_2_without_a_traceback() -> None:
    process = subprocess.run(
        [sys.executable, "-m", "mesosafe", "triage", "-"],
        input='{"days_since_treatment": "soon"}',
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == 2
    assert process.stderr.startswith("Error: days_since_treatment")
    assert "Traceback" not in process.stderr


def test_triage_takes_the_patients_own_words_for_something_else(tmp_path: Path) -> None:
    file = tmp_path / "checkin.json"
    something = {"code": "something_else", "severity": "severe", "description": "تساقط الشعر"}
    file.write_text(json.dumps({"days_since_treatment": 4, "symptoms": [something]}), encoding="utf-8")
    code, out, _ = run("triage", str(file))
    assert code == 0
    body = json.loads(out)
    assert body["disposition"] == "urgent"
    assert [r["rule"] for r in body["reasons"]] == ["something_else.severe"]


@pytest.mark.parametrize(
    "symptom",
    [
        {"code": "pain", "severity": "mild", "trend": "same", "description": "sore"},
        {"code": "something_else", "severity": "mild", "description": "x" * 201},
        {"code": "something_else", "severity": "mild", "description": "   "},
        {"code": "something_else", "severity": "mild", "description": "\x1b[2J"},
    ],
)
def test_a_description_that_cannot_be_taken_exits_2_naming_it(symptom: dict[str, object]) -> None:
    code, out, err = run("triage", "-", stdin=json.dumps({"days_since_treatment": 4, "symptoms": [symptom]}))
    assert code == 2 and out == ""
    assert err.startswith("Error: symptoms[0].description: ")
    assert "\x1b" not in err


def test_the_checkin_schema_says_which_codes_take_a_description() -> None:
    code, out, _ = run("schema", "checkin")
    report = json.loads(out)["$defs"]["SymptomReport"]
    assert code == 0 and report["x-describe"] == ["something_else"]
    assert report["properties"]["description"]["anyOf"][0]["maxLength"] == 200


def test_a_symptom_listed_twice_exits_2_naming_it(tmp_path: Path) -> None:
    file = tmp_path / "checkin.json"
    pain = {"code": "pain", "severity": "mild", "trend": "same"}
    file.write_text(json.dumps({"days_since_treatment": 2, "symptoms": [pain, pain]}), encoding="utf-8")
    code, out, err = run("triage", str(file))
    assert code == 2 and out == ""
    assert err == "Error: symptoms[1].code: 'pain' is listed twice; give each symptom once\n"
