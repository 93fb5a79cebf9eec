"""The default (console) email backend prints what was sent without the patient's address or link."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from mesosafe.treatments.emails import send_aftercare
from tests.pages_fixtures import build_case, build_site

TOKEN = "Hq2xmGbFG16zfHUdptnj5VxFSOPvKvun3STZTzPAu6g"


@override_settings(
    EMAIL_BACKEND="mesosafe.lib.mail.ConsoleBackend", MESOSAFE_BASE_URL="https://clinic.example"
)
def test_aftercare_email_on_the_console_keeps_link_and_address_out(
    db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    case = build_case(build_site("Clinic", "nurse", "LOT-1"))
    case.patient.email = "amal.private@example.com"
    case.patient.save()
    capsys.readouterr()
    assert send_aftercare(case.treatment, TOKEN)
    printed = capsys.readouterr().out
    assert "Subject:" in printed and "1 recipient" in printed and "aftercare.ics" in printed
    assert "https://clinic.example/p/[redacted]/" in printed
    assert TOKEN not in printed and "amal.private" not in printed
