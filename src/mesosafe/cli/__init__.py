"""The `mesosafe` command. Subcommands load lazily so `mesosafe triage` does not import Django or DuckDB."""

from __future__ import annotations

import importlib

import click

# name -> "module:attribute" of a click command
COMMANDS: dict[str, str] = {
    "kb": "mesosafe.cli.kb:kb",
    "triage": "mesosafe.cli.clinical:triage",
    "screen": "mesosafe.cli.clinical:screen",
    "aftercare": "mesosafe.cli.clinical:aftercare",
    "schema": "mesosafe.cli.clinical:schema",
    "signals": "mesosafe.cli.signals:signals",
    "registry": "mesosafe.cli.signals:registry",
    "serve": "mesosafe.cli.service:serve",
    "worker": "mesosafe.cli.service:worker",
    "demo": "mesosafe.cli.service:demo",
    "manage": "mesosafe.cli.service:manage",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

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


def main() -> None:
    cli()
