from __future__ import annotations

import itertools
import re
from typing import Any

from django.test import Client

from mesosafe.portal import charts
from tests.pages_fixtures import Case


def test_no_checkins_yet(case: Case, client: Client) -> None:
    page = client.get(case.url("recovery/")).content.decode()
    assert "You have not sent a check-in yet." in page and "<svg viewBox" not in page


def test_chart_and_next_session(case: Case, client: Client) -> None:
    case.checkin([{"code": "bruising", "severity": "moderate"}])
    page = client.get(case.url("recovery/")).content.decode()
    assert '<svg viewBox="0 0 340 210" role="img"' in page
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
            {
                "day": 3,
                "symptoms": [
                    {"code": "redness", "severity": "mild"},
                    {"code": "itching", "severity": "mild"},
                ],
            },
            {"day": 7, "symptoms": []},
        ],
        {"redness": "Redness", "itching": "Itching"},
    )
    assert series == {"redness": [(0, 2), (1, 1), (2, 0)], "itching": [(1, 1), (2, 0)]}


def test_a_severity_not_asked_is_no_mark_never_mild() -> None:
    """Issue 12, section 2: a warning sign asks no severity; it is not drawn at 'mild'."""
    names = {"breathing_difficulty": "Difficulty breathing", "redness": "Redness"}
    checkins = [
        {
            "day": 0.2,
            "symptoms": [{"code": "breathing_difficulty"}, {"code": "redness", "severity": "severe"}],
        },
        {"day": 1.1, "symptoms": [{"code": "redness", "severity": "moderate", "trend": "improving"}]},
    ]
    series = charts.severity_series(checkins, names)
    assert series["breathing_difficulty"] == [(0, None), (1, 0)]
    chart = charts.build([0.2, 1.1], series, names)
    breathing = next(s for s in chart.series if s.code == "breathing_difficulty")
    assert len(breathing.dots) == 1  # only the check-in where it was gone: 0
    assert breathing.dots[0][1] == chart.y_ticks[0][0]
    assert chart.not_asked


def test_an_old_checkin_keeps_the_mild_it_stored() -> None:
    """Check-ins stored before 'not asked' existed stored severity 'mild' by default: they keep showing it."""
    names = {"breathing_difficulty": "Difficulty breathing"}
    old = [{"day": 1, "symptoms": [{"code": "breathing_difficulty", "severity": "mild", "trend": "same"}]}]
    assert charts.severity_series(old, names) == {"breathing_difficulty": [(0, 1)]}


def test_one_mark_per_checkin_even_on_one_day() -> None:
    """Three check-ins on day 2 make three columns, each with its own mark and day label."""
    names = {"pain": "Pain"}
    checkins = [
        {"day": day, "symptoms": [{"code": "pain", "severity": level}]}
        for day, level in ((2.1, "mild"), (2.3, "severe"), (2.6, "moderate"))
    ]
    chart = charts.build([c["day"] for c in checkins], charts.severity_series(checkins, names), names)
    (pain,) = chart.series
    xs = [x for x, _ in pain.dots]
    assert len(set(xs)) == 3 and min(b - a for a, b in itertools.pairwise(xs)) > 20
    assert [label for _, label in chart.x_ticks] == ["2", "2", "2"]
    assert pain.path.count("L") == 2


def test_day_labels_stay_apart_with_many_checkins() -> None:
    days = [float(d) for d in range(0, 84, 3)]  # 28 check-ins
    checkins = [{"day": d, "symptoms": [{"code": "lump", "severity": "mild"}]} for d in days]
    chart = charts.build(days, charts.severity_series(checkins, {"lump": "Lump"}), {"lump": "Lump"})
    xs = [x for x, _ in chart.x_ticks]
    assert min(b - a for a, b in itertools.pairwise(xs)) >= charts.MIN_LABEL_GAP
    assert chart.x_ticks[-1][1] == "81" and len(chart.columns) == 28


def test_the_list_says_not_asked(case: Case, client: Client) -> None:
    case.checkin([{"code": "breathing_difficulty"}])
    page = client.get(case.url("recovery/")).content.decode()
    assert 'Difficulty breathing: <span class="not-asked">how bad: not asked</span>' in page
    assert "No mark: how bad it was is not asked" in page
    svg = page[page.index("<svg viewBox") : page.index("</svg>")]
    assert 'class="mark"' not in svg  # nothing drawn for it, least of all "mild"


def test_chart_coordinates_are_not_localised_in_arabic(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    case.checkin([{"code": "bruising", "severity": "moderate"}])
    page = client.get(case.url("recovery/")).content.decode()
    svg = page[page.index("<svg viewBox") : page.index("</svg>")]
    assert 'cx="' in svg and "," not in svg.split('cx="')[1].split('"')[0]


def test_arabic_list_says_not_asked_in_arabic(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    case = make_case(lang="ar")
    case.checkin([{"code": "fever"}])
    page = client.get(case.url("recovery/")).content.decode()
    assert "الشدة: لم يُسأل" in page and "لا علامة: لم يُسأل عن شدة هذا العرض." in page


def test_a_symptom_reported_twice_in_one_checkin_is_drawn_at_its_worst() -> None:
    """Review F9: the API accepts a code twice; the chart never draws a milder level than was reported."""
    names = {"pain": "Pain", "redness": "Redness"}
    severe, mild = {"code": "pain", "severity": "severe"}, {"code": "pain", "severity": "mild"}
    checkins = [
        {"day": 3, "symptoms": [severe, mild]},
        {"day": 4, "symptoms": [mild, severe]},
        {"day": 5, "symptoms": [{"code": "pain"}, {"code": "pain", "severity": "moderate"}]},
        {"day": 6, "symptoms": [{"code": "pain", "severity": "moderate"}, {"code": "pain"}]},
        {"day": 7, "symptoms": [{"code": "redness"}, {"code": "redness"}]},  # not asked either time
    ]
    assert charts.severity_series(checkins, names) == {
        "pain": [(0, 3), (1, 3), (2, 2), (3, 2), (4, 0)],
        "redness": [(4, None)],
    }


def test_the_page_draws_a_repeated_symptom_at_its_worst(make_case, client: Client) -> None:  # type: ignore[no-untyped-def]
    """A check-in stored with a symptom twice, before a check-in listing one twice was refused."""
    case = make_case(days_ago=3)
    stored = case.checkin([{"code": "pain", "severity": "severe", "trend": "worse"}])
    stored.answers["symptoms"].append({"code": "pain", "severity": "mild", "trend": "improving"})
    stored.save(update_fields=["answers"])
    page = client.get(case.url("recovery/")).content.decode()
    marks = re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', page)
    severe_y = charts.build([3], {"pain": [(0, 3)]}, {"pain": "Pain"}).y_ticks[3][0]
    assert marks == [f"{severe_y}"]


def test_something_else_shows_the_patients_own_words(case: Case, client: Client) -> None:
    """Two 'something else' check-ins (a headache, then a rash) both read 'Something else': the list of
    check-ins lost what each was. The words are shown as on the result page: quoted, dir="auto", escaped."""
    case.checkin([{"code": "something_else", "description": "a headache"}])
    case.checkin([{"code": "something_else", "description": "a rash <b>on the neck</b>"}])
    page = client.get(case.url("recovery/")).content.decode()
    assert 'as written: <q dir="auto">a headache</q>' in page
    assert '<q dir="auto">a rash &lt;b&gt;on the neck&lt;/b&gt;</q>' in page and "<b>on" not in page


def test_something_else_words_on_an_arabic_page(make_case: Any, client: Client) -> None:
    case = make_case(lang="ar")
    case.checkin([{"code": "something_else", "description": "صداع منذ 3 أيام"}])
    page = client.get(case.url("recovery/")).content.decode()
    assert 'كما كُتب: <q dir="auto">صداع منذ 3 أيام</q>' in page  # the patient's "3", as written
