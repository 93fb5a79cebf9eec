from mesosafe.knowledge import Decision, Disposition, Severity, Trend


def test_dispositions_are_ordered_by_urgency() -> None:
    assert Disposition.SELF_CARE < Disposition.CONTACT_CLINIC < Disposition.URGENT < Disposition.EMERGENCY
    assert max(Disposition, key=lambda d: d.rank) is Disposition.EMERGENCY


def test_decisions_are_ordered_by_restriction() -> None:
    order = ["proceed", "proceed_with_precautions", "defer", "clinician_review", "do_not_treat"]
    assert [d.value for d in sorted(Decision, key=lambda d: d.rank)] == order


def test_severity_and_trend_orders() -> None:
    assert Severity.MILD < Severity.MODERATE < Severity.SEVERE
    assert Trend.IMPROVING < Trend.SAME < Trend.WORSE


def test_values_are_plain_strings() -> None:
    assert Disposition("urgent") == "urgent"
    assert {Disposition.URGENT: 1}["urgent"] == 1
