"""Whatever anyone posts to the patient forms, the answer is a page or a redirect, never a 500."""

from __future__ import annotations

from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mesosafe.knowledge import load
from mesosafe.portal.forms import DetailsForm, ScreeningForm, SymptomsForm
from mesosafe.portal.red_flags import red_flags
from tests.pages_fixtures import Case

VALUES = st.one_of(
    st.sampled_from(
        [
            "yes",
            "no",
            "on",
            "mild",
            "severe",
            "worse",
            "",
            "38.5",
            "-1",
            "1e309",
            "NaN",
            "2020-02-30",
            "0001-01-01",
            "9999-12-31",
            "2024-01-01",
            "aspirin",
            "ليس",
            "fine",
            "symptoms",
            "details",
            "change",
            "redness",
        ]
    ),
    st.text(max_size=30),
)


def fields(form: type) -> list[str]:
    if form is ScreeningForm:
        return list(form().fields)
    every = DetailsForm(initial={"symptoms": list(load().effects)}, days=2.0)
    return [*SymptomsForm(flags=red_flags(load(), 2.0)).fields, *every.fields, "step"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(fields(ScreeningForm)), VALUES, max_size=12))
def test_screening_post(case: Case, client: Client, data: dict[str, str]) -> None:
    response = client.post(case.url("screening/"), data)
    assert response.status_code in (302, 400)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.dictionaries(st.sampled_from(fields(SymptomsForm)), VALUES, max_size=12))
def test_checkin_post(case: Case, client: Client, data: dict[str, str]) -> None:
    response = client.post(case.url("checkin/"), data)
    assert response.status_code in (200, 302, 400)  # 200: the second step, or the first again


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.text(alphabet="abc0123456789/?=&%.-_", max_size=20))
def test_any_path_under_the_link(case: Case, client: Client, path: str) -> None:
    assert client.get(case.url(path)).status_code in (200, 301, 302, 404)
