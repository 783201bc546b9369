"""Review services: screening, assignment under conflict-of-interest rules, independent scoring
and its visibility, consensus and the final score, evidence requests that unlock only their
criteria, site visits, the recommendation and who may not decide."""
from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from lgo_assess.assessments import services as assessments
from lgo_assess.assessments.scoring import Answer
from lgo_assess.assessments.states import AssessmentStatus as S
from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db
from lgo_assess.core.errors import Conflict, Forbidden, Invalid
from lgo_assess.core.security import Role
from lgo_assess.review import services as review
from lgo_assess.review.models import (AssignmentRole, ConsensusScore, EvidenceRequest,
                                      EvidenceRequestStatus, Recommendation,
                                      RecommendationOutcome, SiteVisitStatus)
from tests.factories import make_district, make_lgo, make_user
from tests.factories_assessments import DURING
from tests.factories_review import (agree_all, default_cycle, make_assessor, make_in_review,
                                    make_submitted, score_all)

TODAY = DURING


@pytest.fixture(autouse=True)
def _in_app_context(app_ctx):
    """Transition listeners (notifications) build links, which needs the app."""


# -- Screening -------------------------------------------------------------------------------

def test_officer_accepts_or_returns_with_a_reason_the_lgo_sees(db_session):
    first, second = make_submitted(), make_submitted()
    review.accept(first.assessment, actor=first.officer)
    assert first.assessment.status == S.ACCEPTED
    with pytest.raises(Invalid):
        review.return_to_lgo(second.assessment, "  ", actor=second.officer)
    review.return_to_lgo(second.assessment, "แนบแผนพัฒนาท้องถิ่นฉบับลงนาม", actor=second.officer)
    assert second.assessment.status == S.RETURNED
    assert review.return_reason(second.assessment) == "แนบแผนพัฒนาท้องถิ่นฉบับลงนาม"
    with pytest.raises(Forbidden):   # an officer of another province
        review.accept(make_submitted().assessment, actor=first.officer)


def test_bulk_accept_takes_each_on_its_own(db_session):
    one = make_submitted()
    two = make_submitted(make_lgo(province=one.assessment.lgo.province))
    stranger = make_submitted()            # another province: refused, others go through
    outcome = review.accept_many([one.assessment, stranger.assessment, two.assessment],
                                 actor=one.officer)
    assert [a.id for a in outcome.accepted] == [one.assessment.id, two.assessment.id]
    assert [a.id for a, _why in outcome.refused] == [stranger.assessment.id]
    assert one.assessment.status == two.assessment.status == S.ACCEPTED
    assert stranger.assessment.status == S.SUBMITTED


# -- Conflicts of interest -------------------------------------------------------------------

def test_an_assessor_never_reviews_an_lgo_where_they_hold_a_role(db_session):
    setup = make_submitted()
    review.accept(setup.assessment, actor=setup.officer)
    insider = make_assessor()
    from lgo_assess.accounts import services as accounts
    accounts.grant_role(insider, Role.LGO_EDITOR, lgo=setup.assessment.lgo)
    conflicts = review.conflicts_of(insider, setup.assessment)
    assert [c.code for c in conflicts] == ["lgo_role"]
    assert setup.assessment.lgo.name_th in conflicts[0].message
    with pytest.raises(Invalid) as refused:
        review.assign_team(setup.assessment, insider, actor=setup.officer)
    assert refused.value.details["conflicts"] == ["lgo_role"]
    assert setup.assessment.status == S.ACCEPTED


def test_same_district_is_refused_by_default_and_configurable_per_cycle(db_session):
    setup = make_submitted()
    review.accept(setup.assessment, actor=setup.officer)
    lgo = setup.assessment.lgo
    neighbour = make_assessor(lgo.district)
    same_province = make_assessor(make_district(lgo.province))
    assert [c.code for c in review.conflicts_of(neighbour, setup.assessment)] == ["same_district"]
    assert review.conflicts_of(same_province, setup.assessment) == []
    with pytest.raises(Invalid) as refused:
        review.assign_team(setup.assessment, neighbour, actor=setup.officer)
    assert "same_district" in refused.value.details["conflicts"]

    admin = make_user(Role.DLA_ADMIN)
    review.save_settings(setup.assessment.cycle, block_same_district=False,
                         block_same_province=True, min_team_size=1, actor=admin)
    assert [c.code for c in review.conflicts_of(neighbour, setup.assessment)] == [
        "same_province"]
    assert [c.code for c in review.conflicts_of(same_province, setup.assessment)] == [
        "same_province"]
    review.save_settings(setup.assessment.cycle, block_same_district=False,
                         block_same_province=False, min_team_size=1, actor=admin)
    review.assign_team(setup.assessment, neighbour, actor=setup.officer)
    assert setup.assessment.status == S.IN_REVIEW


def test_only_dla_administrators_set_the_rules(db_session):
    setup = make_submitted()
    with pytest.raises(Forbidden):
        review.save_settings(setup.assessment.cycle, block_same_district=False,
                             block_same_province=False, min_team_size=1, actor=setup.officer)


def test_minimum_team_size_and_the_lead_moves_the_assessment_into_review(db_session):
    setup = make_submitted()
    review.save_settings(setup.assessment.cycle, block_same_district=True,
                         block_same_province=False, min_team_size=2,
                         actor=make_user(Role.DLA_ADMIN))
    with pytest.raises(Invalid):     # not yet accepted
        review.assign_team(setup.assessment, make_assessor(), [make_assessor()],
                           actor=setup.officer)
    review.accept(setup.assessment, actor=setup.officer)
    lead, member = make_assessor(), make_assessor()
    with pytest.raises(Invalid):     # a team of one
        review.assign_team(setup.assessment, lead, actor=setup.officer)
    with pytest.raises(Forbidden):   # an officer of another province
        review.assign_team(setup.assessment, lead, [member],
                           actor=make_user(Role.PROVINCIAL_OFFICER))
    team = review.assign_team(setup.assessment, lead, [member], actor=setup.officer)
    assert [(a.assessor_id, a.role) for a in team] == [(lead.id, AssignmentRole.LEAD),
                                                       (member.id, AssignmentRole.MEMBER)]
    assert setup.assessment.status == S.IN_REVIEW
    assert team[0].due_on == setup.assessment.cycle.review_due
    # The transition table's lead-assessor actor is now the assigned lead.
    from lgo_assess.assessments.policies import acts_as
    from lgo_assess.assessments.states import Actor
    assert acts_as(lead, Actor.LEAD_ASSESSOR, setup.assessment)
    assert not acts_as(member, Actor.LEAD_ASSESSOR, setup.assessment)


def test_a_transition_to_review_without_a_lead_is_refused(db_session):
    setup = make_submitted()
    review.accept(setup.assessment, actor=setup.officer)
    with pytest.raises(Invalid):
        assessments.transition(setup.assessment, S.IN_REVIEW, actor=setup.officer)


def test_suggestions_put_free_and_least_loaded_assessors_first(db_session):
    busy = make_in_review(members=0)
    setup = make_submitted()
    review.accept(setup.assessment, actor=setup.officer)
    idle = make_assessor()
    neighbour = make_assessor(setup.assessment.lgo.district)
    candidates = review.suggest_assessors(setup.assessment)
    order = [c.assessor.id for c in candidates]
    assert order.index(idle.id) < order.index(busy.lead.id) < order.index(neighbour.id)
    by_id = {c.assessor.id: c for c in candidates}
    assert by_id[busy.lead.id].workload.open_count == 1
    assert not by_id[neighbour.id].available
    loads = {w.assessor.id: w for w in review.workloads()}
    assert loads[busy.lead.id].next_due == busy.assessment.cycle.review_due


def test_an_assessor_declares_a_conflict_and_leaves_the_team(db_session):
    setup = make_in_review(members=1)
    member = setup.members[0]
    assignment = next(a for a in review.team_of(setup.assessment) if a.assessor_id == member.id)
    with pytest.raises(Forbidden):
        review.end_assignment(assignment, "ไม่ใช่ของฉัน", actor=setup.lead)
    review.end_assignment(assignment, "ญาติทำงานใน อบต. นี้", actor=member)
    assert [a.assessor_id for a in review.team_of(setup.assessment)] == [setup.lead.id]
    with pytest.raises(Forbidden):
        review.save_scores(setup.assessment, {"1.1": review.ScoreInput(Answer(level=2))},
                           actor=member)


# -- Independent scoring ---------------------------------------------------------------------

def test_members_do_not_see_each_others_scores_until_they_submit_their_own(db_session):
    setup = make_in_review(members=2)
    a, b = setup.members
    score_all(setup, b, {"1.1": Answer(level=1)})            # B has submitted
    score_all(setup, a, submit=False)                         # A only saved a draft
    with pytest.raises(Forbidden):
        review.team_scores(setup.assessment, viewer=a)
    with pytest.raises(Forbidden):
        review.comparison(setup.assessment, viewer=a)
    with pytest.raises(Forbidden):                            # nor can the lead, yet
        review.team_scores(setup.assessment, viewer=setup.lead)
    review.submit_scoring(setup.assessment, actor=a)
    seen = review.team_scores(setup.assessment, viewer=a)
    assert set(seen) == {a.id, b.id}                          # the lead has not submitted
    assert seen[b.id]["1.1"].level == 1
    with pytest.raises(Conflict):                             # frozen once submitted
        review.save_scores(setup.assessment, {"1.1": review.ScoreInput(Answer(level=4))},
                           actor=a)


def test_scores_must_fit_the_criterion_and_cover_every_criterion(db_session):
    setup = make_in_review(members=0)
    with pytest.raises(Invalid):
        review.save_scores(setup.assessment, {"1.1": review.ScoreInput(Answer(level=9))},
                           actor=setup.lead)
    with pytest.raises(Invalid):     # 1.1 may not be N/A
        review.save_scores(setup.assessment,
                           {"1.1": review.ScoreInput(Answer(not_applicable=True))},
                           actor=setup.lead)
    with pytest.raises(Invalid):     # 3.2 does not apply to this LGO
        review.save_scores(setup.assessment, {"3.2": review.ScoreInput(Answer(
            checked=frozenset({"a"})))}, actor=setup.lead)
    review.save_scores(setup.assessment, {"1.1": review.ScoreInput(Answer(level=3))},
                       actor=setup.lead)
    with pytest.raises(Invalid) as refused:
        review.submit_scoring(setup.assessment, actor=setup.lead)
    assert refused.value.details["missing"] == ["1.2", "2.1", "2.2", "3.1", "4.1"]
    with pytest.raises(Forbidden):
        review.save_scores(setup.assessment, {"1.1": review.ScoreInput(Answer(level=3))},
                           actor=make_assessor())


def test_the_lead_sees_divergent_criteria_flagged(db_session):
    setup = make_in_review(members=2)
    a, b = setup.members
    score_all(setup, setup.lead, {"1.1": Answer(level=3)})
    score_all(setup, a, {"1.1": Answer(level=1), "3.1": Answer(yes=False),
                         "2.1": Answer(value=60.0), "4.1": Answer(checked=frozenset("ab"))})
    score_all(setup, b, {"1.1": Answer(level=2), "2.2": Answer(value=20.0)})
    rows = {row.effective.code: row for row in review.comparison(setup.assessment,
                                                                 viewer=setup.lead)}
    assert rows["1.1"].divergence.kind == "levels" and rows["1.1"].divergence.spread == 2
    assert rows["3.1"].divergence.kind == "fraction"            # yes against no
    assert rows["2.1"].divergence.spread == 0.5                 # bands worth 0.5 and 1
    assert rows["2.2"].divergence.spread == 0.5
    assert rows["4.1"].divergence is None                       # 2 of 3 items against 3
    assert rows["1.2"].divergence is None
    assert [s.level for _a, s in rows["1.1"].scores] == [3, 1, 2]   # lead first
    assert rows["1.1"].self_answer.level == 4                        # what the LGO said


# -- Consensus and the final score -----------------------------------------------------------

def test_the_consensus_gives_the_final_score_through_the_editions_rules(db_session):
    setup = make_in_review(members=1)
    with pytest.raises(Invalid):       # the lead has not submitted their own scores yet
        agree_all(setup)
    score_all(setup, setup.lead)
    with pytest.raises(Forbidden):     # a member cannot record the consensus
        review.record_consensus(setup.assessment, {"1.1": review.ScoreInput(Answer(level=2))},
                                actor=setup.members[0])
    agree_all(setup, {"1.1": Answer(level=2), "2.2": Answer(value=25.0)})
    card = review.final_score(setup.assessment)
    # 1.1 at level 2 of 0–4 is half, 2.2 at 25 days is the 0.5 band; the rest full marks.
    assert card.criterion("1.1").fraction == 0.5
    assert card.criterion("2.2").fraction == 0.5
    assert abs(sum(c.points for c in card.criteria) - card.overall_percent) < 1e-9
    one = card.criterion("1.1")
    assert one.points == pytest.approx(one.max_points / 2)
    assert card.result_level.code == "good"   # not excellent: section 1 under 70 % fails it
    self_card = assessments.score_card(setup.assessment)
    assert self_card.result_level.code == "excellent"
    row = db.session.query(ConsensusScore).filter_by(assessment_id=setup.assessment.id,
                                                     criterion_code="1.1").one()
    assert row.lead_id == setup.lead.id and row.comment == "ตกลงร่วมกัน"


def test_the_review_completes_only_with_a_consensus_for_every_criterion(db_session):
    setup = make_in_review(members=0)
    score_all(setup, setup.lead)
    agree_all(setup, {})
    db.session.delete(review.consensus_of(setup.assessment)["4.1"])
    db.session.flush()
    with pytest.raises(Invalid) as refused:
        review.complete_review(setup.assessment, actor=setup.lead)
    assert refused.value.details["missing"] == ["4.1"]
    with pytest.raises(Invalid):       # the guard holds for a direct transition too
        assessments.transition(setup.assessment, S.REVIEWED, actor=setup.lead)
    agree_all(setup)
    review.complete_review(setup.assessment, actor=setup.lead)
    assert setup.assessment.status == S.REVIEWED


def test_a_consensus_row_needs_a_lead_in_the_database(db_session):
    setup = make_in_review(members=0)
    db.session.add(ConsensusScore(assessment_id=setup.assessment.id, criterion_code="1.1",
                                  level=2, lead_id=None))
    with pytest.raises(IntegrityError):
        db.session.flush()


# -- Evidence requests -----------------------------------------------------------------------

def test_only_the_requested_criteria_unlock_and_the_answer_is_frozen(db_session):
    setup = make_in_review(members=1)
    with pytest.raises(Forbidden):
        review.request_evidence(setup.assessment, "1.1", "ขอสำเนาข้อบัญญัติ", date(2026, 2, 1),
                                actor=setup.members[0], today=TODAY)
    with pytest.raises(Invalid):
        review.request_evidence(setup.assessment, "1.1", " ", date(2026, 2, 1),
                                actor=setup.lead, today=TODAY)
    with pytest.raises(Invalid):
        review.request_evidence(setup.assessment, "1.1", "ขอสำเนา", date(2026, 1, 1),
                                actor=setup.lead, today=TODAY)
    review.request_evidence(setup.assessment, "1.1", "ขอสำเนาข้อบัญญัติฉบับลงนาม",
                            date(2026, 2, 1), actor=setup.lead, today=TODAY)
    assert setup.assessment.status == S.EVIDENCE_REQUESTED
    review.request_evidence(setup.assessment, "4.1", "ขอรายงานการประชุมประชาคม",
                            date(2026, 2, 1), actor=setup.lead, today=TODAY)
    with pytest.raises(Conflict):
        review.request_evidence(setup.assessment, "4.1", "ซ้ำ", date(2026, 2, 1),
                                actor=setup.lead, today=TODAY)
    assert assessments.editable_criteria(setup.assessment) == {"1.1", "4.1"}

    a = setup.assessment
    assessments.save_response(a, "1.1", {"level": 3, "narrative": "แนบข้อบัญญัติแล้ว"},
                              expected_version=a.response_for("1.1").version,
                              actor=setup.editor, today=TODAY)
    with pytest.raises(Forbidden):     # not requested: frozen
        assessments.save_response(a, "1.2", {"checked": ["a"]},
                                  expected_version=a.response_for("1.2").version,
                                  actor=setup.editor, today=TODAY)
    with pytest.raises(Forbidden):     # assessors do not answer for the LGO
        review.answer_requests(a, actor=setup.lead)

    snap = review.answer_requests(a, actor=setup.editor)
    assert a.status == S.IN_REVIEW
    assert snap.kind == "evidence_answer"
    assert {r["criterion_code"]: r["level"] for r in snap.payload["responses"]}["1.1"] == 3
    requests = review.requests_of(a)
    assert {r.status for r in requests} == {EvidenceRequestStatus.ANSWERED}
    assert {r.answer_snapshot_id for r in requests} == {snap.id}
    assert assessments.editable_criteria(a) == set()
    with pytest.raises(Forbidden):
        assessments.save_response(a, "1.1", {"level": 4},
                                  expected_version=a.response_for("1.1").version,
                                  actor=setup.editor, today=TODAY)


def test_an_evidence_request_needs_a_reason_and_a_due_date_in_the_database(db_session):
    setup = make_in_review(members=0)
    db.session.add(EvidenceRequest(assessment_id=setup.assessment.id, criterion_code="1.1",
                                   reason="   ", due_on=date(2026, 2, 1),
                                   requested_by_id=setup.lead.id))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_the_reviewer_sees_what_changed_in_each_round(db_session, monkeypatch):
    # The evidence package adds the cited items to snapshots; stand in for it here.
    cited = {"1.1": [{"id": 1, "title": "ข้อบัญญัติ 2568"}], "4.1": [{"id": 2, "title": "ภาพ"}]}
    monkeypatch.setattr(assessments, "SNAPSHOT_EXTRAS",
                        [lambda a: {"evidence": {k: list(v) for k, v in cited.items()}}])
    setup = make_in_review(members=0)
    a = setup.assessment
    # The submission snapshot was taken before the stand-in: take a fresh base with it.
    assessments.snapshot(a, "submission", actor=setup.executive,
                         extra={"evidence": {k: list(v) for k, v in cited.items()}})
    review.request_evidence(a, "1.1", "ขอฉบับลงนาม", date(2026, 2, 1), actor=setup.lead,
                            today=TODAY)
    review.request_evidence(a, "4.1", "ขอภาพเวทีประชาคม", date(2026, 2, 1), actor=setup.lead,
                            today=TODAY)
    assessments.save_response(a, "1.1", {"level": 3, "narrative": "ฉบับลงนามแล้ว"},
                              expected_version=a.response_for("1.1").version,
                              actor=setup.editor, today=TODAY)
    cited["1.1"] = [{"id": 3, "title": "ข้อบัญญัติ 2568 (ลงนาม)"}]
    cited["4.1"].append({"id": 4, "title": "ภาพเวทีหมู่ 3"})

    live = review.request_rounds(a)[0]          # while the LGO works: against now
    assert live.is_open and live.changes.codes == ["1.1", "4.1"]

    review.answer_requests(a, actor=setup.executive)
    cited["4.1"] = []                           # later changes do not leak into the round
    [answered] = review.request_rounds(a)
    assert not answered.is_open
    one, four = answered.changes.get("1.1"), answered.changes.get("4.1")
    assert (one.old_answer["level"], one.new_answer["level"]) == (4, 3)
    assert one.new_narrative == "ฉบับลงนามแล้ว"
    assert [e.label for e in one.evidence_added] == ["ข้อบัญญัติ 2568 (ลงนาม)"]
    assert [e.label for e in one.evidence_removed] == ["ข้อบัญญัติ 2568"]
    assert not four.answer_changed and not four.narrative_changed
    assert [e.key for e in four.evidence_added] == ["4"] and four.evidence_removed == ()

    # A second round compares with the previous answer, not the submission.
    review.request_evidence(a, "1.1", "ขอหน้าที่ 2 ด้วย", date(2026, 2, 10), actor=setup.lead,
                            today=TODAY)
    latest = review.request_rounds(a)[0]
    assert latest.base.kind == "evidence_answer"
    assert latest.changes.codes == ["4.1"]      # the removal made after the answer


# -- Site visits -----------------------------------------------------------------------------

def test_visit_scheduled_then_findings_and_on_site_scores_recorded(db_session):
    setup = make_in_review(members=1)
    member = setup.members[0]
    with pytest.raises(Invalid):
        review.schedule_visit(setup.assessment, date(2026, 2, 3), [make_assessor().id],
                              "ปลัด อบต.", actor=setup.lead, today=TODAY)
    visit = review.schedule_visit(setup.assessment, date(2026, 2, 3), [member.id],
                                  "ปลัด อบต. โทร 043-000000", actor=setup.lead, today=TODAY)
    assert sorted(visit.team_ids) == sorted([setup.lead.id, member.id])
    score_all(setup, setup.lead)
    with pytest.raises(Invalid):
        review.record_findings(visit, "", {}, actor=setup.lead)
    review.record_findings(visit, "ศูนย์ข้อมูลข่าวสารเปิดให้บริการจริง", {
        "3.1": review.FindingInput("เห็นศูนย์ข้อมูลข่าวสารที่ชั้น 1",
                                   score=review.ScoreInput(Answer(yes=True), "ตรวจพบจริง")),
        "1.2": review.FindingInput("   "),
    }, actor=setup.lead)
    assert visit.status == SiteVisitStatus.DONE
    assert [f.criterion_code for f in visit.findings] == ["3.1"]
    consensus = review.consensus_of(setup.assessment)["3.1"]
    assert consensus.yes is True and consensus.source == "site_visit"


# -- Recommendation and decision -------------------------------------------------------------

def _reviewed(consensus=None):
    setup = make_in_review(members=1)
    score_all(setup, setup.lead)
    score_all(setup, setup.members[0])
    agree_all(setup, consensus)
    review.complete_review(setup.assessment, actor=setup.lead)
    return setup


def test_a_recommendation_that_differs_needs_a_justification_and_is_flagged(db_session):
    setup = _reviewed({"1.1": Answer(level=2)})              # computes "good"
    with pytest.raises(Invalid):
        review.recommend(setup.assessment, RecommendationOutcome.PASS, "excellent", "  ",
                         actor=setup.lead)
    with pytest.raises(Forbidden):
        review.recommend(setup.assessment, RecommendationOutcome.PASS, "good", None,
                         actor=setup.members[0])
    recommendation = review.recommend(setup.assessment, RecommendationOutcome.PASS,
                                      "excellent", "ตรวจพบการดำเนินงานเกินเกณฑ์ในพื้นที่",
                                      actor=setup.lead)
    assert recommendation.is_flagged_to_dla
    assert recommendation.computed_result_code == "good"
    assert setup.assessment.status == S.RECOMMENDED


def test_a_recommendation_that_agrees_is_not_flagged(db_session):
    setup = _reviewed()
    recommendation = review.recommend(setup.assessment, RecommendationOutcome.PASS, "excellent",
                                      None, actor=setup.lead)
    assert not recommendation.is_flagged_to_dla and recommendation.justification is None


@pytest.mark.parametrize("justification", [None, "", "   ", "\t\n\r\n", "\u3000\u00a0",
                                           "\u200b \ufeff"])
def test_the_database_refuses_a_flagged_recommendation_without_justification(db_session,
                                                                             justification):
    """The override_has_justification check: NULL and every kind of blank are refused."""
    setup = _reviewed()
    db.session.add(Recommendation(
        assessment_id=setup.assessment.id, outcome=RecommendationOutcome.FAIL,
        result_level_code=None, computed_result_code="excellent", computed_percent=100.0,
        is_flagged_to_dla=True, justification=justification, recommended_by_id=setup.lead.id))
    with pytest.raises(IntegrityError, match="override_has_justification"):
        db.session.flush()


def test_the_database_accepts_a_flagged_recommendation_with_a_thai_justification(db_session):
    setup = _reviewed()
    db.session.add(Recommendation(
        assessment_id=setup.assessment.id, outcome=RecommendationOutcome.FAIL,
        result_level_code=None, computed_result_code="excellent", computed_percent=100.0,
        is_flagged_to_dla=True, justification="\u3000ไม่พบหลักฐานในพื้นที่ ",
        recommended_by_id=setup.lead.id))
    db.session.flush()


def test_an_assessor_who_scored_can_never_decide(db_session):
    setup = _reviewed()
    review.recommend(setup.assessment, RecommendationOutcome.PASS, "excellent", None,
                     actor=setup.lead)
    member = setup.members[0]
    assert review.scorers_of(setup.assessment) == {setup.lead.id, member.id}
    from lgo_assess.accounts import services as accounts
    accounts.grant_role(member, Role.DLA_APPROVER)
    with pytest.raises(Forbidden):
        assessments.transition(setup.assessment, S.APPROVED, actor=member)
    with pytest.raises(Forbidden):
        assessments.transition(setup.assessment, S.REJECTED, actor=member, reason="ไม่ผ่าน")
    assert setup.assessment.status == S.RECOMMENDED
    assessments.transition(setup.assessment, S.APPROVED, actor=make_user(Role.DLA_APPROVER))
    assert setup.assessment.status == S.APPROVED


def test_every_review_action_leaves_an_audit_event(db_session):
    setup = _reviewed()
    actions = {e.action for e in db.session.query(AuditEvent).filter_by(
        object_type="assessments", object_id=str(setup.assessment.id))}
    assert {"assessment.accept", "review.assigned", "assessment.assign", "review.scores_saved",
            "review.scoring_submitted", "review.consensus_recorded",
            "assessment.complete_review"} <= actions


# -- Calibration -----------------------------------------------------------------------------

def test_calibration_shows_the_lenient_assessor(db_session):
    cycle = default_cycle()
    generous = make_assessor()
    reviews = []
    for _ in range(2):
        setup = make_in_review(members=0, cycle=cycle)
        review.add_assessor(setup.assessment, generous, AssignmentRole.MEMBER,
                            actor=setup.officer)
        score_all(setup, setup.lead, {"1.1": Answer(level=2)})
        score_all(setup, generous)                             # full marks everywhere
        agree_all(setup, {"1.1": Answer(level=2), "3.1": Answer(yes=False)})
        reviews.append(setup)
    report = review.calibration_for(cycle)
    mine = report.for_assessor(generous.id)
    assert mine.observations == 12 and mine.assessments == 2
    # 1.1: 1.0 vs 0.5 and 3.1: 1 vs 0, in both assessments: (0.5 + 1) × 2 / 12
    assert mine.mean_difference == pytest.approx(0.25)
    assert mine.mean_signed_difference == pytest.approx(0.25)
    lead = report.for_assessor(reviews[0].lead.id)
    assert lead.mean_signed_difference == pytest.approx(1 / 6)    # only 3.1 differs
    assert mine.leniency > lead.leniency
    assert mine.flagged and mine.tendency in ("lenient", "balanced")
