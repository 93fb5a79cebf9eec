"""Shared by the CLI commands: reading JSON input and reporting user errors with exit code 2."""

from __future__ import annotations

import json
import os
import pwd
from typing import IO, Any

import click

from mesosafe.lib import jsonbody


class BadInput(click.ClickException):
    """A mistake in what the user gave us: printed as 'Error: ...' on stderr, exit code 2, no traceback."""

    exit_code = 2


def read_json(stream: IO[bytes], name: str = "input") -> Any:
    raw = stream.read()
    if not raw.strip():
        raise BadInput(f"{name}: empty input, expected a JSON object")
    try:
        # each key once per object, as the API reads a body: Python's json keeps the last of repeated keys,
        # so {"symptoms": [<a red flag>], "symptoms": []} was triaged as no symptoms at all
        return jsonbody.loads(raw.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise BadInput(f"{name}: not UTF-8 text") from None
    except jsonbody.RepeatedKey as exc:
        raise BadInput(f"{name}: {exc.field} is given twice: send each field once") from None
    except jsonbody.LongNumber as exc:
        raise BadInput(f"{name}: {exc.field} {jsonbody.LONG_NUMBER}") from None
    except json.JSONDecodeError as exc:
        raise BadInput(
            f"{name}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    except RecursionError:
        raise BadInput(f"{name}: JSON nested too deeply") from None


# The audit's actor for records read at the service's own shell (the API's and pages' are staff and patient)
OPERATOR = "operator"


def os_user() -> str:
    """The account running this command, from the system's user database (not $USER, which anyone sets)."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:  # a container user without a passwd entry
        return f"uid {uid}"


def emit_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


LANG_OPTION = click.option("--lang", type=click.Choice(["en", "ar"]), default="en", show_default=True)
FORMAT_OPTION = click.option(
    "--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True
)
