"""Versions of one case: C.1.5 to the second orders them whatever the file order; a true tie is refused."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from mesosafe.e2b import Case, E2BError, Header, latest_versions, read, write
from mesosafe.e2b.codes import Outcome
from mesosafe.e2b.rules import check
from tests.e2b.conftest import HEADER, make_case

DUBAI = timezone(timedelta(hours=4))
MORNING = datetime(2026, 11, 3, 9, 0, 5, tzinfo=DUBAI)


def _versions() -> tuple[Case, Case]:
    """The first version at 09:00:05 and a follow-up seven seconds later, the same day (Dubai time)."""
    old = make_case(most_recent_at=MORNING, created=MORNING)
    recovered = replace(old.reactions[0], outcome=Outcome.RECOVERED)
    later = MORNING + timedelta(seconds=7)
    new = replace(old, most_recent_at=later, created=later, reactions=(recovered, *old.reactions[1:]))
    return old, new


def test_c15_is_written_to_the_second_with_its_zone_and_reads_back() -> None:
    old, _ = _versions()
    xml = write(old, HEADER)
    assert b'<availabilityTime value="20261103090005+0400" />' in xml
    assert read(xml) == [old] and check(xml) == []


@pytest.mark.parametrize("newest_first", [True, False])
def test_of_two_versions_the_same_day_the_later_wins_in_either_file_order(newest_first: bool) -> None:
    old, new = _versions()
    files = [write(old, HEADER), write(new, replace(HEADER, batch_id="B-2026-0002"))]
    cases = [case for xml in (files[::-1] if newest_first else files) for case in read(xml)]
    assert [c.most_recent for c in cases] == [date(2026, 11, 3)] * 2
    assert latest_versions(cases) == [new]


@pytest.mark.parametrize("newest_first", [True, False])
def test_the_same_c15_is_ordered_by_c12(newest_first: bool) -> None:
    old, new = _versions()
    new = replace(new, most_recent_at=old.most_recent_at)
    assert latest_versions([new, old] if newest_first else [old, new]) == [new]


def test_a_version_sent_twice_is_one_version() -> None:
    old, _ = _versions()
    assert latest_versions([old, replace(old)]) == [old]


def test_two_different_versions_with_the_same_c15_and_c12_are_refused_naming_the_case() -> None:
    old, new = _versions()
    tie = replace(new, most_recent_at=old.most_recent_at, created=old.created)
    with pytest.raises(E2BError, match=r"C.1.1 AE-MESOSAFE-1-17: two different versions .* cannot be told"):
        latest_versions([old, tie])


def test_a_sender_of_days_only_is_ordered_by_day_then_c12() -> None:
    first = make_case(most_recent=date(2026, 11, 3), created=datetime(2026, 11, 3, 8, tzinfo=UTC))
    second = replace(first, created=datetime(2026, 11, 3, 17, tzinfo=UTC), narrative="follow-up")
    assert latest_versions([second, first]) == [second] == latest_versions([first, second])


def test_c15_and_its_moment_are_one_value() -> None:
    with pytest.raises(ValueError, match=r"C\.1\.5"):
        make_case(most_recent=date(2026, 11, 4), most_recent_at=MORNING)


def test_the_header_ids_are_written_as_given() -> None:
    old, _ = _versions()
    header = Header("AE-1-20261103T050005Z", "S", "R", MORNING, message_id="AE-1-20261103T050005Z")
    xml = write(old, header).decode()
    assert xml.count('extension="AE-1-20261103T050005Z"') == 2
