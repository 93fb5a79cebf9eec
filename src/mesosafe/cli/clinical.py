"""`mesosafe triage | screen | aftercare | schema`: JSON in, JSON (or a human view) out."""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import click
from pydantic import BaseModel

from mesosafe.cli.common import FORMAT_OPTION, LANG_OPTION, BadInput, emit_json, read_json
from mesosafe.engines import CheckIn, InputError, Intake, Treatment, parse
from mesosafe.engines import aftercare as plan_aftercare
from mesosafe.engines import screen as run_screen
from mesosafe.engines import triage as run_triage
from mesosafe.engines.contract import complete
from mesosafe.engines.questions import asked
from mesosafe.knowledge import Lang, load

INPUT = click.argument("file", type=click.File("rb"), metavar="FILE|-")


def _parse(model: type[Any], stream: IO[bytes]) -> Any:
    try:
        return parse(model, read_json(stream))
    except InputError as exc:
        raise BadInput(str(exc)) from None


def _emit(result: BaseModel, fmt: str, renderer: str) -> None:
    """JSON on stdout, or the Rich view (imported only when asked for, to keep start-up fast)."""
    if fmt == "json":
        emit_json(result.model_dump(mode="json"))
    else:
        from mesosafe.cli import render

        getattr(render, renderer)(result)


@click.command()
@INPUT
@FORMAT_OPTION
@LANG_OPTION
def triage(file: IO[bytes], fmt: str, lang: str) -> None:
    """Triage a check-in: is this expected, or does it need the clinic, care today or an emergency?"""
    check_in = _parse(CheckIn, file)
    try:
        knowledge = load()
        result = run_triage(complete(check_in, knowledge), Lang(lang), knowledge)
    except InputError as exc:
        raise BadInput(str(exc)) from None
    _emit(result, fmt, "render_triage")


@click.command()
@INPUT
@FORMAT_OPTION
@LANG_OPTION
def screen(file: IO[bytes], fmt: str, lang: str) -> None:
    """Screen an intake before treatment: proceed, precautions, defer, clinician review or do not treat."""
    _emit(run_screen(_parse(Intake, file), Lang(lang)), fmt, "render_screening")


@click.command()
@INPUT
@FORMAT_OPTION
@LANG_OPTION
@click.option("--ics", type=click.Path(dir_okay=False, path_type=Path), help="Also write an iCalendar file.")
def aftercare(file: IO[bytes], fmt: str, lang: str, ics: Path | None) -> None:
    """Build the timed aftercare plan and follow-up check-ins for a treatment."""
    plan = plan_aftercare(_parse(Treatment, file))
    if ics is not None:
        from mesosafe.engines.calendar import to_ics

        try:
            ics.write_bytes(to_ics(plan, Lang(lang)))
        except OSError as exc:
            raise BadInput(f"--ics: cannot write {ics} ({exc.strerror})") from None
    if fmt == "json":
        emit_json(plan.model_dump(mode="json"))
    else:
        from mesosafe.cli.render import render_aftercare

        render_aftercare(plan, Lang(lang))


SCHEMAS: dict[str, type[Any]] = {"checkin": CheckIn, "intake": Intake, "treatment": Treatment}


def json_schema(name: str) -> dict[str, Any]:
    """The JSON Schema of an engine input; the check-in's symptom codes, and the follow-up questions each
    asks, come from the knowledge base."""
    schema: dict[str, Any] = SCHEMAS[name].model_json_schema()
    if name == "checkin":
        knowledge = load()
        report = schema["$defs"]["SymptomReport"]
        report["properties"]["code"]["enum"] = knowledge.symptom_codes
        report["x-asks"] = {code: list(asked(knowledge, code, float("inf"))) for code in knowledge.effects}
        report["x-trend-from-day"] = knowledge.triage.questions.trend_from_day
        report["x-describe"] = [code for code, effect in knowledge.effects.items() if effect.describe]
        report["description"] = (
            "A reported symptom. Give exactly the follow-up answers its code asks (x-asks); 'trend' only "
            "when days_since_treatment >= x-trend-from-day. A missing answer is an error naming the field "
            "(symptoms[i].severity); an answer that is not asked is ignored and not stored. A code listed in "
            "x-describe may have a 'description' in the patient's own words; any other code may not."
        )
    return schema


@click.command()
@click.argument("name", type=click.Choice(sorted(SCHEMAS)))
def schema(name: str) -> None:
    """Print the JSON Schema of an input: checkin, intake or treatment."""
    emit_json(json_schema(name))
