import os
import stat
import subprocess
import sys
from pathlib import Path

import click
from click.testing import CliRunner

from mesosafe.cli import COMMANDS, HELP, cli


def test_help_lists_the_built_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("triage", "screen", "aftercare", "schema", "kb"):
        assert name in result.stdout


def test_every_mapped_command_resolves() -> None:
    context = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(context, name)
        assert command is not None, name


def test_triage_does_not_import_django_or_duckdb() -> None:
    code = (
        "import sys; from mesosafe.cli import cli; cli(['triage', '--help'], standalone_mode=False); "
        "print(sorted(m for m in ('django', 'duckdb', 'scipy', 'pyspark') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("[]")


def test_the_help_list_says_what_each_command_says() -> None:
    context = click.Context(cli)
    assert set(HELP) == set(COMMANDS)
    for name, short in HELP.items():
        command = cli.get_command(context, name)
        assert command is not None and command.get_short_help_str(limit=1000) == short, name


def test_help_imports_no_command() -> None:
    code = (
        "import sys; from mesosafe.cli import cli; cli(['--help'], standalone_mode=False); "
        "print(sorted(m for m in sys.modules if m.startswith('mesosafe.cli.') or m == 'django'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().endswith("[]")


def test_output_that_cannot_be_written_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    checkin = tmp_path / "checkin.json"
    checkin.write_text('{"days_since_treatment": 1}')
    with open("/dev/full", "w") as full:  # Linux: every write fails with "No space left on device"
        run = subprocess.run(
            [sys.executable, "-m", "mesosafe", "triage", str(checkin)],
            stdout=full, stderr=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
    assert run.returncode == 1
    assert run.stderr == "Error: cannot write the output: No space left on device\n"


def test_files_the_service_makes_are_its_users_alone(tmp_path: Path) -> None:
    """The SQLite database, the secret key and an export, made under a umask of 022 that would leave them
    readable by every local user."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "MESOSAFE_DATA_DIR")}
    for args in (["demo"], ["export", "fhir", "--clinic", "1", "--out", "exported"]):
        run = subprocess.run(
            [sys.executable, "-m", "mesosafe", *args],
            cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
            preexec_fn=lambda: os.umask(0o022),
        )  # fmt: skip
        assert run.returncode == 0, run.stderr
    made = [tmp_path / "data", tmp_path / "exported"]
    made += [path for folder in list(made) for path in folder.rglob("*")]
    assert tmp_path / "data" / "mesosafe.sqlite3" in made and tmp_path / "exported" / "Patient.ndjson" in made
    shared = {
        str(path): oct(stat.S_IMODE(path.stat().st_mode)) for path in made if path.stat().st_mode & 0o077
    }
    assert shared == {}
