"""What the registry analysis commands (`signals`, `registry report`) share: input errors as one line with
exit code 2, the clinic database's export, a progress display on stderr, and finite option ranges.

Heavy libraries (duckdb, scipy, pyspark, matplotlib, Django) are imported inside the functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from mesosafe.cli.common import BadInput


class FiniteFloatRange(click.FloatRange):
    """A float range that also refuses nan and ±inf (click's FloatRange lets nan through)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


@contextmanager
def input_errors() -> Iterator[None]:
    """Turn a user's input error into one line on stderr and exit code 2 (never a traceback)."""
    from mesosafe.lib.analysis_input import AnalysisInputError

    try:
        yield
    except AnalysisInputError as exc:
        raise BadInput(str(exc)) from None


@contextmanager
def database_errors() -> Iterator[None]:
    """A database that cannot be read (not migrated, unreachable) is one clear line, not a traceback."""
    from django.db import DatabaseError

    try:
        yield
    except DatabaseError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BadInput(
            f"cannot read the clinic database ({first}); if it has not been set up yet, "
            "run `mesosafe manage migrate` first"
        ) from None


def database_export() -> Any:
    """Set up Django and return the registry's export module (imported late: Django is heavy)."""
    from mesosafe.cli.service import _django

    _django()
    from mesosafe.registry import export

    return export


@contextmanager
def progress(enabled: bool) -> Iterator[Callable[[str, str], None] | None]:
    """A Rich progress display on stderr, one line per pipeline stage."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    tasks: dict[str, Any] = {}
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=False,
    ) as display:

        def hook(stage: str, state: str) -> None:
            if state == "start":
                tasks[stage] = display.add_task(stage, total=1)
            else:
                display.update(tasks[stage], completed=1)

        yield hook
