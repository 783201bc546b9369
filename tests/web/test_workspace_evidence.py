"""Evidence in the workspace through HTTP: cite an item of the library for criteria of two
standards, upload inline through the evidence JSON endpoint and cite it, remove, the page
without JavaScript, and the deletion guard after submission."""
from __future__ import annotations

import io

from lgo_assess.assessments import services
from lgo_assess.core.db import db
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.evidence import services as evidence_services
from tests.evidence_files import image_bytes
from tests.factories import make_evidence_item
from tests.factories_assessments import answer_all
from tests.web.workspace_helpers import FY, article, make_team, second_standard_cycle, submit_as


def _cite(client, assessment, code, item_id):
    return client.post(f"/assessments/{assessment.id}/responses/{code}/evidence",
                       json={"item_id": item_id})


def test_one_item_is_cited_by_two_standards_of_the_same_fiscal_year(app, client, login):
    assessment, editor, _ = make_team()
    other = services.start_assessment(second_standard_cycle(), assessment.lgo, actor=editor)
    plan = make_evidence_item(assessment.lgo, fiscal_year=FY, title="แผนพัฒนาท้องถิ่น",
                              uploaded_by=editor)
    db.session.commit()
    login(editor)
    first = _cite(client, assessment, "1.1", plan.id)
    second = _cite(client, other, "2.1", plan.id)
    assert first.status_code == second.status_code == 200
    assert "แผนพัฒนาท้องถิ่น" in first.get_json()["links_html"]
    assert f'name="item_id" value="{plan.id}"' in second.get_json()["links_html"]
    with app.test_request_context():
        labels = [label for label, _url in evidence_services.citations(plan)]
    assert len(labels) == 2
    assert any("TST" in label for label in labels) and any("TSB" in label for label in labels)
    # The workspace of each shows it under its criterion.
    page = client.get(f"/assessments/{other.id}").get_data(as_text=True)
    assert "แผนพัฒนาท้องถิ่น" in article(page, "2.1")


def test_items_of_another_fiscal_year_are_refused(client, login):
    assessment, editor, _ = make_team()
    last_year = make_evidence_item(assessment.lgo, fiscal_year=FY - 1, uploaded_by=editor)
    db.session.commit()
    login(editor)
    refused = _cite(client, assessment, "1.1", last_year.id)
    assert refused.status_code == 403 and str(FY) in refused.get_json()["title"]
    assert _cite(client, assessment, "1.1", "not a number").status_code == 422


def test_a_file_uploaded_inline_is_cited_then_removed(client, login):
    assessment, editor, _ = make_team()
    login(editor)
    upload = client.post(f"/evidence/lgo/{assessment.lgo_id}/{FY}/upload",
                         data={"rows-0-file": (io.BytesIO(image_bytes("PNG")),
                                               "ศูนย์ข้อมูล.png")},
                         headers={"Accept": "application/json"},
                         content_type="multipart/form-data")
    assert upload.status_code == 201, upload.get_data(as_text=True)
    item_id = upload.get_json()["items"][0]["id"]
    cited = _cite(client, assessment, "3.1", item_id)
    assert cited.status_code == 200 and "ศูนย์ข้อมูล" in cited.get_json()["links_html"]
    library = client.get(f"/evidence/lgo/{assessment.lgo_id}/{FY}/items.json").get_json()
    assert item_id in [item["id"] for item in library["items"]]
    removed = client.post(f"/assessments/{assessment.id}/responses/3.1/evidence/unlink",
                          json={"item_id": item_id})
    assert removed.status_code == 200 and "ศูนย์ข้อมูล" not in removed.get_json()["links_html"]
    db.session.expire_all()
    assert services.live_links(assessment) == []


def test_without_javascript_the_picker_page_cites_and_removes(client, login):
    assessment, editor, _ = make_team()
    item = make_evidence_item(assessment.lgo, fiscal_year=FY, title="ทะเบียนเรื่องร้องเรียน",
                              uploaded_by=editor)
    make_evidence_item(assessment.lgo, fiscal_year=FY - 1, title="ของปีที่แล้ว",
                       uploaded_by=editor)
    db.session.commit()
    login(editor)
    picker = client.get(f"/assessments/{assessment.id}/responses/2.1/evidence")
    html = picker.get_data(as_text=True)
    assert picker.status_code == 200
    assert "ทะเบียนเรื่องร้องเรียน" in html and "ของปีที่แล้ว" not in html
    cited = client.post(f"/assessments/{assessment.id}/responses/2.1/evidence",
                        data={"item_id": str(item.id)})
    assert cited.status_code == 302 and cited.location.endswith("#c-2.1")
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "ทะเบียนเรื่องร้องเรียน" in article(page, "2.1")
    removed = client.post(f"/assessments/{assessment.id}/responses/2.1/evidence/unlink",
                          data={"item_id": str(item.id)})
    assert removed.status_code == 302
    db.session.expire_all()
    assert services.live_links(assessment) == []


def test_deleting_a_cited_item_after_submission_is_refused_with_the_guards_message(
        app, client, login):
    assessment, editor, executive = make_team()
    answer_all(assessment, actor=editor, today=today_bangkok())
    db.session.commit()
    cited = services.live_links(assessment)[0].item
    submit_as(app, executive, assessment)
    login(editor)
    refused = client.post(f"/evidence/items/{cited.id}/delete", data={})
    assert refused.status_code == 409
    assert "submitted" in refused.get_data(as_text=True) or "ส่ง" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert not cited.is_deleted


def test_the_workspace_says_which_required_evidence_is_still_needed(client, login):
    assessment, editor, _ = make_team()
    login(editor)
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert 'class="missing-evidence"' in article(page, "1.1")
    assert 'class="missing-evidence"' not in article(page, "1.2")     # nothing required there
    assert "สำเนาข้อบัญญัติ" in article(page, "1.1")
