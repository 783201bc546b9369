"""Self-assessment services: cycles, applicability by type-as-of-year, saving with optimistic
locking, the transition service and submission with its frozen snapshot."""
from datetime import date

import pytest

from lgo_assess.assessments import services
from lgo_assess.assessments.models import AssessmentSnapshot, StatusChange
from lgo_assess.assessments.states import AssessmentStatus as S
from lgo_assess.core.errors import Conflict, Forbidden, Invalid
from lgo_assess.registry.models import LgoType, LgoTypePeriod
from tests.factories import make_lgo, make_province, make_user
from tests.factories_assessments import (AFTER_DEADLINE, DURING, SAO_FULL_ANSWERS, answer_all,
                                         make_assessment, make_cycle, make_lgo_team,
                                         make_next_edition, make_published_edition)
from lgo_assess.core.security import Role


def test_cycle_needs_a_published_edition_serving_the_year(db_session):
    edition = make_published_edition()
    with pytest.raises(Invalid):
        services.open_cycle(edition, 2570, opens_on=date(2026, 11, 1),
                            self_assessment_due=date(2027, 3, 1), review_due=date(2027, 5, 1),
                            decision_due=date(2027, 6, 1), actor=None)
    with pytest.raises(Invalid):  # deadlines out of order
        services.open_cycle(edition, 2569, opens_on=date(2025, 11, 1),
                            self_assessment_due=date(2025, 10, 1), review_due=date(2026, 5, 1),
                            decision_due=date(2026, 6, 1), actor=None)
    cycle = make_cycle(edition)
    with pytest.raises(Conflict):
        make_cycle(edition)
    assert cycle.fiscal_year == 2569


def test_type_as_of_the_cycle_year_decides_what_applies(db_session):
    # An SAO upgraded to a subdistrict municipality from FY 2570 is still an SAO in 2569.
    lgo = make_lgo(LgoType.SAO, from_fy=2561)
    lgo.type_periods[0].to_fy = 2569
    lgo.type_periods.append(LgoTypePeriod(lgo_type=LgoType.SUBDISTRICT_MUNICIPALITY,
                                          from_fy=2570))
    assessment = make_assessment(lgo)
    assert assessment.lgo_type == LgoType.SAO
    card = services.score_card(assessment)
    # 3.2 applies to border LGOs only; the SAO variant of 4.1 is a checklist.
    assert card.criterion("3.2").state == "does_not_apply"
    effective = services.edition_of(assessment).criteria_for("sao", [])
    assert {e.code: e.scoring.method for e in effective}["4.1"] == "checklist"


def test_lgo_that_did_not_exist_that_year_cannot_start(db_session):
    lgo = make_lgo(LgoType.SAO, from_fy=2570)
    with pytest.raises(Invalid):
        make_assessment(lgo)


def test_locked_outside_the_window_with_extension(db_session):
    cycle = make_cycle()
    lgo, editor, _executive = make_lgo_team()
    assessment = services.start_assessment(cycle, lgo, actor=editor, today=DURING)
    with pytest.raises(Forbidden):
        services.save_response(assessment, "1.1", {"level": 2}, expected_version=None,
                               actor=editor, today=AFTER_DEADLINE)
    window = services.window_for(cycle, lgo.id, AFTER_DEADLINE)
    assert not window.is_open and window.reason == "closed"
    services.extend_deadline(cycle, lgo, date(2026, 4, 30), "น้ำท่วมสำนักงาน", actor=None)
    saved = services.save_response(assessment, "1.1", {"level": 2}, expected_version=None,
                                   actor=editor, today=AFTER_DEADLINE)
    assert saved.level == 2
    assert services.window_for(cycle, lgo.id, date(2025, 10, 1)).reason == "not_yet_open"


def test_second_save_from_a_stale_page_is_refused_with_both_versions(db_session):
    lgo, editor, executive = make_lgo_team()
    assessment = make_assessment(lgo)
    first = services.save_response(assessment, "1.1", {"level": 1, "narrative": "ฉบับแรก"},
                                   expected_version=None, actor=editor, today=DURING)
    loaded_version = first.version
    services.save_response(assessment, "1.1", {"narrative": "ฉบับของผู้บริหาร"},
                           expected_version=loaded_version, actor=executive, today=DURING)
    with pytest.raises(Conflict) as refused:
        services.save_response(assessment, "1.1", {"narrative": "ฉบับที่สองของเจ้าหน้าที่"},
                               expected_version=loaded_version, actor=editor, today=DURING)
    assert refused.value.status == 409
    assert refused.value.details["current"]["narrative"] == "ฉบับของผู้บริหาร"
    assert assessment.response_for("1.1").narrative == "ฉบับของผู้บริหาร"


def test_two_first_saves_of_the_same_criterion_conflict(db_session):
    lgo, editor, executive = make_lgo_team()
    assessment = make_assessment(lgo)
    services.save_response(assessment, "1.2", {"checked": ["a"]}, expected_version=None,
                           actor=editor, today=DURING)
    with pytest.raises(Conflict):
        services.save_response(assessment, "1.2", {"checked": ["b"]}, expected_version=None,
                               actor=executive, today=DURING)


@pytest.mark.parametrize("code, data", [
    ("1.1", {"level": 9}),
    ("2.1", {"value": 150}),
    ("1.2", {"checked": ["z"]}),
    ("1.1", {"is_not_applicable": True, "not_applicable_reason": "ไม่มี"}),  # N/A not allowed
    ("4.1", {"is_not_applicable": True}),                                   # no reason given
    ("3.2", {"checked": ["a"]}),                                            # does not apply
    ("9.9", {"level": 1}),                                                   # no such criterion
])
def test_answers_that_do_not_fit_are_refused(db_session, code, data):
    lgo, editor, _ = make_lgo_team()
    assessment = make_assessment(lgo)
    with pytest.raises(Invalid):
        services.save_response(assessment, code, data, expected_version=None, actor=editor,
                               today=DURING)


def test_only_the_lgos_own_staff_may_answer(db_session):
    assessment = make_assessment()
    other_lgo, other_editor, _ = make_lgo_team()
    with pytest.raises(Forbidden):
        services.save_response(assessment, "1.1", {"level": 2}, expected_version=None,
                               actor=other_editor, today=DURING)


def test_completeness_lists_exactly_what_is_missing(db_session):
    lgo, editor, executive = make_lgo_team()
    assessment = make_assessment(lgo)
    missing = services.completeness(assessment)
    assert {m.criterion_code for m in missing} == set(SAO_FULL_ANSWERS)
    answer_all(assessment, {k: v for k, v in SAO_FULL_ANSWERS.items() if k != "2.2"},
               actor=editor)
    assert [(m.criterion_code, m.what) for m in services.completeness(assessment)] == [
        ("2.2", "unanswered")]
    with pytest.raises(Invalid):
        services.submit(assessment, actor=executive, today=DURING)
    assert assessment.status == S.DRAFT


def test_only_the_executive_submits_and_the_snapshot_is_frozen(db_session):
    lgo, editor, executive = make_lgo_team()
    assessment = make_assessment(lgo)
    answer_all(assessment, actor=editor)
    with pytest.raises(Forbidden):
        services.submit(assessment, actor=editor, today=DURING)
    snap = services.submit(assessment, actor=executive, today=DURING)
    assert assessment.status == S.SUBMITTED
    assert assessment.submitted_by_id == executive.id
    assert snap.payload["score"]["result_level"] == "excellent"
    assert snap.payload["edition_sha256"] == assessment.edition.content_hash
    frozen = dict(snap.payload)
    # After submission the LGO can no longer change answers, and the snapshot stays as it was.
    with pytest.raises(Forbidden):
        services.save_response(assessment, "1.1", {"level": 0},
                               expected_version=assessment.response_for("1.1").version,
                               actor=editor, today=DURING)
    db_session.expire_all()
    stored = db_session.get(AssessmentSnapshot, snap.id)
    assert stored.payload == frozen
    history = db_session.query(StatusChange).filter_by(assessment_id=assessment.id).all()
    assert [(h.from_status, h.to_status) for h in history] == [(S.DRAFT, S.SUBMITTED)]


def test_withdraw_needs_the_executive_and_a_reason(db_session):
    lgo, editor, executive = make_lgo_team()
    assessment = make_assessment(lgo)
    answer_all(assessment, actor=editor)
    services.submit(assessment, actor=executive, today=DURING)
    with pytest.raises(Invalid):
        services.transition(assessment, S.WITHDRAWN, actor=executive)
    with pytest.raises(Forbidden):
        services.transition(assessment, S.WITHDRAWN, actor=editor, reason="ขอถอน")
    services.transition(assessment, S.WITHDRAWN, actor=executive, reason="ขอถอนเพื่อปรับปรุง")
    assert assessment.status == S.WITHDRAWN


def test_illegal_transitions_are_refused_whoever_asks(db_session):
    province = make_province()
    lgo = make_lgo(province=province)
    _lgo, editor, executive = make_lgo_team(lgo)
    officer = make_user(Role.PROVINCIAL_OFFICER, province=province)
    approver = make_user(Role.DLA_APPROVER)
    assessment = make_assessment(lgo)
    for target in (S.ACCEPTED, S.IN_REVIEW, S.RECOMMENDED, S.APPROVED, S.REJECTED):
        for actor in (executive, officer, approver):
            with pytest.raises(Invalid):
                services.transition(assessment, target, actor=actor, reason="x")
    assert assessment.status == S.DRAFT


def test_officer_of_another_province_cannot_screen(db_session):
    lgo, editor, executive = make_lgo_team()
    assessment = make_assessment(lgo)
    answer_all(assessment, actor=editor)
    services.submit(assessment, actor=executive, today=DURING)
    stranger = make_user(Role.PROVINCIAL_OFFICER)
    with pytest.raises(Forbidden):
        services.transition(assessment, S.ACCEPTED, actor=stranger)
    officer = make_user(Role.PROVINCIAL_OFFICER, province=lgo.province)
    services.transition(assessment, S.RETURNED, actor=officer, reason="แนบหลักฐานไม่ครบ")
    assert assessment.status == S.RETURNED
    # Returned: the LGO edits again and resubmits.
    services.save_response(assessment, "1.1", {"level": 3},
                           expected_version=assessment.response_for("1.1").version,
                           actor=editor, today=DURING)
    services.submit(assessment, actor=executive, today=DURING)
    assert assessment.status == S.SUBMITTED


def test_start_from_last_years_answers(db_session):
    lgo, editor, executive = make_lgo_team()
    last_year = make_assessment(lgo)
    answer_all(last_year, actor=editor)
    services.save_response(last_year, "1.1", {"narrative": "ปีที่แล้ว"},
                           expected_version=last_year.response_for("1.1").version,
                           actor=editor, today=DURING)
    next_cycle = make_cycle(make_next_edition(2570), 2570, opens_on=date(2026, 11, 1),
                            due=date(2027, 3, 31), review_due=date(2027, 6, 30),
                            decision_due=date(2027, 8, 31))
    this_year = services.start_assessment(next_cycle, lgo, actor=editor,
                                          today=date(2027, 1, 10), copy_from=last_year)
    copied = {r.criterion_code: r for r in this_year.responses}
    assert copied["1.1"].level == 4 and copied["1.1"].narrative == "ปีที่แล้ว"
    assert this_year.started_from_id == last_year.id
    assert this_year.status == S.DRAFT
    # Another LGO's assessment is never a source.
    with pytest.raises(Forbidden):
        services.start_assessment(next_cycle, make_lgo(), actor=editor,
                                  today=date(2027, 1, 10), copy_from=last_year)
