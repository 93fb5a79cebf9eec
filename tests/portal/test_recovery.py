from __future__ import annotations

from django.test import Client

from mesosafe.portal import charts
from tests.pages_fixtures import Case


def test_no_checkins_yet(case: Case, client: Client) -> None:
    page = client.get(case.url("recovery/")).content.decode()
    assert "You have not sent a check-in yet." in page and "<svg viewBox" not in page


def test_chart_and_next_session(case: Case, client: Client) -> None:
    case.checkin([{"code": "bruising", "severity": "moderate"}])
    page = client.get(case.url("recovery/")).content.decode()
    assert '<svg viewBox="0 0 340 200" role="img"' in page
    assert "Bruising" in page
    assert "Not yet" in page  # bruising blocks the next session


def test_next_session_possible_after_clear_checkin(case: Case, client: Client) -> None:
    case.checkin([])
    page = client.get(case.url("recovery/")).content.decode()
    assert "Nothing you reported stands in the way" in page


def test_an_emergency_the_clinic_has_not_seen_still_blocks(case: Case, client: Client) -> None:
    case.checkin([{"code": "breathing_difficulty", "severity": "severe"}])
    case.checkin([])  # "I feel fine" afterwards
    page = client.get(case.url("recovery/")).content.decode()
    assert "Not yet" in page and "Your clinic has not yet looked at a check-in" in page
    assert "must settle first" not in page  # the latest check-in itself is clear


def test_series_drop_to_zero_when_symptom_goes() -> None:
    series = charts.severity_series(
        [
            {"day": 1, "symptoms": [{"code": "redness", "severity": "moderate"}]},
            {"day": 3, "symptoms": [{"code": "redness", "severity": "mild"}, {"code": "itching"}]},
            {"day": 7, "symptoms": []},
        ],
        {"redness": "Redness", "itching": "Itching"},
    )
    assert series == {"redness": [(1, 2), (3, 1), (7, 0)], "itching": [(3, 1), (7, 0)]}


def test_chart_scales_to_twelve_weeks() -> None:
    chart = charts.build({"lump": [(20, 1), (60, 2)]}, {"lump": "Lump"})
    assert chart.x_ticks[-1][1] == "84"
    (series,) = chart.series
    assert series.path.startswith("M") and " L" in series.path


def test_chart_coordinates_are_not_localised_in_arabic(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    case.checkin([{"code": "bruising", "severity": "moderate"}])
    page = client.get(case.url("recovery/")).content.decode()
    svg = page[page.index("<svg viewBox") : page.index("</svg>")]
    assert 'cx="' in svg and "," not in svg.split('cx="')[1].split('"')[0]
