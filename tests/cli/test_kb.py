import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from mesosafe.cli import cli
from mesosafe.knowledge import load
from mesosafe.knowledge.loader import DATA_DIR

runner = CliRunner()


def test_list_shows_every_entry() -> None:
    result = runner.invoke(cli, ["kb", "list"])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(load().entries)
    assert any(line.startswith("bruising\tEffect\tBruising") for line in lines)


def test_show_in_arabic() -> None:
    result = runner.invoke(cli, ["kb", "show", "bruising", "--lang", "ar"])
    assert result.exit_code == 0
    body = json.loads(result.stdout)
    assert body["name"] == "كدمات"
    assert body["sources"][0]["seed"] == "000_1def0f17e3fe44fa.txt"
    assert body["kb_version"] == load().version


def test_show_unknown_id_exits_2() -> None:
    result = runner.invoke(cli, ["kb", "show", "nope"])
    assert result.exit_code == 2
    assert "nope" in result.stderr


def test_check_reports_ok() -> None:
    result = runner.invoke(cli, ["kb", "check"])
    assert result.exit_code == 0
    assert result.stdout.startswith(f"ok: {len(load().effects)} effects")


def test_check_names_file_line_and_field_of_a_broken_copy(tmp_path: Path) -> None:
    copy = tmp_path / "kb"
    shutil.copytree(DATA_DIR, copy)
    path = copy / "effects.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("frequency: rare", "frequency: sometimes", 1))
    result = runner.invoke(cli, ["kb", "check", "--dir", str(copy)])
    assert result.exit_code == 1
    assert "effects.yaml:" in result.stderr
    assert ".frequency" in result.stderr


def test_check_names_a_file_that_is_not_utf8(tmp_path: Path) -> None:
    copy = tmp_path / "kb"
    shutil.copytree(DATA_DIR, copy)
    (copy / "faq.yaml").write_bytes((copy / "faq.yaml").read_bytes() + b"\xff\xfe")
    result = runner.invoke(cli, ["kb", "check", "--dir", str(copy)])
    assert result.exit_code == 1 and "faq.yaml: not UTF-8" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_of_a_missing_folder_exits_2_naming_the_option(tmp_path: Path) -> None:
    result = runner.invoke(cli, ["kb", "check", "--dir", str(tmp_path / "nowhere")])
    assert result.exit_code == 2
    assert "Invalid value for '--dir'" in result.stderr and "does not exist" in result.stderr
