"""The self-assessment workspace through HTTP: the autosave's JSON contract (versions, 409 with
the stored answer, the score panel), the same form without JavaScript, N/A and applicability,
read-only states, and who may open it."""
from __future__ import annotations

import re

import pytest

from lgo_assess.assessments import services
from lgo_assess.assessments.models import Response
from lgo_assess.assessments.states import AssessmentStatus as S
from lgo_assess.core.db import db
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.registry.models import LgoType
from tests.factories import make_area_tag
from tests.factories_assessments import SAO_FULL_ANSWERS, answer_all
from tests.web.workspace_helpers import article, client_for, make_team, save, submit_as


def test_an_editor_answers_every_criterion_and_the_score_follows(client, login):
    assessment, editor, _executive = make_team()
    login(editor)
    percents = []
    for code, data in SAO_FULL_ANSWERS.items():
        response = save(client, assessment, code, **data)
        assert response.status_code == 200, (code, response.get_json())
        body = response.get_json()
        assert body["version"] == 1 and body["state"] == "answered"
        assert body["response"]["criterion_code"] == code
        assert body["saved_at_label"] and 'data-overall' in body["panel_html"]
        percents.append(body["score"]["overall_percent"])
    assert percents == sorted(percents) and percents[0] < percents[-1]
    score = body["score"]
    assert (score["answered"], score["applicable"]) == (6, 6)
    assert score["result_level"]["code"] == "excellent"
    assert score["gap"] is None and all(level["reached"] for level in score["levels"])
    db.session.expire_all()
    stored = {r.criterion_code: r for r in db.session.query(Response).filter_by(
        assessment_id=assessment.id)}
    assert stored["1.1"].level == 4 and stored["1.2"].checked == ["a", "b", "c"]
    assert stored["2.1"].value == 90.0 and stored["3.1"].yes is True


def test_the_score_panel_explains_the_gap_to_pass(client, login):
    assessment, editor, _ = make_team()
    login(editor)
    body = save(client, assessment, "1.1", level=1).get_json()   # must pass needs level 2
    gap = body["score"]["gap"]
    assert gap["target"]["code"] == "pass"
    assert {m["code"] for m in gap["must_pass_unmet"]} == {"1.1", "2.1", "3.1"}
    assert gap["suggestions"][0]["is_must_pass"]
    assert gap["points_short"] > 0
    assert 'href="/assessments/%d#c-1.1"' % assessment.id in body["panel_html"]


def test_numbers_typed_with_thai_digits_and_separators_are_read(client, login):
    assessment, editor, _ = make_team()
    login(editor)
    assert save(client, assessment, "2.1", value="๘๐.๕").get_json()["response"]["value"] == 80.5
    refused = save(client, assessment, "2.1", version=1, value="1,234")
    assert refused.status_code == 422 and refused.get_json()["title"]
    assert save(client, assessment, "2.1", version=1, value="abc").status_code == 422
    db.session.expire_all()
    assert assessment.response_for("2.1").value == 80.5


def test_a_stale_version_gets_409_with_the_stored_answer_and_nothing_is_lost(app, client, login):
    assessment, editor, executive = make_team()
    login(editor)
    first = save(client, assessment, "1.1", level=1, narrative="ฉบับแรกของเจ้าหน้าที่")
    assert first.get_json()["version"] == 1
    theirs = save(client_for(app, executive), assessment, "1.1", version=1,
                  narrative="ฉบับของผู้บริหาร")
    assert theirs.status_code == 200 and theirs.get_json()["version"] == 2

    stale = save(client, assessment, "1.1", version=1, level=3, narrative="ฉบับที่สอง")
    assert stale.status_code == 409
    current = stale.get_json()["current"]
    assert current["narrative"] == "ฉบับของผู้บริหาร" and current["version"] == 2
    assert current["level"] == 1 and current["updated_by"] == executive.display_name
    db.session.expire_all()
    assert assessment.response_for("1.1").narrative == "ฉบับของผู้บริหาร"

    # "Keep mine": the same answer again, with the version the conflict reported.
    kept = save(client, assessment, "1.1", version=current["version"], level=3,
                narrative="ฉบับที่สอง")
    assert kept.status_code == 200 and kept.get_json()["version"] == 3
    db.session.expire_all()
    assert (assessment.response_for("1.1").level,
            assessment.response_for("1.1").narrative) == (3, "ฉบับที่สอง")


def test_two_first_saves_of_one_criterion_conflict(app, client, login):
    assessment, editor, executive = make_team()
    login(editor)
    assert save(client_for(app, executive), assessment, "3.1", yes=True).status_code == 200
    second = save(client, assessment, "3.1", yes=False)
    assert second.status_code == 409 and second.get_json()["current"]["yes"] is True


def test_without_javascript_the_form_saves_and_shows_a_conflict(app, client, login):
    assessment, editor, executive = make_team()
    login(editor)
    url = f"/assessments/{assessment.id}/responses/1.2"
    saved = client.post(url, data={"version": "", "checked": ["a", "c"], "narrative": "เว็บไซต์"})
    assert saved.status_code == 302
    assert saved.location.endswith(f"/assessments/{assessment.id}#c-1.2")
    db.session.expire_all()
    assert assessment.response_for("1.2").checked == ["a", "c"]
    # A checklist with nothing ticked is an answer only when "none of these" is ticked.
    client.post(url, data={"version": "1", "checked_none": "1"})
    db.session.expire_all()
    assert assessment.response_for("1.2").checked == []

    save(client_for(app, executive), assessment, "1.2", version=2, checked=["b"])
    refused = client.post(url, data={"version": "2", "checked": ["a"], "narrative": "ของฉัน"})
    assert refused.status_code == 409
    page = article(refused.get_data(as_text=True), "1.2")
    assert 'name="version" value="3"' in page            # saving again keeps mine
    assert ">ของฉัน</textarea>" in page                 # my text is still in the form
    assert "Their version" in page or "ของเขา" in page


def test_not_applicable_needs_permission_and_a_reason(client, login):
    assessment, editor, _ = make_team()
    login(editor)
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert 'name="is_not_applicable"' in article(page, "4.1")
    assert "ไม่มีหมู่บ้านในเขตพื้นที่" in article(page, "4.1")          # the "when" text
    assert 'name="is_not_applicable"' not in article(page, "1.1")

    assert save(client, assessment, "4.1", is_not_applicable=True).status_code == 422
    assert save(client, assessment, "1.1", is_not_applicable=True,
                not_applicable_reason="ไม่มี").status_code == 422
    body = save(client, assessment, "4.1", is_not_applicable=True,
                not_applicable_reason="ไม่มีหมู่บ้าน").get_json()
    assert body["state"] == "not_applicable"
    assert body["response"]["not_applicable_reason"] == "ไม่มีหมู่บ้าน"


def test_a_criterion_that_does_not_apply_is_shown_greyed_with_the_reason_and_cannot_be_saved(
        client, login):
    make_area_tag("border", name_th="พื้นที่ชายแดน", name_en="Border area")
    assessment, editor, _ = make_team()
    login(editor)
    page = article(client.get(f"/assessments/{assessment.id}").get_data(as_text=True), "3.2")
    assert "does-not-apply" in page and "การจัดการน้ำชายแดน" in page
    assert "พื้นที่ชายแดน" in page and "<form" not in page
    refused = save(client, assessment, "3.2", checked=["a"])
    assert refused.status_code == 422
    db.session.expire_all()
    assert assessment.response_for("3.2") is None


def test_a_criterion_not_for_the_lgos_type_says_so(client, login):
    assessment, editor, _ = make_team(LgoType.CITY_MUNICIPALITY, locale="en")
    login(editor)
    page = article(client.get(f"/assessments/{assessment.id}").get_data(as_text=True), "3.2")
    assert "Not for City municipality" in page


def test_the_workspace_renders_in_thai_and_in_english(client, login):
    assessment, editor, _ = make_team()
    login(editor)
    thai = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert '<html lang="th">' in thai
    assert "การจัดทำข้อบัญญัติท้องถิ่น" in thai and "Drafting local ordinances" not in thai
    assert "มาตรฐานทดสอบท้องถิ่น" in thai
    client.post("/language", data={"lang": "en", "next": "/"})
    english = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert '<html lang="en">' in english
    assert "Drafting local ordinances" in english and "การจัดทำข้อบัญญัติท้องถิ่น" not in english
    assert "Test Locality Standard" in english


def test_the_page_carries_what_the_script_needs(client, login):
    assessment, editor, _ = make_team()
    login(editor)
    response = client.get(f"/assessments/{assessment.id}")
    html = response.get_data(as_text=True)
    assert re.search(r'<meta name="csrf-token" content="[^"]+">', html)
    assert '<script src="/static/js/workspace.js" defer></script>' in html
    assert "<script>" not in html and " style=" not in html      # the CSP allows neither
    assert f'data-library-url="/evidence/lgo/{assessment.lgo_id}/' in html
    assert 'id="global-status" role="status" aria-live="polite"' in html
    for code in SAO_FULL_ANSWERS:
        form = article(html, code)
        assert f'action="/assessments/{assessment.id}/responses/{code}"' in form
        assert 'class="save-status" aria-live="polite"' in form and 'type="submit"' in form


def test_the_script_stays_small_and_has_no_dependencies(app):
    from pathlib import Path
    script = Path(app.static_folder) / "js" / "workspace.js"
    text = script.read_text(encoding="utf-8")
    assert len(text.encode()) < 18 * 1024
    assert "import " not in text and "http://" not in text and "https://" not in text


def test_the_json_save_needs_the_csrf_token_from_the_meta_tag(app, client, login):
    assessment, editor, _ = make_team()
    login(editor)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        html = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
        token = re.search(r'<meta name="csrf-token" content="([^"]+)">', html).group(1)
        url = f"/assessments/{assessment.id}/responses/3.1"
        missing = client.post(url, json={"version": None, "yes": True},
                              headers={"Accept": "application/json"})
        assert missing.status_code == 400 and missing.is_json
        saved = client.post(url, json={"version": None, "yes": True},
                            headers={"X-CSRFToken": token, "Accept": "application/json"})
        assert saved.status_code == 200, saved.get_data(as_text=True)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_after_submission_saving_is_refused_and_the_page_is_read_only(app, client, login):
    assessment, editor, executive = make_team()
    answer_all(assessment, actor=editor, today=today_bangkok())
    db.session.commit()
    submitted = client_for(app, executive).post(f"/assessments/{assessment.id}/submit",
                                                data={"confirm": "y"})
    assert submitted.status_code == 302
    db.session.expire_all()
    assert assessment.status == S.SUBMITTED
    login(editor)
    refused = save(client, assessment, "1.1", version=1, level=0)
    assert refused.status_code == 403 and refused.get_json()["title"]
    db.session.expire_all()
    assert assessment.response_for("1.1").level == 4
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "data-editable" not in page
    assert "<fieldset class=\"answer-fields\" disabled>" in article(page, "1.1")
    assert 'class="save"' not in page


def test_the_executive_not_the_editor_submits(app, client, login):
    assessment, editor, executive = make_team()
    answer_all(assessment, actor=editor, today=today_bangkok())
    db.session.commit()
    login(editor)
    summary = client.get(f"/assessments/{assessment.id}/submit").get_data(as_text=True)
    assert 'name="confirm"' not in summary
    assert client.post(f"/assessments/{assessment.id}/submit",
                       data={"confirm": "y"}).status_code == 403
    db.session.expire_all()
    assert assessment.status == S.DRAFT
    executive_client = client_for(app, executive)
    unconfirmed = executive_client.post(f"/assessments/{assessment.id}/submit", data={})
    assert unconfirmed.status_code == 422
    assert executive_client.post(f"/assessments/{assessment.id}/submit",
                                 data={"confirm": "y"}).status_code == 302
    db.session.expire_all()
    assert assessment.status == S.SUBMITTED and assessment.submitted_by_id == executive.id
    history = executive_client.get(f"/assessments/{assessment.id}/submit").get_data(as_text=True)
    assert "name=\"reason\"" in history                  # withdrawal is offered


def test_completeness_lists_exactly_what_is_missing_with_links(client, login):
    assessment, editor, executive = make_team()
    answer_all(assessment, {k: v for k, v in SAO_FULL_ANSWERS.items() if k != "2.2"},
               actor=editor, today=today_bangkok())
    services.unlink_evidence(assessment, "1.1", services.live_links(assessment)[0]
                             .evidence_item_id, actor=editor)
    db.session.commit()
    login(executive)
    page = client.get(f"/assessments/{assessment.id}/submit").get_data(as_text=True)
    missing = re.search(r'<section class="panel missing".*?</section>', page, re.S).group(0)
    items = re.findall(r"<li>.*?</li>", missing, re.S)
    assert len(items) == len(services.completeness(assessment)) == 2
    assert f'href="/assessments/{assessment.id}#c-2.2"' in items[0] or \
        f'href="/assessments/{assessment.id}#c-2.2"' in items[1]
    evidence = next(item for item in items if "#c-1.1" in item)
    assert "สำเนาข้อบัญญัติ" in evidence                  # which evidence, in words
    assert 'name="confirm"' not in page


def test_withdrawal_needs_a_reason_and_is_in_the_history(app, client, login):
    assessment, editor, executive = make_team()
    answer_all(assessment, actor=editor, today=today_bangkok())
    db.session.commit()
    submit_as(app, executive, assessment)
    login(editor)
    assert client.post(f"/assessments/{assessment.id}/withdraw",
                       data={"reason": "x"}).status_code == 403
    executive_client = client_for(app, executive)
    assert executive_client.post(f"/assessments/{assessment.id}/withdraw",
                                 data={"reason": ""}).status_code == 422
    done = executive_client.post(f"/assessments/{assessment.id}/withdraw",
                                 data={"reason": "ขอปรับปรุงหลักฐาน"})
    assert done.status_code == 302
    db.session.expire_all()
    assert assessment.status == S.WITHDRAWN
    page = executive_client.get(f"/assessments/{assessment.id}/submit").get_data(as_text=True)
    assert "ขอปรับปรุงหลักฐาน" in page and 'name="reason"' not in page


def test_under_an_evidence_request_only_the_named_criteria_open(app, client, login, monkeypatch):
    assessment, editor, executive = make_team()
    answer_all(assessment, actor=editor, today=today_bangkok())
    db.session.commit()
    submit_as(app, executive, assessment)
    assessment.status = S.EVIDENCE_REQUESTED          # as the review would leave it
    db.session.commit()
    monkeypatch.setattr(services, "OPEN_REQUEST_PROVIDERS", [lambda a: ["2.1"]])
    login(editor)
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert "disabled" in article(page, "1.1") and "disabled" not in article(page, "2.1")
    assert save(client, assessment, "1.1", version=1, level=3).status_code == 403
    assert save(client, assessment, "2.1", version=1, value=85).status_code == 200


@pytest.mark.parametrize("what", ["workspace", "save", "submit", "link", "picker"])
def test_an_editor_of_another_lgo_is_refused(client, login, what):
    assessment, _editor, _ = make_team()
    _other, stranger, _ = make_team()
    login(stranger)
    base = f"/assessments/{assessment.id}"
    response = {
        "workspace": lambda: client.get(base),
        "save": lambda: save(client, assessment, "1.1", level=2),
        "submit": lambda: client.get(f"{base}/submit"),
        "link": lambda: client.post(f"{base}/responses/1.1/evidence", json={"item_id": 1}),
        "picker": lambda: client.get(f"{base}/responses/1.1/evidence"),
    }[what]()
    assert response.status_code == 403
    db.session.expire_all()
    assert assessment.response_for("1.1") is None


def test_unknown_criteria_assessments_and_items_are_404(client, login):
    assessment, editor, _ = make_team()
    login(editor)
    response = save(client, assessment, "9.9", level=1)
    assert response.status_code == 404 and response.get_json()["status"] == 404
    assert client.get("/assessments/99999999999999999999").status_code == 404
    for item_id in (10**20, 0, -1, True):
        cited = client.post(f"/assessments/{assessment.id}/responses/1.1/evidence",
                            json={"item_id": item_id})
        assert cited.status_code == 404, item_id
