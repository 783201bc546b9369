"""The review pages through the test client: scope (an officer of another province and an
unassigned assessor get 403), the score sheet in each method's terms, the independence of the
scores on the page, the partial unlock seen by the LGO, the on-site sheet and the
recommendation's justification."""
from __future__ import annotations

import re
import subprocess
import unicodedata

import io
from datetime import date

import pytest

from lgo_assess.assessments.scoring import Answer
from lgo_assess.assessments.states import AssessmentStatus as S
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.review import services as review
from lgo_assess.review.models import Recommendation
from tests.factories import make_user
from tests.factories_assessments import DURING
from tests.factories_review import (agree_all, make_assessor, make_in_review, make_submitted,
                                    score_all)


@pytest.fixture(autouse=True)
def _in_app_context(app_ctx):
    """Factories run transitions, whose listeners build links."""


def _pages(assessment_id: int) -> list[str]:
    base = f"/review/{assessment_id}"
    return [base, f"{base}/scores", f"{base}/consensus", f"{base}/changes", f"{base}/visit",
            f"{base}/onsite-sheet.pdf", f"{base}/recommendation"]


def test_an_unassigned_assessor_gets_403_on_every_review_page(client, login):
    setup = make_in_review(members=0)
    db.session.commit()
    login(make_assessor())
    for url in _pages(setup.assessment.id):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/review/{setup.assessment.id}/scores", data={
        "score-1.1-level": "4"}).status_code == 403
    assert review.own_scores(setup.assessment, setup.lead) == {}


def test_an_officer_of_another_province_gets_403(client, login):
    setup = make_submitted()
    db.session.commit()
    login(make_user(Role.PROVINCIAL_OFFICER))
    a = setup.assessment.id
    assert client.get(f"/review/{a}").status_code == 403
    assert client.get(f"/review/{a}/team").status_code == 403
    assert client.post(f"/review/{a}/accept").status_code == 403
    assert client.post(f"/review/{a}/return", data={"reason": "x"}).status_code == 403
    assert setup.assessment.status == S.SUBMITTED
    # and their queue does not list it
    assert setup.assessment.lgo.name_th not in client.get("/review/screening").get_data(
        as_text=True)


def test_the_officer_screens_and_assigns_through_the_pages(client, login):
    setup = make_submitted()
    other = make_submitted()
    lead, member = make_assessor(), make_assessor()
    neighbour = make_assessor(setup.assessment.lgo.district)
    db.session.commit()
    login(setup.officer)
    page = client.get("/review/screening").get_data(as_text=True)
    assert setup.assessment.lgo.name_th in page and other.assessment.lgo.name_th not in page
    response = client.post("/review/screening/accept",
                           data={"assessment_ids": [setup.assessment.id]})
    assert response.status_code == 302
    db.session.refresh(setup.assessment)
    assert setup.assessment.status == S.ACCEPTED
    team_page = client.get(f"/review/{setup.assessment.id}/team").get_data(as_text=True)
    # Only assessors free of conflicts can be chosen; the others are listed with the reason.
    assert f'<option value="{lead.id}"' in team_page
    assert f'<option value="{neighbour.id}"' not in team_page
    assert '<tr class="unavailable">' in team_page and '<p class="error">' in team_page
    refused = client.post(f"/review/{setup.assessment.id}/team",
                          data={"lead": neighbour.id, "members": [member.id]})
    assert refused.status_code == 422
    assert client.post(f"/review/{setup.assessment.id}/team",
                       data={"lead": lead.id, "members": [member.id]}).status_code == 302
    db.session.refresh(setup.assessment)
    assert setup.assessment.status == S.IN_REVIEW
    assert {a.assessor_id for a in review.team_of(setup.assessment)} == {lead.id, member.id}


def test_a_return_needs_a_reason(client, login):
    setup = make_submitted()
    db.session.commit()
    login(setup.officer)
    client.post(f"/review/{setup.assessment.id}/return", data={"reason": ""})
    db.session.refresh(setup.assessment)
    assert setup.assessment.status == S.SUBMITTED
    client.post(f"/review/{setup.assessment.id}/return", data={"reason": "ขาดหลักฐานข้อ 1.1"})
    db.session.refresh(setup.assessment)
    assert setup.assessment.status == S.RETURNED


SHEET = {
    "score-1.1-level": "3", "score-1.1-comment": "มีข้อบัญญัติ", "score-1.1-evidence": "1",
    "score-1.2-checked": ["a", "b"],
    "score-2.1-value": "85",
    "score-2.2-value": "12",
    "score-3.1-yes": "0",
    "score-4.1-none": "1",
}


def test_the_score_sheet_reads_each_scoring_method(client, login):
    setup = make_in_review(members=0)
    db.session.commit()
    login(setup.lead)
    assert client.post(f"/review/{setup.assessment.id}/scores",
                       data={**SHEET, "action": "save"}).status_code == 302
    mine = {code: review.row_answer(s) for code, s in review.own_scores(
        setup.assessment, setup.lead).items()}
    assert mine == {"1.1": Answer(level=3), "1.2": Answer(checked=frozenset("ab")),
                    "2.1": Answer(value=85.0), "2.2": Answer(value=12.0),
                    "3.1": Answer(yes=False), "4.1": Answer(checked=frozenset())}
    assert review.own_scores(setup.assessment, setup.lead)["1.1"].evidence_checked
    assert client.post(f"/review/{setup.assessment.id}/scores",
                       data={"score-2.1-value": "lots", "action": "save"}).status_code == 422
    assert client.post(f"/review/{setup.assessment.id}/scores",
                       data={"action": "submit"}).status_code == 302
    assert review.lead_of(setup.assessment).has_submitted


def test_a_member_does_not_see_anothers_scores_before_submitting(client, login):
    setup = make_in_review(members=2)
    a, b = setup.members
    score_all(setup, b, {"1.1": Answer(level=1)})
    review.save_scores(setup.assessment, {"1.1": review.ScoreInput(
        Answer(level=2), "ความเห็นลับของผู้ประเมินเอ")}, actor=a)
    db.session.commit()
    login(a)
    consensus = client.get(f"/review/{setup.assessment.id}/consensus")
    body = consensus.get_data(as_text=True)
    assert consensus.status_code == 200
    assert b.display_name not in body and "ความเห็น 1.1" not in body   # B's comment
    sheet = client.get(f"/review/{setup.assessment.id}/scores").get_data(as_text=True)
    assert "ความเห็นลับของผู้ประเมินเอ" in sheet and "ความเห็น 1.1" not in sheet
    score_all(setup, a, submit=True)
    db.session.commit()
    body = client.get(f"/review/{setup.assessment.id}/consensus").get_data(as_text=True)
    assert b.display_name in body and "ความเห็น 1.1" in body
    assert 'class="diverges"' in body                   # 1.1: 4 against 1


def test_the_lead_records_the_consensus_and_sees_the_points(client, login):
    setup = make_in_review(members=0)
    score_all(setup, setup.lead)
    db.session.commit()
    login(setup.lead)
    data = {"agreed-1.1-level": "2", "agreed-1.1-comment": "ยังไม่ผ่านประชาพิจารณ์"}
    assert client.post(f"/review/{setup.assessment.id}/consensus",
                       data=data).status_code == 302
    row = review.consensus_of(setup.assessment)["1.1"]
    assert row.level == 2 and row.lead_id == setup.lead.id
    body = client.get(f"/review/{setup.assessment.id}/consensus").get_data(as_text=True)
    card = review.final_score(setup.assessment)
    one = card.criterion("1.1")
    assert f"{one.points:.2f} / {one.max_points:.2f}" in body


def test_the_lgo_sees_only_the_requested_criteria_and_answers(client, login):
    setup = make_in_review(members=0)
    review.request_evidence(setup.assessment, "1.2", "ขอภาพหน้าเว็บไซต์", date(2026, 2, 1),
                            actor=setup.lead, today=DURING)
    db.session.commit()
    login(setup.editor)
    listing = client.get("/review/requests").get_data(as_text=True)
    assert f"/review/{setup.assessment.id}/lgo" in listing
    page = client.get(f"/review/{setup.assessment.id}/lgo")
    assert page.status_code == 200 and "ขอภาพหน้าเว็บไซต์" in page.get_data(as_text=True)
    assert client.post(f"/review/{setup.assessment.id}/lgo/answer").status_code == 302
    db.session.refresh(setup.assessment)
    assert setup.assessment.status == S.IN_REVIEW
    # Another LGO's staff are refused.
    stranger = make_submitted()
    db.session.commit()
    login(stranger.editor)
    assert client.get(f"/review/{setup.assessment.id}/lgo").status_code == 403


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_the_onsite_sheet_is_a_pdf_with_the_criteria_to_verify(client, login, tmp_path):
    setup = make_in_review(members=0)
    db.session.commit()
    login(setup.lead)
    response = client.get(f"/review/{setup.assessment.id}/onsite-sheet.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    path = tmp_path / "sheet.pdf"
    path.write_bytes(response.data)
    text = squash(subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(path), "-"],
                                 check=True, capture_output=True, text=True).stdout)
    assert squash("มีศูนย์ข้อมูลข่าวสาร") in text                  # 3.1, by observation
    assert squash(setup.assessment.lgo.name_th) in text


def test_a_recommendation_that_differs_needs_a_justification_on_the_page(client, login):
    setup = make_in_review(members=0)
    score_all(setup, setup.lead)
    agree_all(setup, {"1.1": Answer(level=2)})          # computes "good"
    review.complete_review(setup.assessment, actor=setup.lead)
    db.session.commit()
    login(setup.lead)
    url = f"/review/{setup.assessment.id}/recommendation"
    assert client.post(url, data={"outcome": "pass", "result_level": "excellent"}
                       ).status_code == 422
    assert db.session.query(Recommendation).filter_by(
        assessment_id=setup.assessment.id).count() == 0
    assert client.post(url, data={"outcome": "pass", "result_level": "excellent",
                                  "justification": "ผลงานเชิงประจักษ์"}).status_code == 302
    recommendation = review.recommendation_of(setup.assessment)
    assert recommendation.is_flagged_to_dla and recommendation.justification


def test_calibration_and_settings_pages_for_dla(client, login):
    setup = make_in_review(members=0)
    db.session.commit()
    cycle_id = setup.assessment.cycle_id
    login(make_user(Role.DLA_APPROVER))
    assert client.get(f"/review/cycles/{cycle_id}/calibration").status_code == 200
    assert client.get(f"/review/cycles/{cycle_id}/settings").status_code == 403
    login(make_user(Role.DLA_ADMIN))
    assert client.post(f"/review/cycles/{cycle_id}/settings", data={
        "block_same_district": "", "min_team_size": "2"}).status_code == 302
    settings = review.settings_for(setup.assessment.cycle)
    assert settings.min_team_size == 2 and not settings.block_same_district


def test_photos_from_the_visit_go_to_the_library_and_only_the_team_sees_them(client, login):
    from lgo_assess.evidence.models import EvidenceItem
    from tests.evidence_files import image_bytes
    setup = make_in_review(members=0)
    score_all(setup, setup.lead)
    visit = review.schedule_visit(setup.assessment, date(2026, 2, 3), [], "ปลัด อบต.",
                                  actor=setup.lead, today=DURING)
    review.record_findings(visit, "ตรวจแล้ว", {"3.1": review.FindingInput("มีศูนย์จริง")},
                           actor=setup.lead)
    db.session.commit()
    login(setup.lead)
    response = client.post(f"/review/{setup.assessment.id}/visit/photos", data={
        "criterion_code": "3.1", "photos": [(io.BytesIO(image_bytes("PNG")), "ศูนย์.png")]},
        content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(visit)
    [item_id] = visit.finding_for("3.1").evidence_item_ids
    item = db.session.get(EvidenceItem, item_id)
    assert item.lgo_id == setup.assessment.lgo_id and item.uploaded_by_id == setup.lead.id
    assert item.fiscal_year == setup.assessment.cycle.fiscal_year
    # The evidence package lets the assigned assessor in (ACCESS_GRANTERS), no other assessor.
    assert client.get(f"/evidence/items/{item_id}").status_code == 200
    login(make_assessor())
    assert client.get(f"/evidence/items/{item_id}").status_code == 403
