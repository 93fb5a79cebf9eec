"""Acting on a lot's batch recall (staff key): start it with its reason, e-mail the recipients not yet
e-mailed, e-mail one patient again, mark one reached (or undo that), and read where it stands. Each action
is the recall page's own service (treatments/recall_contacts.py), which audits it in the change's
transaction; a lot this clinic does not have is 404, as for its recipients."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from mesosafe.api.auth import staff_key, staff_of
from mesosafe.api.common import audit_read, page, responses
from mesosafe.api.patients import patient_or_404
from mesosafe.api.schemas import (
    PageQuery,
    RecallContactOut,
    RecallPatientPage,
    RecallSentOut,
    RecallStandingOut,
)
from mesosafe.clinics.models import Clinic
from mesosafe.clinics.services import lot_batches
from mesosafe.lib.problems import not_found
from mesosafe.treatments.recall import batch_recipients
from mesosafe.treatments.recall_contacts import (
    RecallState,
    email_recipients,
    mark_contacted,
    recall_state,
    send_again,
    start_recall,
    unmark_contacted,
)
from mesosafe.treatments.schemas import RecallNotReachedIn, RecallReachedIn, RecallStartIn

router = Router(auth=staff_key, tags=["recall"])


class RecallPatientsQuery(PageQuery):
    reached: bool | None = None


def _clinic(request: HttpRequest, lot: str) -> Clinic:
    """The caller's clinic, which must have the lot (matched as the recall page matches it), else 404."""
    clinic = staff_of(request).clinic
    if not lot_batches(clinic, lot).exists():
        raise not_found()
    return clinic


def _state(clinic: Clinic, lot: str) -> RecallState:
    return recall_state(clinic, lot, batch_recipients(clinic, lot))


def _sent(recall: Any, queued: int) -> dict[str, Any]:
    return {"recall": recall.to_dict(), "queued": queued}


@router.get("/batches/{lot}/recall", response=responses({200: RecallStandingOut}))
def get_recall(request: HttpRequest, lot: str) -> dict[str, Any]:
    """The lot's recall (null before it is started) and its counts; no patient's data."""
    return _state(_clinic(request, lot), lot).counts()


@router.post("/batches/{lot}/recall", response=responses({201: RecallSentOut}))
def start(request: HttpRequest, lot: str, body: RecallStartIn) -> Status[dict[str, Any]]:
    """Start the lot's recall with its reason and queue the e-mail to each recipient with an address, in
    their language (409 naming `lot` when it is already started)."""
    clinic = _clinic(request, lot)
    return Status(201, _sent(*start_recall(clinic, lot, staff_of(request).user, body.reason)))


@router.post("/batches/{lot}/recall/emails", response=responses({200: RecallSentOut}))
def email(request: HttpRequest, lot: str) -> dict[str, Any]:
    """Queue the recall e-mail to every recipient not yet e-mailed nor reached (patients treated with the lot
    since the start, or given an address since); nobody is e-mailed twice."""
    clinic = _clinic(request, lot)
    return _sent(*email_recipients(clinic, lot, staff_of(request).user))


@router.get("/batches/{lot}/recall/patients", response=responses({200: RecallPatientPage}))
def list_patients(request: HttpRequest, lot: str, q: Query[RecallPatientsQuery]) -> dict[str, Any]:
    """Each recipient patient and where the recall stands with them: not reached first, then reached
    (`reached` picks one of the two)."""
    state = _state(_clinic(request, lot), lot)
    rows = {None: state.not_reached + state.reached, False: state.not_reached, True: state.reached}[q.reached]
    result = page(rows, q, lambda standing: standing.to_dict())
    for item in result["items"]:
        audit_read(request, "recall", [item["treatment_id"]], item["patient_id"])
    return result


@router.post("/batches/{lot}/recall/patients/{patient_id}/email", response=responses({200: RecallContactOut}))
def email_again(request: HttpRequest, lot: str, patient_id: int) -> dict[str, Any]:
    """E-mail this patient the recall once more (409 naming `patient` when they have no address)."""
    clinic = _clinic(request, lot)
    patient = patient_or_404(request, patient_id)
    return send_again(clinic, lot, patient, staff_of(request).user).to_dict()


@router.post(
    "/batches/{lot}/recall/patients/{patient_id}/reached", response=responses({200: RecallContactOut})
)
def reached(request: HttpRequest, lot: str, patient_id: int, body: RecallReachedIn) -> dict[str, Any]:
    """Mark the patient reached about the recall: how, with an optional note; who and when are the caller
    and now (409 naming `patient` when they are marked already)."""
    clinic = _clinic(request, lot)
    patient = patient_or_404(request, patient_id)
    method = str(body.method.value)
    return mark_contacted(clinic, lot, patient, staff_of(request).user, method, body.note).to_dict()


@router.post(
    "/batches/{lot}/recall/patients/{patient_id}/not-reached", response=responses({200: RecallContactOut})
)
def not_reached(request: HttpRequest, lot: str, patient_id: int, body: RecallNotReachedIn) -> dict[str, Any]:
    """Undo a "reached" marked by mistake, with the reason (audited with the mark undone); `contacted_at` is
    the mark being undone. 409 naming `patient` when they are not marked, `contacted_at` when they were
    marked again since."""
    clinic = _clinic(request, lot)
    patient = patient_or_404(request, patient_id)
    user = staff_of(request).user
    return unmark_contacted(clinic, lot, patient, user, body.contacted_at, body.reason).to_dict()
