from mesosafe.engines.matching import mentions, normalise, same_substance, unread


def test_normalise_folds_case_punctuation_accents_and_arabic_spelling() -> None:
    assert normalise("  Omega-3!! ") == "omega 3"
    assert normalise("Café") == "cafe"
    assert normalise("أسْبرين") == normalise("اسبرين")


def test_mentions_matches_whole_words_only() -> None:
    assert mentions("type 2 diabetes mellitus", "diabetes")
    assert not mentions("prediabetes", "diabetes")


def test_unread_is_what_is_left_beyond_the_names_the_ignored_words_and_doses() -> None:
    ignored = {"mg", "and", "twice", "daily"}
    assert unread("Panadol 500mg twice daily", ["panadol"], ignored) == []
    assert unread("panadol, methotrexate", ["panadol"], ignored) == ["methotrexate"]
    assert unread("omega 3 fish oil and fish oil", ["fish oil", "omega 3 fish oil"], ignored) == []
    assert unread("aspirin 2.5 mg", ["aspirin"], ignored) == []
    assert unread("aspirin 5x", ["aspirin"], ignored) == ["5x"]  # not a unit it knows
    assert unread("أسبرين", ["اسبرين"], ignored) == []


def test_same_substance_either_way() -> None:
    assert same_substance("lidocaine", "Lidocaine HCl")
    assert same_substance("lidocaine hcl", "lidocaine")
    assert not same_substance("", "lidocaine")
