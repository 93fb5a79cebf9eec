"""One link's check-ins per hour are limited (MESOSAFE_CHECKINS_PER_HOUR), and the limit never refuses an
escalated check-in: it is stored and covered by an alert however many came before it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.test import Client, override_settings
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from mesosafe.checkins.alerts import alert_queued
from mesosafe.checkins.models import CheckIn
from mesosafe.checkins.tasks import notify_escalation
from mesosafe.lib.queueing import EMERGENCY_ALERT, URGENT_ALERT
from mesosafe.patients.models import Patient
from tests.service_fixtures import API, Site, link_headers

SELF_CARE = {"symptoms": [{"code": "bruising", "severity": "mild", "trend": "improving", "spreading": False}]}
URGENT = {
    "symptoms": [{"code": "pus"}, {"code": "warmth", "severity": "mild", "trend": "same", "spreading": False}]
}
EMERGENCY = {"symptoms": [{"code": "breathing_difficulty", "severity": "severe"}]}


def _post(client: Client, token: str, answers: dict[str, Any], key: str) -> Any:
    headers = link_headers(token, HTTP_IDEMPOTENCY_KEY=key)
    return client.post(f"{API}/patient/checkins", answers, content_type="application/json", **headers)


@override_settings(MESOSAFE_CHECKINS_PER_HOUR=3)
def test_past_the_hourly_limit_only_escalated_checkins_are_stored(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    _, token = make_treatment(site, make_patient(site), days_ago=2)
    for n in range(3):
        assert _post(client, token, SELF_CARE, f"k{n}").status_code == 201
    refused = _post(client, token, SELF_CARE, "k3")
    assert refused.status_code == 429 and refused["Content-Type"] == "application/problem+json"
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "MESOSAFE_CHECKINS_PER_HOUR" in refused.json()["detail"] and "3" in refused.json()["detail"]
    assert _post(client, token, SELF_CARE, "k0").status_code == 201  # a retry of one stored before: answered
    for n in range(20):  # a flood of escalated ones: every one stored and alerted
        assert _post(client, token, EMERGENCY if n % 2 else URGENT, f"e{n}").status_code == 201
    assert CheckIn.objects.count() == 23
    escalated = set(CheckIn.objects.filter(disposition_rank__gte=2).values_list("id", flat=True))
    # one waits for them all at each level, the emergencies' first
    emergency, urgent = DBTaskResult.objects.filter(task_path=notify_escalation.module_path).order_by(
        "-priority"
    )
    assert (emergency.priority, urgent.priority) == (EMERGENCY_ALERT, URGENT_ALERT)
    assert urgent.args_kwargs["args"] == [min(escalated)] and len(escalated) == 20
    assert all(alert_queued(c) for c in CheckIn.objects.filter(id__in=escalated))


@override_settings(MESOSAFE_CHECKINS_PER_HOUR=1)
def test_the_patient_page_says_the_limit_and_what_to_do(
    client: Client, site: Site, make_patient: Callable[..., Patient], make_treatment: Callable[..., Any]
) -> None:
    _, token = make_treatment(site, make_patient(site, lang="ar"), days_ago=2)
    assert _post(client, token, SELF_CARE, "first").status_code == 201
    form = {"step": "details", "symptoms": "bruising", "sev_bruising": "mild", "trend_bruising": "improving",
            "spread_bruising": "no", "idempotency_key": "page-1"}  # fmt: skip
    with translation.override("en"):  # the page turns Arabic on for the patient; not for the tests after
        page = client.post(f"/p/{token}/checkin/", form)
    if page.status_code != 429:  # the form's field names differ: say what the page answered
        raise AssertionError(page.content.decode()[:3000])
    assert "يجب الاتصال برقم الطوارئ فورًا" in page.content.decode()
    assert 'class="call-first"' in page.content.decode() and 'href="tel:998"' in page.content.decode()
    assert CheckIn.objects.count() == 1
