"""The knowledge base loads, is complete in both languages, cites real seed sections, reports errors well;
its Arabic addresses a woman as well as a man."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import BaseModel

from mesosafe.knowledge import KnowledgeError, load, load_from
from mesosafe.knowledge.loader import DATA_DIR
from mesosafe.knowledge.schema import Source, Text
from tests.arabic_forms import masculine_forms

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
VOCABULARY = [
    "redness",
    "swelling",
    "bruising",
    "pain",
    "itching",
    "dryness",
    "bleeding",
    "burning",
    "numbness",
    "lump",
    "dark_patch",
    "rash",
    "hives",
    "pus",
    "warmth",
    "fever",
    "breathing_difficulty",
    "face_throat_swelling",
    "scarring",
    "open_sore",
]


def test_every_symptom_code_of_the_vocabulary_has_an_entry() -> None:
    assert set(VOCABULARY) <= set(load().effects)


def test_every_effect_has_both_languages_and_a_source() -> None:
    for effect in load().effects.values():
        for text in (effect.name, effect.description, effect.patient_text):
            assert text.en and text.ar
        assert effect.sources


def arabic_texts(node: object, where: str = "") -> Iterator[tuple[str, str]]:
    """Every Arabic text of the knowledge base, with where it is, by walking its models."""
    if isinstance(node, Text):
        yield where, node.ar
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from arabic_texts(getattr(node, name), f"{where}.{name}")
    elif isinstance(node, list | tuple):
        for i, item in enumerate(node):
            yield from arabic_texts(item, f"{where}[{getattr(item, 'code', None) or getattr(item, 'id', i)}]")
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from arabic_texts(item, f"{where}[{key}]")


@pytest.mark.parametrize(
    ("arabic", "masculine"),
    [
        ("ضع كمادة باردة على المنطقة المعالجة.", ["ضع"]),
        ("لا تلمس المنطقة المعالجة ولا تفركها.", ["لا تلمس"]),
        ("ارتدِ ملابس فضفاضة.", ["ارتدِ", "ارتد"]),
        ("الشرى رد فعل تحسسي، فأبلغ عيادتك. إذا صعب عليك التنفس، فاتصل بالإسعاف.", ["فأبلغ", "فاتصل"]),
        ("إذا احتجت إلى مسكن، فالباراسيتامول مناسب. تجنب الأسبرين.", ["إذا احتجت", "تجنب"]),
        ("قبل الجلسة بـ٥ أيام وابقَ دونها.", ["ابقَ", "وابق"]),
        ("يُرجى وضع كمادة باردة وعدم لمس المنطقة المعالجة.", []),
        ("يجب الاتصال بالإسعاف فورًا. يجب عدم الانتظار وعدم قيادة السيارة بنفسك.", []),
        ("يُرجى تجنّب الشمس القوية، والإبلاغ عن أي كتلة. إذا وافق طبيبك، يُرجى إيقافها.", []),
        ("لا يُنصح بالميزوثيرابي أثناء الحمل. انتظري حتى بعد الحمل والرضاعة.", []),
    ],
)
def test_the_masculine_form_check_finds_what_it_should(arabic: str, masculine: list[str]) -> None:
    assert masculine_forms(arabic) == masculine


def test_arabic_patient_texts_address_a_woman_as_well_as_a_man() -> None:
    kb = load()
    parts = {"effects": kb.effects, "triage": kb.triage, "screening": kb.screening}
    parts |= {"aftercare": kb.aftercare, "faq": kb.faq}
    texts = [text for name, part in parts.items() for text in arabic_texts(part, name)]
    assert len(texts) > 150  # the walk reaches every file's texts
    masculine = {where: forms for where, arabic in texts if (forms := masculine_forms(arabic))}
    assert masculine == {}


def _all_sources(node: object) -> Iterator[Source]:
    """Every source cited anywhere in the knowledge base, by walking its models."""
    if isinstance(node, Source):
        yield node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            yield from _all_sources(getattr(node, name))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _all_sources(item)
    elif isinstance(node, dict):
        for item in node.values():
            yield from _all_sources(item)


def _seed_sources() -> set[tuple[str, str, str]]:
    kb = load()
    parts = [kb.effects, kb.triage, kb.screening, kb.aftercare, kb.faq]
    return {(s.seed, s.title or "", s.section or "") for s in _all_sources(parts) if s.seed}


def seeds() -> Path:
    """The seed articles, or a skip with the reason (a clone without ../shared). Under .ci/run
    (MESOSAFE_REQUIRE_SERVICES=1) missing seeds fail instead."""
    if not SEEDS.is_dir():
        message = f"seed articles not found at {SEEDS} (they live in ../shared/seeds beside the clone)"
        if os.environ.get("MESOSAFE_REQUIRE_SERVICES") == "1":
            pytest.fail(message + "; MESOSAFE_REQUIRE_SERVICES=1 requires them")
        pytest.skip(message)
    return SEEDS


def test_every_cited_seed_section_exists_in_that_seed() -> None:
    directory = seeds()
    cited = _seed_sources()
    assert cited
    for seed, _, section in cited:
        assert section in (directory / seed).read_text(encoding="utf-8"), (seed, section)


def test_every_seed_is_cited_by_its_articles_title() -> None:
    """A reader without the seed files knows which article is meant; the title is the article's own."""
    directory = seeds()
    titles: dict[str, set[str]] = {}
    for seed, title, _ in _seed_sources():
        titles.setdefault(seed, set()).add(title)
    for seed, cited in titles.items():
        assert len(cited) == 1, (seed, cited)
        head = (directory / seed).read_text(encoding="utf-8").splitlines()[:10]
        assert cited.pop() in [line.strip() for line in head], seed


def test_every_seed_source_names_a_title_without_the_files() -> None:
    assert all(title for _, title, _ in _seed_sources())


def test_the_seed_check_skips_or_fails_without_the_seeds(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "SEEDS", tmp_path / "absent")
    monkeypatch.delenv("MESOSAFE_REQUIRE_SERVICES", raising=False)
    with pytest.raises(pytest.skip.Exception, match="seed articles not found"):
        seeds()
    monkeypatch.setenv("MESOSAFE_REQUIRE_SERVICES", "1")
    with pytest.raises(pytest.fail.Exception, match="MESOSAFE_REQUIRE_SERVICES=1"):
        seeds()


def test_version_is_a_content_hash(tmp_path: Path) -> None:
    copy = tmp_path / "kb"
    shutil.copytree(DATA_DIR, copy)
    assert load_from(copy).version == load().version
    faq = copy / "faq.yaml"
    faq.write_text(faq.read_text(encoding="utf-8") + "\n# a comment changes the content\n", encoding="utf-8")
    assert load_from(copy).version != load().version


def _broken_copy(tmp_path: Path, file: str, old: str, new: str) -> Path:
    copy = tmp_path / "kb"
    shutil.copytree(DATA_DIR, copy)
    path = copy / file
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return copy


def test_a_missing_translation_names_file_line_and_field(tmp_path: Path) -> None:
    copy = _broken_copy(tmp_path, "effects.yaml", 'name: {en: "Pain or tenderness"', 'name: {ex: "Pain"')
    with pytest.raises(KnowledgeError) as error:
        load_from(copy)
    assert error.value.file == "effects.yaml"
    assert error.value.field_path.startswith("effects[3].name")
    line = (copy / "effects.yaml").read_text(encoding="utf-8").splitlines()[error.value.line - 1]
    assert "ex:" in line


def test_an_unknown_disposition_is_rejected(tmp_path: Path) -> None:
    copy = _broken_copy(tmp_path, "triage.yaml", "to: emergency", "to: very_bad")
    with pytest.raises(KnowledgeError, match=r"triage.yaml:\d+: red_flags\[0\]\.to"):
        load_from(copy)


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    copy = _broken_copy(tmp_path, "faq.yaml", "faq:\n", "faq:\n  - [unclosed\n")
    with pytest.raises(KnowledgeError, match=r"faq.yaml:\d+: invalid YAML"):
        load_from(copy)


def test_a_reference_to_an_unknown_symptom_is_rejected(tmp_path: Path) -> None:
    copy = _broken_copy(tmp_path, "triage.yaml", "symptoms: [pus, open_sore]", "symptoms: [pus, blister]")
    with pytest.raises(KnowledgeError, match="unknown symptom code 'blister'"):
        load_from(copy)


def test_arabic_text_must_be_arabic(tmp_path: Path) -> None:
    copy = _broken_copy(
        tmp_path, "faq.yaml", 'ar: "هل يمكنني تناول مسكنات الألم بعد العلاج؟"', 'ar: "Can I?"'
    )
    with pytest.raises(KnowledgeError, match="Arabic"):
        load_from(copy)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    copy = tmp_path / "kb"
    shutil.copytree(DATA_DIR, copy)
    (copy / "screening.yaml").unlink()
    with pytest.raises(KnowledgeError, match=r"^screening.yaml: cannot read file"):
        load_from(copy)


def test_a_rule_reading_a_question_its_symptom_does_not_ask_is_refused(tmp_path: Path) -> None:
    # fever asks nothing: a red flag on a spreading fever reads an answer that is never given
    copy = _broken_copy(
        tmp_path,
        "triage.yaml",
        "  - id: fever_reported\n    symptoms: [fever]\n    when: {always: true}",
        "  - id: fever_reported\n    symptoms: [fever]\n    when: {spreading: true}",
    )
    with pytest.raises(KnowledgeError) as error:
        load_from(copy)
    assert error.value.file == "triage.yaml"
    assert error.value.field_path.endswith(".when.spreading")
    assert "'spreading', which is not asked for fever" in error.value.message
    line = (copy / "triage.yaml").read_text(encoding="utf-8").splitlines()[error.value.line - 1]
    assert "spreading: true" in line


def test_an_escalation_reading_an_unasked_question_is_refused(tmp_path: Path) -> None:
    copy = _broken_copy(
        tmp_path,
        "effects.yaml",
        "      - id: very_unwell.with_fever\n        when: {with_fever: true}",
        "      - id: very_unwell.with_fever\n        when: {with_fever: true, trend_at_least: worse}",
    )
    with pytest.raises(
        KnowledgeError, match=r"effects.yaml:\d+: effects\[\d+\]\.escalate\[0\]\.when\.trend_at_least"
    ):
        load_from(copy)


VISION_CHANGE = (
    (DATA_DIR / "effects.yaml").read_text(encoding="utf-8").split("  - code: vision_change\n")[1][:800]
)


def test_an_emergency_that_asks_a_question_is_refused(tmp_path: Path) -> None:
    copy = _broken_copy(
        tmp_path,
        "effects.yaml",
        "  - code: vision_change\n" + VISION_CHANGE,
        "  - code: vision_change\n" + VISION_CHANGE.replace("asks: []", "asks: [severity]"),
    )
    with pytest.raises(KnowledgeError, match="emergency asks no follow-up question"):
        load_from(copy)


def test_a_sign_reading_an_unasked_question_is_refused(tmp_path: Path) -> None:
    copy = _broken_copy(
        tmp_path, "triage.yaml", "      - {code: hives}", "      - {code: hives, trend_at_least: worse}"
    )
    with pytest.raises(KnowledgeError, match=r"sign_sets\[0\]\.signs\[0\]\.trend_at_least"):
        load_from(copy)


def test_an_infinite_number_is_refused(tmp_path: Path) -> None:
    """`.inf` is valid YAML: a redness expected for ever would have made any redness, any day, self-care."""
    copy = _broken_copy(tmp_path, "effects.yaml", "resolves_within_days: 3\n", "resolves_within_days: .inf\n")
    with pytest.raises(KnowledgeError, match=r"resolves_within_days: Input should be a finite number"):
        load_from(copy)
