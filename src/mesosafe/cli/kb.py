"""`mesosafe kb list | show | check`: browse and validate the knowledge base."""

from __future__ import annotations

from pathlib import Path

import click

from mesosafe.cli.common import LANG_OPTION, BadInput, emit_json
from mesosafe.knowledge import KnowledgeError, load, load_from


@click.group()
def kb() -> None:
    """Browse and validate the clinical knowledge base."""


@kb.command("list")
def list_entries() -> None:
    """List every entry: id, kind and English name."""
    knowledge = load()
    for entry_id, entry in knowledge.entries.items():
        texts = (getattr(entry, attr, None) for attr in ("name", "title", "question", "reason"))
        label = next((text.en for text in texts if text is not None), "")
        click.echo(f"{entry_id}\t{type(entry).__name__}\t{label}")


@kb.command()
@click.argument("entry_id", metavar="ID")
@LANG_OPTION
def show(entry_id: str, lang: str) -> None:
    """Show one entry, with its texts in the chosen language and its sources."""
    knowledge = load()
    entry = knowledge.entries.get(entry_id)
    if entry is None:
        raise BadInput(f"ID: no knowledge entry '{entry_id}' (see `mesosafe kb list`)")
    data = _in(entry.model_dump(mode="json", exclude_defaults=True), lang)
    assert isinstance(data, dict)
    emit_json({"id": entry_id, "kind": type(entry).__name__, "kb_version": knowledge.version, **data})


def _in(data: object, lang: str) -> object:
    """Replace every {en, ar} text by the chosen language's string."""
    if isinstance(data, dict):
        if set(data) == {"en", "ar"}:
            return data[lang]
        return {key: _in(value, lang) for key, value in data.items()}
    if isinstance(data, list):
        return [_in(value, lang) for value in data]
    return data


@kb.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Check another copy (a folder holding the knowledge base's YAML files).",
)
def check(directory: Path | None) -> None:
    """Validate the knowledge base; name the file, line and field of the first problem."""
    try:
        knowledge = load_from(directory) if directory else load()
    except KnowledgeError as exc:
        click.echo(f"Error: {exc}", err=True)
        raise SystemExit(1) from None
    rules = len(knowledge.triage.red_flags) + len(knowledge.screening.rules)
    click.echo(
        f"ok: {len(knowledge.effects)} effects, {rules} rules, "
        f"{len(knowledge.aftercare.items)} aftercare items, "
        f"{len(knowledge.faq)} FAQ entries; version {knowledge.version}"
    )
