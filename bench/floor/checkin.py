"""A check-in's own floor, for `bench/checkin_load.py --floor`: a plain Django view that does what a check-in
cannot skip and nothing more, each step the least way it can be done. It finds the usable link (one SELECT
of the five values it needs), validates the answers with the engine's parser, triages them in both languages
for the stored explanation, stores the check-in with its audit row in one statement (the product's SQL) and
answers with the verdict. No django-ninja, no ORM instances, no rate limit, no response schema. Never part of
the product: it shows what the product's check-in costs above what any check-in must cost."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from mesosafe import explain
from mesosafe.checkins import store
from mesosafe.checkins.services import _answers
from mesosafe.engines import InputError
from mesosafe.engines.contract import stored
from mesosafe.knowledge import Lang
from mesosafe.lib.tokens import digest
from mesosafe.patients.models import Patient
from mesosafe.treatments.models import CheckinLink, Treatment

_LINK = (
    "SELECT l.id, l.treatment_id, t.performed_at, p.id, p.clinic_id, p.preferred_language"
    f' FROM "{CheckinLink._meta.db_table}" l'
    f' JOIN "{Treatment._meta.db_table}" t ON t.id = l.treatment_id'
    f' JOIN "{Patient._meta.db_table}" p ON p.id = t.patient_id'
    " WHERE l.token_hash = %s AND l.revoked_at IS NULL AND l.expires_at > %s"
)


@csrf_exempt
def floor_checkin(request: HttpRequest) -> HttpResponse:
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(_LINK, [digest(token), now])
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({"status": 404}, status=404)
    link_id, treatment_id, performed_at, patient_id, clinic_id, language = row
    try:
        check_in = _answers(json.loads(request.body), _days(performed_at, now))
    except (InputError, ValueError) as error:
        return JsonResponse({"status": 400, "detail": str(error)}, status=400)
    result, explanation = explain.triage(check_in, Lang(language))
    values: dict[str, Any] = {
        "treatment_id": treatment_id,
        "link_id": link_id,
        "idempotency_key": request.headers.get("Idempotency-Key"),
        "submitted_at": now,
        "days_since_treatment": check_in.days_since_treatment,
        "answers": stored(check_in),
        "disposition": result.disposition.value,
        "disposition_rank": result.disposition.rank,
        "reasons": [reason.model_dump(mode="json") for reason in result.reasons],
        "explanation": explanation,
        "next_session_ok": result.next_session_ok,
        "kb_version": result.kb_version,
        "review_note": "",
    }
    # submitted_at is the database's statement time (statement_timestamp() in store._STORED), as the product's
    columns = [c for c in store._COLUMNS if c != "submitted_at"]
    params = [store._json(values[c]) if c in store._JSON else values[c] for c in columns]
    with connection.cursor() as cursor:
        audit_sql, audit_values = store._audit_row(clinic_id, patient_id)
        cursor.execute(store._STORED + audit_sql, [*params, *audit_values])
        checkin_id, values["submitted_at"] = cursor.fetchone()
    answer = {"id": int(checkin_id), **{k: values[k] for k in ("disposition", "reasons", "next_session_ok")}}
    return JsonResponse(answer, status=201)


def _days(performed_at: datetime, now: datetime) -> float:
    return round(max(0.0, (now - performed_at).total_seconds() / 86400), 3)
