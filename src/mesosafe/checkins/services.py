"""Check-ins: triage and store a submission, the review queue, acknowledgement and its undoing."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from mesosafe import explain
from mesosafe.audit.services import record
from mesosafe.checkins import alerts, store
from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.tasks import alert_task
from mesosafe.clinics.models import Clinic, Staff
from mesosafe.engines import CheckIn as CheckInInput
from mesosafe.engines import InputError, SymptomReport, parse
from mesosafe.engines.contract import complete
from mesosafe.engines.contract import stored as stored_answers
from mesosafe.engines.questions import asked
from mesosafe.errors import Code, DomainError
from mesosafe.knowledge import Disposition, Lang
from mesosafe.knowledge import load as load_kb
from mesosafe.lib.ratelimit import over_limit
from mesosafe.treatments.models import CheckinLink, Treatment

REOPEN = "reopen"  # AuditEvent.detail["change"] of a review undone by return_to_queue

ESCALATED = [d.value for d in Disposition if d >= Disposition.CONTACT_CLINIC]
NOTIFY_NOW = [d.value for d in Disposition if d >= Disposition.URGENT]


def _answers(data: Any, days: float) -> CheckInInput:
    """The check-in as triaged and stored: the follow-up answers that apply required, the others dropped."""
    if not isinstance(data, dict):
        raise InputError("(body)", "expected a JSON object")
    if "days_since_treatment" in data:
        raise InputError("days_since_treatment", "set by the server from the treatment's time; leave it out")
    check_in = parse(CheckInInput, {**data, "days_since_treatment": days})
    return complete(check_in, load_kb())


def days_since(treatment: Treatment, now: datetime | None = None) -> float:
    """Days from the treatment to `now` (default: now), as a check-in sent then is triaged and stored."""
    elapsed = ((now or timezone.now()) - treatment.performed_at).total_seconds() / 86400
    return round(max(0.0, elapsed), 3)


class KeyReused(DomainError):
    """The idempotency key of an earlier check-in came with different answers."""


class TooManyCheckIns(DomainError):
    """A link sent more check-ins this hour than MESOSAFE_CHECKINS_PER_HOUR, and this one needs no clinic
    contact (an escalated one is never refused)."""

    def __init__(self, limit: int, retry_after: int) -> None:
        message = f"at most {limit} check-ins per hour on one link (MESOSAFE_CHECKINS_PER_HOUR)"
        super().__init__(
            "(body)", message, Code.LIMITED, context={"limit": limit, "retry_after": retry_after}
        )


def _over_hourly_limit(link: CheckinLink, now: datetime) -> int:
    """Count this check-in against its link's clock hour; the seconds to the next hour once past the limit,
    else 0."""
    hour, into = divmod(int(now.timestamp()), 3600)
    if over_limit(f"checkins:{link.id}:{hour}", settings.MESOSAFE_CHECKINS_PER_HOUR, window_s=3600):
        return 3600 - into
    return 0


def _stored_under(link: CheckinLink, idempotency_key: str | None) -> CheckIn | None:
    return (
        CheckIn.objects.filter(link=link, idempotency_key=idempotency_key).first()
        if idempotency_key
        else None
    )


def _is_retry(first: CheckIn, data: Any, now: CheckIn | None, days: float | None = None) -> bool:
    """Whether `data` (`now`: as it would be stored now; None if its answers are refused now) is `first`
    sent again. The follow-up questions that apply change with the day, so a retry sent after the day
    changed is judged as of `first`'s time: the same body gives the same stored answers then. Unless it is
    more urgent now: answering with the old verdict could under-triage. `days`: the days since treatment
    now, for a body refused now."""
    if now is not None and now.answers == first.answers:
        return True
    if now is not None and now.disposition_rank > first.disposition_rank:
        return False
    try:
        then = _answers(data, first.days_since_treatment)
    except InputError:
        # refused by a rule added since `first` was stored: the same request sent again is still a retry
        return days is not None and _sent_as_stored(data, first.answers, days)
    return bool(stored_answers(then) == first.answers)


FOLLOW_UPS = frozenset(SymptomReport.model_fields) - {"code", "description"}


def _sent_as_stored(data: Any, answers: dict[str, Any], days: float) -> bool:
    """Whether `data`, read as sent (no rule of today's applied), is the request `answers` were stored from:
    the same symptoms in the same order with the same stored answers (a follow-up answer that did not apply
    was dropped when stored, and applies on day `days` neither: one asked now, "worse since yesterday", was
    never heard by the stored verdict, and a body refused today cannot be judged to be no more urgent) and
    the same temperature."""
    if not isinstance(data, dict) or data.get("temperature_c") != answers.get("temperature_c"):
        return False
    sent, kept = data.get("symptoms", []), answers.get("symptoms", [])
    if not isinstance(sent, list) or len(sent) != len(kept):
        return False
    return all(_symptom_as_stored(one, stored, days) for one, stored in zip(sent, kept, strict=True))


def _symptom_as_stored(sent: Any, stored: dict[str, Any], days: float) -> bool:
    if not isinstance(sent, dict):
        return False
    given = {key: value for key, value in sent.items() if value is not None}
    dropped = given.keys() - stored.keys()
    if not dropped <= FOLLOW_UPS or not all(given.get(key) == value for key, value in stored.items()):
        return False
    kb = load_kb()
    code = stored.get("code")
    return not dropped or (code in kb.effects and dropped.isdisjoint(asked(kb, code, days)))


def _retried(first: CheckIn) -> tuple[CheckIn, bool]:
    if first.disposition_rank >= Disposition.URGENT.rank:
        alerts.ensure_alert(first)
    return first, False


def submit(
    link: CheckinLink, data: Any, idempotency_key: str | None = None, hourly_limit: bool = False
) -> tuple[CheckIn, bool]:
    """Triage and store a check-in. Returns (check-in, created); a repeated key returns the first one.
    With `hourly_limit` (what patients send: the API and the patient page) a check-in that needs no clinic
    contact is refused past MESOSAFE_CHECKINS_PER_HOUR on its link (TooManyCheckIns)."""
    treatment = link.treatment
    now = timezone.now()
    try:
        check_in = _answers(data, days_since(treatment, now))
    except InputError:
        # a retry of a stored check-in, sent once the day changed what must be answered, is answered with it
        # (looked up only when the answers are refused: a new check-in costs no lookup)
        first = _stored_under(link, idempotency_key)
        if first is not None and _is_retry(first, data, None, days_since(treatment, now)):
            return _retried(first)
        raise
    result, explanation = explain.triage(check_in, Lang(treatment.patient.preferred_language))
    stored = CheckIn(
        treatment=treatment,
        link=link,
        idempotency_key=idempotency_key or None,
        submitted_at=now,
        days_since_treatment=check_in.days_since_treatment,
        answers=stored_answers(check_in),
        disposition=result.disposition.value,
        disposition_rank=result.disposition.rank,
        reasons=[reason.model_dump(mode="json") for reason in result.reasons],
        explanation=explanation,
        next_session_ok=result.next_session_ok,
        kb_version=result.kb_version,
    )
    retry_after = _over_hourly_limit(link, now) if hourly_limit else 0
    if retry_after and result.disposition < Disposition.CONTACT_CLINIC:
        first = _stored_under(link, idempotency_key)
        if first is None or not _is_retry(first, data, stored):
            raise TooManyCheckIns(settings.MESOSAFE_CHECKINS_PER_HOUR, retry_after)
        return first, False  # a retry of one stored before the limit
    patient = treatment.patient
    alert = alert_task(result.disposition.rank) if result.disposition >= Disposition.URGENT else None
    try:
        # A retry meets the unique (link, idempotency_key) constraint instead of costing every submission
        # a lookup.
        store.insert(stored, patient.clinic_id, patient.id, alert)
    except IntegrityError:
        first = _stored_under(link, idempotency_key)
        if first is None:
            raise  # not a retry: another constraint refused it
        if not _is_retry(first, data, stored):
            raise KeyReused("Idempotency-Key", "already used for a check-in with other answers") from None
        return _retried(first)
    return stored, True


def review_queue(clinic: Clinic) -> QuerySet[CheckIn]:
    """Unreviewed escalated check-ins: emergency → urgent → contact_clinic, then oldest first."""
    return (
        CheckIn.objects.for_clinic(clinic)
        .filter(reviewed_at__isnull=True, disposition__in=ESCALATED)
        .select_related("treatment__patient")
        .order_by("-disposition_rank", "submitted_at", "id")
    )


def queue_treatments(clinic: Clinic) -> QuerySet[Treatment]:
    """The review queue by treatment (one patient's course): each treatment with unreviewed escalated
    check-ins, once, in the queue order of its most urgent one (level, then age). Paging these never hides a
    patient behind another's many check-ins."""
    waiting = review_queue(clinic)
    first = waiting.filter(treatment=OuterRef("pk"))
    return (
        Treatment.objects.for_clinic(clinic)
        .filter(pk__in=waiting.values("treatment_id"))
        .annotate(
            top_rank=Subquery(first.values("disposition_rank")[:1]),
            top_at=Subquery(first.values("submitted_at")[:1]),
            top_id=Subquery(first.values("id")[:1]),
        )
        .select_related("patient")
        .order_by("-top_rank", "top_at", "top_id")
    )


def up_to(checkin: CheckIn) -> Q:
    """The check-ins of `checkin`'s treatment sent no later than it (in queue time order: time, then id)."""
    at = checkin.submitted_at
    return Q(treatment_id=checkin.treatment_id) & (
        Q(submitted_at__lt=at) | Q(submitted_at=at, id__lte=checkin.id)
    )


def acknowledge_many(checkins: QuerySet[CheckIn], user: Any, note: str) -> list[int]:
    """Acknowledge, with one note, the unreviewed ones of `checkins` (one treatment's), audited one row each
    in the same transaction; the answer is the ids this call acknowledged. The rows are locked in time order
    first (so two nurses' overlapping cards cannot deadlock), then one conditional UPDATE: a review someone
    made first stands."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(checkins.select_for_update().order_by("submitted_at", "id").values_list("id", flat=True))
        mine = CheckIn.objects.filter(pk__in=ids, reviewed_at__isnull=True)
        mine.update(reviewed_by=user, reviewed_at=now, review_note=note)
        done = list(
            CheckIn.objects.filter(pk__in=ids, reviewed_at=now, reviewed_by=user)
            .order_by("submitted_at", "id")
            .values_list("id", flat=True)
        )
        first = CheckIn.objects.filter(pk__in=done).select_related("treatment__patient").first()
        if first is not None:
            patient = first.treatment.patient
            record(patient.clinic_id, user, "update", "checkin", done, patient.id)
    return done


def acknowledge(checkin: CheckIn, user: Any, note: str) -> bool:
    """Mark `checkin` reviewed by `user`, audited in the same transaction, unless someone already has: then
    their review stands, `checkin` is refreshed to show it, and the answer is False. One conditional UPDATE,
    so two staff acknowledging at once cannot overwrite each other."""
    now = timezone.now()
    unreviewed = CheckIn.objects.filter(pk=checkin.pk, reviewed_at__isnull=True)
    patient = checkin.treatment.patient
    with transaction.atomic():
        done = unreviewed.update(reviewed_by=user, reviewed_at=now, review_note=note)
        if done:
            record(patient.clinic_id, user, "update", "checkin", [checkin.id], patient.id)
    if not done:
        checkin.refresh_from_db(fields=["reviewed_by", "reviewed_at", "review_note"])
        return False
    checkin.reviewed_by, checkin.reviewed_at, checkin.review_note = user, now, note
    return True


def acknowledge_all(checkins: Iterable[CheckIn], user: Any, note: str) -> list[CheckIn]:
    """Acknowledge each of `checkins` with `acknowledge`'s conditional UPDATE. The answer is the ones this
    call acknowledged; the others had a review already, which stands (they are refreshed to show it)."""
    with transaction.atomic():
        return [checkin for checkin in checkins if acknowledge(checkin, user, note)]


def reopen(checkin: CheckIn, seen: datetime) -> bool:
    """Undo the review made at `seen`, putting `checkin` back in the review queue, unless it is no longer
    that review (returned already, or acknowledged again since): then `checkin` is refreshed to show what
    stands, and the answer is False. One conditional UPDATE, like `acknowledge`."""
    # The API's JSON gives times to the millisecond (Django's JSON encoder), so `seen` names its millisecond
    start = seen.replace(microsecond=seen.microsecond // 1000 * 1000)
    end = start + timedelta(milliseconds=1)
    reviewed = CheckIn.objects.filter(pk=checkin.pk, reviewed_at__gte=start, reviewed_at__lt=end)
    if not reviewed.update(reviewed_by=None, reviewed_at=None, review_note=""):
        checkin.refresh_from_db(fields=["reviewed_by", "reviewed_at", "review_note"])
        return False
    checkin.reviewed_by, checkin.reviewed_at, checkin.review_note = None, None, ""
    return True


def return_to_queue(staff: Staff, checkin: CheckIn, seen: datetime, reason: str) -> bool:
    """`reopen` by `staff`, audited in the same transaction with the reason and the review it undid (the
    review is gone only if the audit keeps it, and why). False, and nothing written, if `reopen` refused."""
    undone = {
        "reviewed_by": checkin.reviewed_by_id,
        "reviewed_at": checkin.reviewed_at.isoformat() if checkin.reviewed_at else "",
        "note": checkin.review_note,
    }
    with transaction.atomic():
        if not reopen(checkin, seen):
            return False
        detail = {"change": REOPEN, "reason": reason, "undone": undone}
        patient_id = checkin.treatment.patient_id
        record(staff.clinic_id, staff.user, "update", "checkin", [checkin.id], patient_id, detail=detail)
    return True
