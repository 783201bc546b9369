"""The demo review step: assessments at every review stage, worked by the demo officers and
assessors, and nothing new on a second run."""
from sqlalchemy import select

from lgo_assess.assessments.models import Assessment
from lgo_assess.assessments.states import AssessmentStatus as S
from lgo_assess.core.db import db
from lgo_assess.review import services as review
from lgo_assess.review.models import AssignmentRole


def test_demo_reviews_cover_every_stage(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "demo review:" in first.output
    by_status = {}
    for assessment in db.session.execute(select(Assessment)).scalars():
        by_status.setdefault(assessment.status, []).append(assessment)
    assert by_status.get(S.SUBMITTED), "nothing waits for screening"

    [asked] = by_status[S.EVIDENCE_REQUESTED]
    assert asked.lgo.dla_code == "3500101"
    team = {a.assessor.email: a for a in review.team_of(asked)}
    assert team["assessor2@demo.example"].role == AssignmentRole.LEAD
    assert team["assessor1@demo.example"].role == AssignmentRole.MEMBER
    assert all(a.has_submitted for a in team.values())
    assert len(review.open_request_codes(asked)) == 1
    assert review.visits_of(asked)
    lead = team["assessor2@demo.example"].assessor
    assert any(row.divergence for row in review.comparison(asked, viewer=lead))

    [recommended] = by_status[S.RECOMMENDED]
    recommendation = review.recommendation_of(recommended)
    assert recommendation is not None and not recommendation.is_flagged_to_dla
    assert review.scorers_of(recommended) == {a.assessor_id for a in review.team_of(
        recommended)}

    again = runner.invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert "demo review: already loaded" in again.output
