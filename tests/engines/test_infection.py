from mesosafe.engines.infection import suspected_infection


def test_a_clinician_flag_counts() -> None:
    assert suspected_infection([], 2, flagged=True)


def test_signs_of_infection_count_at_any_time() -> None:
    assert suspected_infection(["redness", "pus"], 2, flagged=False)
    assert suspected_infection(["open_sore"], 40, flagged=False)


def test_a_lump_counts_only_after_the_first_week() -> None:
    assert not suspected_infection(["lump"], 3, flagged=False)
    assert suspected_infection(["lump"], 21, flagged=False)


def test_ordinary_effects_do_not_count() -> None:
    assert not suspected_infection(["bruising", "redness"], 30, flagged=False)
