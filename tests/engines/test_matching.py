from mesosafe.engines.matching import first_match, mentions, normalise, same_substance


def test_normalise_folds_case_punctuation_accents_and_arabic_spelling() -> None:
    assert normalise("  Omega-3!! ") == "omega 3"
    assert normalise("Café") == "cafe"
    assert normalise("أسْبرين") == normalise("اسبرين")


def test_mentions_matches_whole_words_only() -> None:
    assert mentions("type 2 diabetes mellitus", "diabetes")
    assert not mentions("prediabetes", "diabetes")


def test_first_match_returns_the_code() -> None:
    assert first_match("Advil 200", [("paracetamol", ["panadol"]), ("ibuprofen", ["advil"])]) == "ibuprofen"
    assert first_match("water", [("ibuprofen", ["advil"])]) is None


def test_same_substance_either_way() -> None:
    assert same_substance("lidocaine", "Lidocaine HCl")
    assert same_substance("lidocaine hcl", "lidocaine")
    assert not same_substance("", "lidocaine")
