import pytest

from mesosafe.engines import CheckIn, InputError, Intake, Treatment, parse, triage
from mesosafe.engines.inputs import check_symptom_codes
from mesosafe.knowledge import load


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (CheckIn, {"days_since_treatment": -1}, "days_since_treatment"),
        (CheckIn, {}, "days_since_treatment"),
        (CheckIn, {"days_since_treatment": "x"}, "days_since_treatment"),
        (
            CheckIn,
            {"days_since_treatment": 1, "symptoms": [{"code": "pain", "severity": "awful"}]},
            "symptoms[0].severity",
        ),
        (
            CheckIn,
            {"days_since_treatment": 1, "symptoms": [{"code": "pain", "trend": "up"}]},
            "symptoms[0].trend",
        ),
        (CheckIn, {"days_since_treatment": 1, "temperature_c": 60}, "temperature_c"),
        (CheckIn, {"days_since_treatment": 1, "colour": "red"}, "colour"),
        (CheckIn, [], "(body)"),
        (Intake, {"age": -3}, "age"),
        (
            Intake,
            {"age": 30, "medications": [{"name": "aspirin", "last_taken_days_ago": -1}]},
            "medications[0].last_taken_days_ago",
        ),
        (Treatment, {"treated_at": "2026-05-01T15:00:00"}, "treated_at"),
        (Treatment, {"treated_at": "2026-05-01T15:00:00Z", "time_zone": "Mars/Olympus"}, "time_zone"),
        # Files of the zone database that are not places: this machine's setting, no offset, leap seconds
        (Treatment, {"treated_at": "2026-05-01T15:00:00Z", "time_zone": "localtime"}, "time_zone"),
        (Treatment, {"treated_at": "2026-05-01T15:00:00Z", "time_zone": "Factory"}, "time_zone"),
        (Treatment, {"treated_at": "2026-05-01T15:00:00Z", "time_zone": "right/UTC"}, "time_zone"),
        # Not coerced: a JSON true is not age 1 (a clinician review "under 18"), nor "3" three days
        (Intake, {"age": True}, "age"),
        (Intake, {"age": 30, "pregnant": "no"}, "pregnant"),
        (Intake, {"age": 30, "allergies": ["   "]}, "allergies[0]"),
        # invisible is blank too: a zero-width space or a direction mark is an empty line on the clinic's page
        (Intake, {"age": 30, "allergies": ["\u200b"]}, "allergies[0]"),
        (Intake, {"age": 30, "conditions": ["\u200f \u2060"]}, "conditions[0]"),
        (
            Intake,
            {"age": 30, "medications": [{"name": " ", "last_taken_days_ago": 1}]},
            "medications[0].name",
        ),
        (CheckIn, {"days_since_treatment": True}, "days_since_treatment"),
        (CheckIn, {"days_since_treatment": "3"}, "days_since_treatment"),
        (
            CheckIn,
            {"days_since_treatment": 1, "symptoms": [{"code": "redness", "spreading": "yes"}]},
            "symptoms[0].spreading",
        ),
        (CheckIn, {"days_since_treatment": 1, "temperature_c": "38.5"}, "temperature_c"),
        (Treatment, {"treated_at": 1714561200}, "treated_at"),
    ],
)
def test_bad_input_names_the_field(model: type, data: object, field: str) -> None:
    with pytest.raises(InputError) as error:
        parse(model, data)
    assert error.value.field == field
    assert str(error.value).startswith(field)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (
            {"age": 30, "medications": [{"name": "Plavix\x1b[2J", "last_taken_days_ago": 2}]},
            "medications[0].name",
        ),
        ({"age": 30, "allergies": ["nuts\x07"]}, "allergies[0]"),
        ({"age": 30, "conditions": ["asthma\x00"]}, "conditions[0]"),
    ],
)
def test_control_characters_in_free_text_are_refused_in_plain_words(data: object, field: str) -> None:
    """What the patient writes reaches the clinic's pages, exports and terminals (API review F6)."""
    with pytest.raises(InputError) as error:
        parse(Intake, data)
    assert str(error.value) == f"{field}: must not contain control characters"  # not "Value error, must …"


@pytest.mark.parametrize(
    ("model", "data", "field"),
    [
        (CheckIn, {"days_since_treatment": 1, "symptoms": [{"code": "pain\x1b[2J"}]}, "symptoms[0].code"),
        (Treatment, {"treated_at": "2026-05-01T15:00:00Z", "time_zone": "Asia/\x1b]0;x"}, "time_zone"),
    ],
)
def test_a_refused_code_or_zone_is_not_echoed_to_the_terminal(model: type, data: object, field: str) -> None:
    """An unknown code or zone was quoted back as written, escape sequences and all (API review F7)."""
    with pytest.raises(InputError) as error:
        parse(model, data)
    assert str(error.value) == f"{field}: must not contain control characters"


def test_an_answer_not_given_is_unknown_not_mild() -> None:
    check_in = parse(CheckIn, {"days_since_treatment": 2, "symptoms": [{"code": "pain"}]})
    assert check_in.symptoms[0].severity is None
    assert check_in.symptoms[0].trend is None
    assert check_in.symptoms[0].spreading is None


def test_the_schema_has_no_default_answers() -> None:
    properties = CheckIn.model_json_schema()["$defs"]["SymptomReport"]["properties"]
    assert all("default" not in properties[q] for q in ("severity", "trend", "spreading"))


def test_whole_numbers_are_still_numbers() -> None:
    assert parse(CheckIn, {"days_since_treatment": 3, "temperature_c": 38}).temperature_c == 38.0


@pytest.mark.parametrize(
    ("words", "kind"),
    [
        ("x" * 201, "string_too_long"),
        ("", "string_too_short"),
        ("   ", "value_error"),
        ("\u200b\u200f ", "value_error"),  # only invisible characters
        ("a\x07bell", "value_error"),
        ("a\x1b[31m", "value_error"),
    ],
)
def test_a_description_too_long_blank_or_with_control_characters_is_refused(words: str, kind: str) -> None:
    data = {"days_since_treatment": 1, "symptoms": [{"code": "something_else", "description": words}]}
    with pytest.raises(InputError) as error:
        parse(CheckIn, data)
    assert error.value.field == "symptoms[0].description"
    assert error.value.kind == kind


@pytest.mark.parametrize("words", ["x" * 200, "طعم معدني في الفم", "a headache\nsince yesterday"])
def test_a_description_is_kept_as_written(words: str) -> None:
    data = {"days_since_treatment": 1, "symptoms": [{"code": "something_else", "description": words}]}
    assert parse(CheckIn, data).symptoms[0].description == words


def test_a_description_is_optional_and_has_no_default() -> None:
    check_in = parse(CheckIn, {"days_since_treatment": 1, "symptoms": [{"code": "something_else"}]})
    assert check_in.symptoms[0].description is None
    properties = CheckIn.model_json_schema()["$defs"]["SymptomReport"]["properties"]
    assert "default" not in properties["description"]
    assert properties["description"]["anyOf"][0]["maxLength"] == 200


def test_a_symptom_listed_twice_is_refused_naming_the_second() -> None:
    """Two answers to one question ('mild' and 'severe' pain) cannot both be what the patient meant: the
    check-in is refused, in the check the API, the CLI and the patient's page share."""
    data = {
        "days_since_treatment": 1,
        "symptoms": [
            {"code": "redness", "severity": "mild", "trend": "same", "spreading": False},
            {"code": "pain", "severity": "mild", "trend": "same"},
            {"code": "pain", "severity": "severe", "trend": "worse"},
        ],
    }
    with pytest.raises(InputError) as error:
        check_symptom_codes(parse(CheckIn, data), load())
    assert error.value.field == "symptoms[2].code" and error.value.kind == "repeated"
    assert error.value.message == "'pain' is listed twice; give each symptom once"
    with pytest.raises(InputError):
        triage(parse(CheckIn, data))  # the engine refuses it too: it never merges two answers


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (None, "(body)", "must be a JSON object"),
        ([1], "(body)", "must be a JSON object"),
        ({"days_since_treatment": 1, "symptoms": [5]}, "symptoms[0]", "must be a JSON object"),
        (
            {"days_since_treatment": 1, "symptoms": [{"code": "\ud800"}]},
            "symptoms[0].code",
            "must be text (it holds half of a character: an unpaired \\ud800 to \\udfff escape)",
        ),
    ],
)
def test_a_message_names_no_class_of_ours(data: object, field: str, message: str) -> None:
    """pydantic said "Input should be a valid dictionary or instance of SymptomReport"."""
    with pytest.raises(InputError) as error:
        parse(CheckIn, data)
    assert error.value.field == field and error.value.message == message
