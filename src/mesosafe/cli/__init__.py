"""The `mesosafe` command. Subcommands load lazily so `mesosafe triage` does not import Django or DuckDB, and
`mesosafe --help` lists them from HELP without importing any (tests/cli/test_main.py keeps HELP true)."""

from __future__ import annotations

import contextlib
import errno
import importlib
import os
import sys

import click

# name -> "module:attribute" of a click command
COMMANDS: dict[str, str] = {
    "kb": "mesosafe.cli.kb:kb",
    "triage": "mesosafe.cli.clinical:triage",
    "screen": "mesosafe.cli.clinical:screen",
    "aftercare": "mesosafe.cli.clinical:aftercare",
    "schema": "mesosafe.cli.clinical:schema",
    "signals": "mesosafe.cli.signals:signals",
    "signals-diff": "mesosafe.cli.signals:signals_diff",
    "registry": "mesosafe.cli.registry:registry",
    "serve": "mesosafe.cli.service:serve",
    "worker": "mesosafe.cli.service:worker",
    "demo": "mesosafe.cli.service:demo",
    "manage": "mesosafe.cli.service:manage",
    "export": "mesosafe.cli.export:export",
}


# name -> the command's short help, as `mesosafe --help` lists it
HELP: dict[str, str] = {
    "kb": "Browse and validate the clinical knowledge base.",
    "triage": "Triage a check-in: is this expected, or does it need the clinic, care today or an emergency?",
    "screen": (
        "Screen an intake before treatment: proceed, precautions, defer, clinician review or do not treat."
    ),
    "aftercare": "Build the timed aftercare plan and follow-up check-ins for a treatment.",
    "schema": "Print the JSON Schema of an input: checkin, intake or treatment.",
    "signals": (
        "Disproportionality signals (N, E, RR, PRR, ROR, IC, EBGM, EB05, EB95) for product × event pairs."
    ),
    "signals-diff": (
        "New signals and pairs that crossed a flag between two `mesosafe signals` tables (OLD, then NEW)."
    ),
    "registry": "Clinic, practitioner, product and batch safety over a treatment registry.",
    "serve": "Migrate, collect static files if needed, then serve with gunicorn.",
    "export": "Records that leave the clinic: FHIR R4 NDJSON, ICH E2B(R3) case reports.",
    "worker": "Run background tasks: check-in reminders and urgent-check-in notifications.",
    "demo": "Create two demo clinics with staff, products, patients, treatments and check-ins.",
    "manage": "Run a Django management command, e.g.",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The command list of --help, from HELP: importing every command would cost half a second."""
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))  # as click.Group does
        rows = [
            (name, click.Command(name, help=HELP.get(name, "")).get_short_help_str(limit)) for name in names
        ]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            return None  # command not built yet
        command: click.Command = getattr(module, attribute)
        return command


@click.group(cls=LazyGroup)
@click.version_option(package_name="mesosafe")
def cli() -> None:
    """mesosafe: screening, aftercare, triage, clinic records and registry signals for mesotherapy."""


# Output that cannot be written: a full disk, a reader gone (`| head`), a broken device
_UNWRITABLE = {errno.ENOSPC, errno.EPIPE, errno.EIO, errno.EDQUOT}


# Files and folders this process makes (the database and its WAL, reports, exports) are its user's alone:
# 0600 and 0700. Every process of the service (serve and its gunicorn, worker, demo, export) starts here.
PRIVATE_UMASK = 0o077


def main() -> None:
    os.umask(PRIVATE_UMASK)
    try:
        cli()
    except OSError as exc:
        if exc.errno not in _UNWRITABLE:
            raise
        _give_up_writing(exc)


def _give_up_writing(exc: OSError) -> None:
    """Say why once (stderr may be the one that failed; a reader that left, as `| head` does, needs no word)
    and exit 1, without the traceback and without Python failing again on the buffered output at exit."""
    with contextlib.suppress(OSError):
        if exc.errno != errno.EPIPE:
            sys.stderr.write(f"Error: cannot write the output: {exc.strerror}\n")
            sys.stderr.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            os.dup2(devnull, stream.fileno())
    sys.exit(1)
