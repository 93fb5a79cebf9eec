"""A clinic's records as NDJSON files, one per resource type, in the shape of a FHIR Bulk Data export:
`Patient.ndjson`, `Procedure.ndjson` … (one resource per line) and `manifest.json`, the completion manifest
(`transactionTime`, `request`, `requiresAccessToken`, `output[{type, url, count}]`, `error`)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.utils import timezone

from mesosafe.clinics.models import Clinic
from mesosafe.fhir.bundle import parsed
from mesosafe.fhir.definitions import definitions
from mesosafe.fhir.records import batches_of, clinic_resources, patient_resources, patients_of, staff_of
from mesosafe.knowledge import KnowledgeBase


def export(clinic: Clinic, out: Path, kb: KnowledgeBase, since: datetime | None = None) -> dict[str, Any]:
    """Write the files into `out` (created if needed) and return the manifest."""
    started = timezone.now()
    out.mkdir(parents=True, exist_ok=True)
    files: dict[str, IO[str]] = {}
    counts: Counter[str] = Counter()
    try:
        for resource in _resources(clinic, kb, since):
            kind = resource["resourceType"]
            if kind not in files:
                files[kind] = (out / f"{kind}.ndjson").open("w", encoding="utf-8")
            files[kind].write(json.dumps(parsed(resource), ensure_ascii=False, separators=(",", ":")) + "\n")
            counts[kind] += 1
    finally:
        for handle in files.values():
            handle.close()
    manifest = {
        "transactionTime": started.isoformat(),
        "request": f"mesosafe export fhir --clinic {clinic.id}"
        + (f" --since {since.isoformat()}" if since else ""),
        "requiresAccessToken": False,
        "output": [{"type": kind, "url": f"{kind}.ndjson", "count": counts[kind]} for kind in sorted(counts)],
        "error": [],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return manifest


def _resources(clinic: Clinic, kb: KnowledgeBase, since: datetime | None) -> Any:
    yield from definitions(kb)
    yield from clinic_resources(clinic, staff_of(clinic), batches_of(clinic))
    for patient in patients_of(clinic, since).iterator(chunk_size=500):
        yield from patient_resources(patient, kb, since)
