"""patients/questions: the screening's questions in one place, for the patient's form and the FHIR export."""

from __future__ import annotations

from mesosafe.engines import Intake
from mesosafe.engines.inputs import YES_NO
from mesosafe.fhir.definitions import SCREENING_ITEMS
from mesosafe.patients.questions import SCREENING_QUESTIONS
from mesosafe.portal.forms import ScreeningForm


def test_every_question_answers_an_intake_field_and_every_yes_no_one_has_words() -> None:
    assert set(SCREENING_QUESTIONS) <= set(Intake.model_fields)
    assert set(YES_NO) <= set(SCREENING_QUESTIONS)


def test_the_form_and_the_questionnaire_ask_in_the_same_words() -> None:
    form = {str(field.label) for field in ScreeningForm.base_fields.values()}
    questionnaire = {name: str(text) for name, _kind, text in SCREENING_ITEMS}
    for name, words in SCREENING_QUESTIONS.items():
        assert str(words) in form and questionnaire[name] == str(words), name
