"""`mesosafe export fhir`: a clinic's records as FHIR R4 NDJSON files (Bulk Data shape). Both exports are
audited as the API's reads are: one `read` event per patient or complication, actor `operator`."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import click

from mesosafe.cli.analysis import database_errors
from mesosafe.cli.common import OPERATOR, BadInput, os_user
from mesosafe.cli.service import _django

FIRST_YEAR, LAST_YEAR = 2000, 2100  # as for every moment the service stores (lib.fields.Moment)
RECEIVER_MAX = 60  # E2B(R3) N.1.4 (and N.2.r.3), the batch receiver identifier: 60AN


def _since(ctx: click.Context, param: click.Parameter, value: datetime | None) -> datetime | None:
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise click.BadParameter(f"must be between the years {FIRST_YEAR} and {LAST_YEAR}", ctx, param)
    return value


def _receiver(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """N.1.4 is required, and written into XML: printable text of at most 60 characters."""
    if not value.strip():
        raise click.BadParameter("must not be empty (E2B N.1.4 is required)", ctx, param)
    if not value.isprintable():
        raise click.BadParameter("must be printable text, without control characters", ctx, param)
    if len(value) > RECEIVER_MAX:
        raise click.BadParameter(
            f"has {len(value)} characters; E2B N.1.4 allows at most {RECEIVER_MAX}", ctx, param
        )
    return value


@click.group()
def export() -> None:
    """Records that leave the clinic: FHIR R4 NDJSON, ICH E2B(R3) case reports."""


@export.command()
@click.option("--clinic", "clinic_id", required=True, type=int, help="the clinic's id")
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path), help="output folder")
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    callback=_since,
    help=f"only records made on or after this day ({FIRST_YEAR}–{LAST_YEAR})",
)
def fhir(clinic_id: int, out: Path, since: datetime | None) -> None:
    """Write NDJSON per resource type and manifest.json into OUT."""
    _django()
    from mesosafe.clinics.models import Clinic
    from mesosafe.fhir.bulk import export as bulk_export
    from mesosafe.knowledge import load

    with database_errors():
        clinic = Clinic.objects.filter(id=clinic_id).first()
        if clinic is None:
            raise BadInput(f"--clinic: no clinic with id {clinic_id}")
        if out.exists() and not out.is_dir():
            raise BadInput(f"--out: {out} is not a folder")
        if out.exists() and any(out.iterdir()):
            raise BadInput(f"--out: {out} is not empty (nothing is overwritten)")
        _check_code_map()
        start = _clinic_midnight(since.date(), clinic.time_zone) if since else None
        with _removed_unless_audited(out):
            try:
                manifest = bulk_export(clinic, out, load(), start)
                patients = _exported_patients(out)
            except OSError as exc:
                raise BadInput(f"--out: {exc}") from None
            _audit(clinic.id, "fhir_bulk", [(patient, patient) for patient in patients], manifest["request"])
    for item in manifest["output"]:
        click.echo(f"{item['count']:>7}  {out / item['url']}")


@contextmanager
def _removed_unless_audited(out: Path) -> Iterator[None]:
    """An export that fails (a full disk, the audit) takes its files and the folders it made with it: they
    hold patients' records that no read event covers. ``out`` was checked to be missing or empty."""
    made = [folder for folder in (out, *out.parents) if not folder.exists()]
    try:
        yield
    except BaseException:
        _remove(out, made)
        raise


def _remove(out: Path, made: list[Path]) -> None:
    """Best effort: the export's own error is the one to report."""
    try:
        files = list(out.iterdir())
    except OSError:
        files = []
    for path in files:
        with suppress(OSError):
            path.unlink()
    for folder in made:
        with suppress(OSError):
            folder.rmdir()


def _check_code_map() -> None:
    from mesosafe.fhir.codes import code_map

    path = os.environ.get("MESOSAFE_FHIR_CODE_MAP", "")
    try:
        code_map(path)
    except (OSError, ValueError, KeyError) as exc:
        raise BadInput(f"MESOSAFE_FHIR_CODE_MAP: {exc}") from None


def _clinic_midnight(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), tzinfo=ZoneInfo(zone))


def _exported_patients(out: Path) -> list[int]:
    """The ids of the patients the export wrote: exactly those audited, whatever changed while it ran."""
    path = out / "Patient.ndjson"
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as lines:
        return [int(json.loads(line)["id"].removeprefix("patient-")) for line in lines]


def _audit(clinic_id: int, kind: str, reads: list[tuple[int, int]], command: str) -> None:
    """One read event per (object id, patient id), naming the command and the account that ran it."""
    from django.db import transaction

    from mesosafe.audit.services import record

    detail = {"command": command, "os_user": os_user()}
    with transaction.atomic():
        for object_id, patient_id in reads:
            record(clinic_id, None, "read", kind, [object_id], patient_id, actor=OPERATOR, detail=detail)


@export.command()
@click.option("--complication", "complication_id", required=True, type=int, help="the complication's id")
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="the XML file")
@click.option(
    "--receiver",
    default="REGULATOR",
    show_default=True,
    callback=_receiver,
    help=f"N.1.4 batch receiver identifier (printable, at most {RECEIVER_MAX} characters)",
)
def icsr(complication_id: int, out: Path, receiver: str) -> None:
    """Write a complication's ICH E2B(R3) case report (the regional minimum is checked first)."""
    _django()
    from mesosafe.complications.icsr import icsr_xml
    from mesosafe.complications.models import Complication
    from mesosafe.errors import DomainError

    with database_errors():
        complication = Complication.objects.filter(id=complication_id).first()
        if complication is None:
            raise BadInput(f"--complication: no complication with id {complication_id}")
        if out.exists():  # an earlier report (or anything else) is never replaced, nor removed on a failure
            raise BadInput(f"--out: {out} exists (nothing is overwritten)")
        try:
            xml = icsr_xml(complication, receiver)
        except DomainError as error:
            raise BadInput(f"--complication {complication_id}: {error}") from None
        treatment = complication.treatment
        command = f"mesosafe export icsr --complication {complication_id}"
        reads = [(complication.id, treatment.patient_id)]
        _write_audited(
            out, xml, lambda: _audit(treatment.patient.clinic_id, "complication_icsr", reads, command)
        )
    click.echo(f"{out} ({len(xml)} bytes)")


def _write_audited(out: Path, xml: bytes, audit: Callable[[], None]) -> None:
    """The report is written inside its read event's transaction: if either fails, no file is left and no
    read is recorded."""
    from django.db import transaction

    writing = False
    try:
        with transaction.atomic():
            audit()
            writing = True
            out.write_bytes(xml)
    except BaseException as exc:
        if writing:
            with suppress(OSError):
                out.unlink()
        if isinstance(exc, OSError):
            raise BadInput(f"--out: {exc}") from None
        raise
