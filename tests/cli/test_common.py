"""`cli.common.read_json`: the CLI reads JSON as the API reads a body, each key once per object."""

from __future__ import annotations

import io

import pytest
from click.testing import CliRunner

from mesosafe.cli import cli
from mesosafe.cli.common import BadInput, read_json


@pytest.mark.parametrize(
    ("command", "stdin", "named"),
    [
        (
            "triage",
            '{"days_since_treatment": 1, "symptoms": [{"code": "chest_pain"}], "symptoms": []}',
            "symptoms",
        ),
        (
            "triage",
            '{"days_since_treatment": 1, "symptoms": [{"code": "pain", "code": "x"}]}',
            "symptoms[0].code",
        ),
        (
            "screen",
            '{"age": 30, "previous_anaphylaxis": true, "previous_anaphylaxis": false}',
            "previous_anaphylaxis",
        ),
        ("aftercare", '{"treated_at": "2026-05-01T15:00:00+04:00", "areas": ["face"], "areas": []}', "areas"),
    ],
)
def test_a_key_given_twice_is_refused_naming_it(command: str, stdin: str, named: str) -> None:
    """Python's json keeps the last: a red flag followed by an empty list was triaged as no symptoms."""
    result = CliRunner().invoke(cli, [command, "-"], input=stdin)
    assert result.exit_code == 2
    assert f"input: {named} is given twice: send each field once" in result.stderr


def test_a_byte_order_mark_is_read_and_utf16_is_refused() -> None:
    assert read_json(io.BytesIO(b'\xef\xbb\xbf{"age": 30}')) == {"age": 30}
    with pytest.raises(BadInput, match="input: not UTF-8 text"):
        read_json(io.BytesIO('{"age": 30}'.encode("utf-16")))
