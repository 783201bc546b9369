"""The criteria loader: shipped files pass, every broken fixture yields its message at its line,
and a loaded edition behaves as criteria/README.md says."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from lgo_assess.criteria.edition import (Edition, ScoringChecklist, ScoringLevel, ScoringNumeric,
                                         ScoringYesNo)
from lgo_assess.criteria.loader import expand, load_file, load_library, load_text

ROOT = Path(__file__).resolve().parents[2]
CRITERIA = ROOT / "criteria"
FIXTURES = ROOT / "tests" / "criteria_fixtures"
VALID = FIXTURES / "valid"
BROKEN = sorted(p for p in (FIXTURES / "broken").iterdir() if p.is_dir())


def _expected(case: Path) -> list[str]:
    (path,) = expand([case])
    return [line[len("# expect: "):].rstrip("\n")
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.startswith("# expect: ")]


def _short(problem) -> str:
    path = f"{problem.path}: " if problem.path else ""
    return f"{problem.line}: {path}{problem.text()}"


def test_shipped_criteria_files_are_valid():
    files = expand([CRITERIA])
    assert any(p.parent.name == "kpis" for p in files), "the KPI catalogue is missing"
    library = load_library([CRITERIA])
    assert [str(p) for p in library.problems] == []
    assert library.catalogues and all(f.catalogue for f in library.catalogues)
    assert all(f.edition is not None for f in library.editions)


def test_valid_fixture_loads_into_an_edition():
    library = load_library([VALID])
    assert library.problems == []
    (loaded,) = library.editions
    edition = loaded.edition
    assert edition.standard.code == "TST" and edition.code == "2569"
    assert [s.code for s in edition.sections] == ["1", "2", "3", "4"]
    assert [c.code for c in edition.criteria] == ["1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "4.1"]
    assert len(loaded.content_hash) == 64
    assert library.catalogues[0].catalogue.kpi("SI9-G1-K1").formula.standard == "TST"


@pytest.mark.parametrize("case", BROKEN, ids=[p.name for p in BROKEN])
def test_broken_fixture_reports_its_problems_at_their_lines(case):
    expected = _expected(case)
    assert expected, f"{case.name} has no '# expect:' lines"
    library = load_library([case], context=[VALID])
    found = [_short(p) for p in library.problems]
    assert len(found) == len(expected), "\n".join(found)
    for want, got in zip(expected, found):
        if want.endswith("*"):
            assert got.startswith(want[:-1]), got
        else:
            assert got == want
    assert all(f.edition is None and f.catalogue is None for f in library.files)


def test_problem_formats_as_file_line_path_message_through_gettext():
    library = load_library([FIXTURES / "broken" / "unknown_scale"], context=[VALID])
    (problem,) = library.problems
    assert str(problem).endswith("/unknown_scale/TST/2569.yaml:34: sections[0].criteria[0]."
                                 "scoring.scale: unknown scale maturity9; this file defines: "
                                 "maturity5")
    shout = {"unknown scale %(scale)s; this file defines: %(known)s":
             "ไม่รู้จักมาตรวัด %(scale)s (มี: %(known)s)"}
    assert problem.format(lambda s: shout.get(s, s)).endswith(
        "scoring.scale: ไม่รู้จักมาตรวัด maturity9 (มี: maturity5)")


def test_nested_messages_are_translated_too():
    loaded = load_text("format: 5\n", "x.yaml")
    texts = [p.format(lambda s: s.replace("text", "ข้อความ")) for p in loaded.problems]
    assert any("must be exactly" in t for t in texts)
    loaded = load_text("format: lgo-assess/criteria@1\nstandard: [1]\n", "x.yaml")
    assert "must be a mapping (key: value), not a list" in [p.text() for p in loaded.problems]


def test_every_problem_is_reported_not_just_the_first():
    text = (VALID / "TST" / "2569.yaml").read_text(encoding="utf-8")
    text = text.replace("certificate_validity_months: 36", "certificate_validity_months: many")
    text = text.replace("scale: sep3", "scale: sep4")
    text = text.replace("kind: photo", "kind: painting", 1)
    loaded = load_text(text, "TST/2569.yaml")
    paths = [p.path for p in loaded.problems]
    assert paths == ["edition.certificate_validity_months",
                     "sections[2].criteria[0].evidence[0].kind",
                     "sections[3].criteria[0].scoring.scale"]


def test_a_file_that_is_not_yaml_or_not_utf8_is_a_problem_not_a_crash(tmp_path):
    bad = tmp_path / "TST" / "2569.yaml"
    bad.parent.mkdir()
    bad.write_bytes(b"format: x\ntitle: \xff\xfe\n")
    (problem,) = load_file(bad).problems
    assert problem.line == 2 and problem.text() == "the file is not UTF-8 text"
    assert [p.text() for p in load_text("", "e.yaml").problems] == ["the file is empty"]
    assert load_text("a: &x [*x]\n", "r.yaml").problems[0].text() == "an alias refers to itself"
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]\n"
        for i in range(6))
    assert "too large" in load_text(bomb, "bomb.yaml").problems[0].text()
    assert "not supported" in load_text("a: &a {b: 1}\nc:\n  <<: *a\n", "m.yaml").problems[0].text()


def test_missing_file_is_a_problem(tmp_path):
    (problem,) = load_library([tmp_path / "GGL" / "2569.yaml"]).problems
    assert problem.text().startswith("cannot read the file")


def test_edition_rebuilt_from_stored_json_equals_the_loaded_one():
    loaded = load_file(VALID / "TST" / "2569.yaml")
    stored = json.loads(json.dumps(loaded.document))  # level keys become strings in JSON
    assert Edition.from_document(stored) == loaded.edition


def test_supersedes_null_and_absent_parse_alike():
    text = (VALID / "TST" / "2569.yaml").read_text(encoding="utf-8")
    without = load_text(text.replace("  supersedes: null\n", ""), "a.yaml")
    assert load_text(text, "b.yaml").document == without.document


def _edition() -> Edition:
    return load_file(VALID / "TST" / "2569.yaml").edition


def test_criteria_for_marks_what_does_not_apply_and_applies_variants():
    edition = _edition()
    city = {c.code: c for c in edition.criteria_for("city_municipality")}
    assert len(city) == len(edition.criteria)  # marked, never hidden
    assert city["3.2"].applicable is False and city["3.2"].not_applicable_reason == "lgo_type"
    assert city["4.1"].variant is None and isinstance(city["4.1"].scoring, ScoringLevel)

    sao = {c.code: c for c in edition.criteria_for("sao", {"urban"})}
    assert sao["3.2"].applicable is False and sao["3.2"].not_applicable_reason == "area_tags"
    assert sao["4.1"].variant is not None
    assert isinstance(sao["4.1"].scoring, ScoringChecklist) and sao["4.1"].weight == 2
    assert sao["4.1"].title == edition.criterion("4.1").title  # not overridden: stays
    assert sao["4.1"].guidance.en.startswith("Hold a forum in at least 80%")
    assert sao["4.1"].na_effect == "score_full"

    border_sao = {c.code: c for c in edition.criteria_for("sao", ["border"])}
    assert border_sao["3.2"].applicable

    pao = {c.code: c for c in edition.criteria_for("pao")}
    assert pao["4.1"].title.en == "Participation of province-wide partners"
    assert [e.required for e in pao["4.1"].evidence] == [True]
    assert pao["1.2"].na_effect is None


def test_scoring_methods_turn_answers_into_fractions():
    edition = _edition()
    level = edition.criterion("1.1").scoring
    assert isinstance(level, ScoringLevel)
    assert [level.fraction(v) for v in (0, 2, 4)] == [0, 0.5, 1]
    assert level.descriptor(4).en == "Ordinances go through public hearing"
    assert level.descriptor(0).en == "No ordinance"  # the criterion's own, not the scale's
    with pytest.raises(ValueError):
        level.fraction(5)

    checklist = edition.criterion("1.2").scoring
    assert checklist.fraction(["a"]) == 0.5 and checklist.fraction({"a", "b", "c"}) == 1
    assert checklist.fraction(["zz"]) == 0
    banded = edition.criterion("3.2").scoring
    assert [banded.fraction(n) for n in (0, 1, 2, 3, 4)] == [0, 0, 0.5, 0.5, 1]

    higher = edition.criterion("2.1").scoring
    assert isinstance(higher, ScoringNumeric)
    assert [higher.fraction(v) for v in (10, 50, 79.9, 80, 100)] == [0, 0.5, 0.5, 1, 1]
    lower = edition.criterion("2.2").scoring
    assert [lower.fraction(v) for v in (90, 31, 30, 15, 2)] == [0, 0, 0.5, 1, 1]

    yes_no = edition.criterion("3.1").scoring
    assert isinstance(yes_no, ScoringYesNo)
    assert (yes_no.fraction(True), yes_no.fraction(False)) == (1, 0)


def test_must_pass_bars():
    edition = _edition()
    assert edition.criterion("1.1").must_pass.min_fraction == 0.5  # min_level 2 on 0–4
    assert edition.criterion("1.1").must_pass.is_met(0.5)
    assert not edition.criterion("2.1").must_pass.is_met(0.49)
    assert edition.criterion("3.1").must_pass.min_fraction == 1
    assert edition.criterion("1.2").must_pass is None


def test_result_rules_and_section_minimums():
    edition = _edition()
    excellent = edition.result.level("excellent")
    assert [lv.code for lv in edition.result.levels] == ["pass", "good", "excellent"]
    assert edition.result.section_minimum_for(excellent, edition.section("1")) == 70
    assert edition.result.section_minimum_for(edition.result.level("pass"),
                                              edition.section("1")) == 60
    assert edition.result.section_minimum_for(edition.result.level("pass"),
                                              edition.section("2")) == 50


def test_search_text_holds_both_languages_and_nested_texts():
    text = _edition().criterion("4.1").text_for_search
    assert "ประชาคม" in text and "public forum" in text
    assert "Forum results summarised" in text  # a variant's checklist item


def test_crosswalk_to_a_criterion_no_edition_has_is_reported(tmp_path):
    text = (VALID / "TST" / "2569.yaml").read_text(encoding="utf-8")
    target = tmp_path / "TST" / "2569.yaml"
    target.parent.mkdir()
    target.write_text(text.replace('{standard: TST, criterion: "1.1"}',
                                   '{standard: TST, criterion: "9.9"}'), encoding="utf-8")
    library = load_library([target], context=[VALID / "kpis"])
    assert [p.text() for p in library.problems] == ["no edition of TST has a criterion 9.9"]
    target.write_text(text.replace('{standard: TST, criterion: "1.1"}',
                                   '{standard: ZZZ, criterion: "1.1"}'), encoding="utf-8")
    library = load_library([target], context=[VALID / "kpis"])
    assert [p.text() for p in library.problems] == [
        "unknown standard ZZZ: no edition of it is on the platform (criteria/ZZZ/)"]


def test_area_tags_can_be_extended_by_the_registry():
    text = (VALID / "TST" / "2569.yaml").read_text(encoding="utf-8").replace(
        "area_tags_any: [border]", "area_tags_any: [border, mountain]")
    assert [p.text() for p in load_text(text, "x.yaml").problems][0].startswith(
        "unknown area tag mountain")
    assert load_text(text, "x.yaml", area_tags=("border", "mountain")).problems == []
