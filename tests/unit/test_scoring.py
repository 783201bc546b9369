"""The scoring rules of criteria/README.md, on a small hand-made edition whose figures are worked
out by hand in the comments."""
import pytest

from lgo_assess.assessments.scoring import (Answer, AnswerError, CriterionState, explain_gap,
                                            score)
from lgo_assess.criteria.edition import Edition

T = {"th": "ข้อความ", "en": "Text"}
ONSITE = {"methods": ["document_review"]}


def criterion(code, scoring, **extra):
    return {"code": code, "title": T, "guidance": T, "scoring": scoring, "evidence": [],
            "onsite": ONSITE, **extra}


LEVEL = {"method": "level", "scale": "l04"}


def make_edition(**result_overrides) -> Edition:
    result = {"levels": [
        {"code": "pass", "label": {"th": "ผ่าน", "en": "Pass"}, "min_percent": 60},
        {"code": "good", "label": {"th": "ดี", "en": "Good"}, "min_percent": 75},
        {"code": "excellent", "label": {"th": "ดีเด่น", "en": "Excellent"}, "min_percent": 90,
         "section_minimum_percent": 80},
    ], "section_minimum_percent": 40}
    result.update(result_overrides)
    doc = {
        "format": "lgo-assess/criteria@1",
        "standard": {"code": "TST", "plan_ref": "S09", "name": T, "owner": T},
        "edition": {"code": "2569", "title": T, "fiscal_years": [2569],
                    "certificate_validity_months": 36, "kpis": [], "summary": T,
                    "not_applicable_default": "exclude"},
        "scales": {"l04": {"name": T, "levels": [
            {"value": v, "label": T} for v in range(5)]}},
        "result": result,
        "sections": [
            {"code": "1", "title": T, "weight": 1, "criteria": [
                criterion("1.1", LEVEL, weight=2, must_pass={"min_level": 2}),
                criterion("1.2", {"method": "checklist", "items": [
                    {"code": c, "text": T} for c in "abcd"], "required_count": 2}),
                criterion("1.3", {"method": "yes_no"},
                          not_applicable={"allowed": True, "when": T}),
            ]},
            {"code": "2", "title": T, "weight": 3, "criteria": [
                criterion("2.1", {"method": "numeric", "unit": T, "min": 0, "max": 100,
                                  "bands": [{"min": 0, "fraction": 0}, {"min": 50, "fraction": 0.5},
                                            {"min": 80, "fraction": 1}]}),
                criterion("2.2", {"method": "numeric", "unit": T, "min": 0, "max": 60,
                                  "higher_is_better": False,
                                  "bands": [{"max": 60, "fraction": 0.25},
                                            {"max": 30, "fraction": 0.5},
                                            {"max": 15, "fraction": 1}]},
                          not_applicable={"allowed": True, "when": T, "effect": "score_zero"}),
                criterion("2.3", LEVEL, applies_to={"lgo_types": ["pao"]}),
                criterion("2.4", LEVEL, applies_to={"area_tags_any": ["border"]},
                          variants=[{"lgo_types": ["sao"], "scoring": {"method": "yes_no"}}]),
            ]},
        ],
    }
    return Edition.from_document(doc)


def full_marks():
    return {"1.1": Answer(level=4), "1.2": Answer(checked=frozenset("ab")), "1.3": Answer(yes=True),
            "2.1": Answer(value=90), "2.2": Answer(value=10)}


def test_full_marks_reach_the_top_level():
    card = score(make_edition(), "sao", [], full_marks())
    assert card.overall_percent == pytest.approx(100)
    assert card.result_level.code == "excellent"
    assert card.must_pass_unmet == ()


def test_worked_example_by_hand():
    # Section 1 (weight 1): 1.1 level 2 of 0–4 → 0.5 × w2 = 1; 1.2 one of two needed → 0.5;
    # 1.3 no → 0. Section percent = (1 + 0.5 + 0) / (2 + 1 + 1) = 37.5 %.
    # Section 2 (weight 3): 2.1 value 60 → band 50 → 0.5; 2.2 value 20 (lower is better) → ≤30
    # → 0.5; 2.3 applies to PAOs only; 2.4 to border LGOs only. Percent = 1 / 2 = 50 %.
    # Overall = (37.5 × 1 + 50 × 3) / 4 = 46.875 %.
    answers = {"1.1": Answer(level=2), "1.2": Answer(checked=frozenset("a")),
               "1.3": Answer(yes=False), "2.1": Answer(value=60), "2.2": Answer(value=20)}
    card = score(make_edition(), "sao", [], answers)
    assert card.section("1").percent == pytest.approx(37.5)
    assert card.section("2").percent == pytest.approx(50)
    assert card.overall_percent == pytest.approx(46.875)
    assert card.result_level is None
    # Points: 1.1 can earn 100 × 1/4 × 2/4 = 12.5 points, it earns half of that.
    assert card.criterion("1.1").max_points == pytest.approx(12.5)
    assert card.criterion("1.1").points == pytest.approx(6.25)
    assert sum(c.points for c in card.criteria) == pytest.approx(card.overall_percent)


def test_criteria_outside_type_or_area_leave_the_denominator_but_stay_listed():
    card = score(make_edition(), "sao", [], full_marks())
    assert card.criterion("2.3").state == CriterionState.DOES_NOT_APPLY
    assert card.criterion("2.4").state == CriterionState.DOES_NOT_APPLY
    assert card.applicable_count == 5
    # A PAO must answer 2.3: unanswered, it counts 0 and lowers section 2 to 2 of 3.
    pao = score(make_edition(), "pao", [], full_marks())
    assert pao.criterion("2.3").state == CriterionState.UNANSWERED
    assert pao.section("2").percent == pytest.approx(200 / 3)


def test_variant_by_type_changes_the_scoring_method():
    edition = make_edition()
    answers = full_marks() | {"2.4": Answer(yes=True)}
    card = score(edition, "sao", ["border"], answers)
    assert card.criterion("2.4").fraction == 1.0
    # A municipality answers 2.4 on the level scale: a yes gives it nothing to score.
    town = score(edition, "town_municipality", ["border"], answers)
    assert town.criterion("2.4").state == CriterionState.UNANSWERED
    town = score(edition, "town_municipality", ["border"], answers | {"2.4": Answer(level=3)})
    assert town.criterion("2.4").fraction == pytest.approx(0.75)


def test_unanswered_counts_zero():
    card = score(make_edition(), "sao", [], {})
    assert card.overall_percent == 0
    assert card.criterion("1.1").state == CriterionState.UNANSWERED
    assert card.must_pass_unmet == ("1.1",)


@pytest.mark.parametrize("effect_code, answers, expected_section_2", [
    # 2.2 N/A scores zero (its own effect): 2.1 full (1) + 2.2 zero → 50 %.
    ("score_zero", {"2.2": Answer(not_applicable=True)}, 50.0),
])
def test_na_with_score_zero_stays_in_the_denominator(effect_code, answers, expected_section_2):
    card = score(make_edition(), "sao", [], full_marks() | answers)
    assert card.section("2").percent == pytest.approx(expected_section_2)


def test_na_excluded_leaves_the_denominator():
    # 1.3 N/A uses the edition default (exclude): section 1 = (2 + 1) / 3 = 100 %.
    card = score(make_edition(), "sao", [], full_marks() | {"1.3": Answer(not_applicable=True)})
    assert card.criterion("1.3").state == CriterionState.NOT_APPLICABLE
    assert not card.criterion("1.3").counted
    assert card.section("1").percent == pytest.approx(100)


def test_na_refused_where_not_allowed():
    with pytest.raises(AnswerError):
        score(make_edition(), "sao", [], {"1.1": Answer(not_applicable=True)})


def test_answers_out_of_range_are_refused():
    with pytest.raises(AnswerError):
        score(make_edition(), "sao", [], {"1.1": Answer(level=7)})
    with pytest.raises(AnswerError):
        score(make_edition(), "sao", [], {"2.1": Answer(value=101)})
    with pytest.raises(AnswerError):
        score(make_edition(), "sao", [], {"1.2": Answer(checked=frozenset({"z"}))})


def test_must_pass_blocks_every_level_whatever_the_score():
    card = score(make_edition(), "sao", [], full_marks() | {"1.1": Answer(level=1)})
    # Level 1 of 4 is under the must-pass bar (level 2), though the overall is high.
    assert card.overall_percent > 90
    assert card.must_pass_unmet == ("1.1",)
    assert card.result_level is None
    at_bar = score(make_edition(), "sao", [], full_marks() | {"1.1": Answer(level=2)})
    assert at_bar.must_pass_unmet == ()
    assert at_bar.result_level is not None


def test_section_minimum_for_a_level():
    # Section 1 at 50 % (under excellent's 80 %), overall still ≥ 90.
    answers = full_marks() | {"1.1": Answer(level=2), "1.3": Answer(yes=False)}
    card = score(make_edition(), "sao", [], answers)
    # Section 1: (1 + 1 + 0) / 4 = 50 %; overall = (50 + 300) / 4 = 87.5 → good, not excellent.
    assert card.overall_percent == pytest.approx(87.5)
    assert card.result_level.code == "good"
    excellent = next(c for c in card.levels if c.level.code == "excellent")
    assert excellent.sections_short == (("1", 50.0, 80),)


def test_global_section_minimum_blocks_passing():
    answers = {"1.1": Answer(level=0), "1.2": Answer(checked=frozenset()), "1.3": Answer(yes=False),
               "2.1": Answer(value=100), "2.2": Answer(value=0)}
    card = score(make_edition(), "sao", [], answers)
    # Section 1 = 0 % (< 40 % minimum), section 2 = 100 %: overall 75 but no level.
    assert card.overall_percent == pytest.approx(75)
    assert card.result_level is None


def test_gap_explanation_puts_must_pass_first_then_the_biggest_gains():
    answers = {"1.1": Answer(level=1), "1.2": Answer(checked=frozenset("a")),
               "1.3": Answer(yes=True), "2.1": Answer(value=60), "2.2": Answer(value=20)}
    card = score(make_edition(), "sao", [], answers)
    gap = explain_gap(card)
    assert gap.target.code == "pass"
    assert gap.must_pass_unmet == ("1.1",)
    assert gap.suggestions[0].code == "1.1" and gap.suggestions[0].is_must_pass
    # Overall: s1 = (0.5 + 0.5 + 1) / 4 = 50 %, s2 = 50 % → 50 %; 10 points short of a pass.
    assert gap.points_short == pytest.approx(10)
    # The biggest remaining gains are in section 2 (weight 3): 2.1 and 2.2 each 18.75 points.
    assert {s.code for s in gap.suggestions[1:]} <= {"2.1", "2.2"}
    assert gap.closed_by_suggestions


def test_gap_is_none_when_the_target_is_reached():
    card = score(make_edition(), "sao", [], full_marks())
    assert explain_gap(card) is None
    assert explain_gap(card, "pass") is None


def test_gap_to_a_named_higher_level():
    answers = full_marks() | {"1.1": Answer(level=2), "1.3": Answer(yes=False)}
    card = score(make_edition(), "sao", [], answers)
    gap = explain_gap(card, "excellent")
    assert gap.sections_short == (("1", 50.0, 80),)
    assert gap.suggestions[0].code in {"1.1", "1.3"}
