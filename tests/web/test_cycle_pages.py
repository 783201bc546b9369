"""Cycle administration: the list with counts, opening a cycle (validation in the user's
language, dates shown in B.E.), a cycle's assessments with filters, and extensions."""
from datetime import date

import pytest
from sqlalchemy import select

from lgo_assess.assessments.models import Cycle, CycleExtension
from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.criteria import services as criteria_services
from lgo_assess.criteria.loader import load_text
from tests.factories import TEST_PASSWORD, make_province, make_user
from tests.factories_assessments import (TST_EDITION, make_assessment, make_cycle,
                                         make_published_edition)
from tests.notification_helpers import staffed_lgo, submitted_assessment
from tests.logins import log_in_client

DATES = {"opens_on": "2026-11-01", "self_assessment_due": "2027-02-28",
         "review_due": "2027-05-31", "decision_due": "2027-06-30"}


@pytest.fixture
def admin(login_as):
    return login_as(Role.DLA_ADMIN, locale="en")


def open_form(edition, fiscal_year="2569", **dates):
    return {"edition": str(edition.id), "fiscal_year": fiscal_year, **DATES, **dates}


def test_opening_a_cycle(client, admin):
    edition = make_published_edition()
    db.session.commit()  # requests roll back what the test left unsaved
    page = client.get(f"/admin/cycles/new?edition={edition.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'type="date"' in html and "Buddhist era:" in html and "be-date.js" in html
    response = client.post("/admin/cycles/new", data=open_form(edition))
    assert response.status_code == 302
    cycle = db.session.execute(select(Cycle).where(Cycle.edition_id == edition.id)).scalar_one()
    assert (cycle.fiscal_year, cycle.self_assessment_due) == (2569, date(2027, 2, 28))
    assert cycle.created_by_id == admin.id
    assert db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "cycle.opened", AuditEvent.object_id == str(cycle.id))).scalar()
    shown = client.get(response.location).get_data(as_text=True)
    assert "28 February 2570 BE" in shown            # B.E. on screen


def test_dates_out_of_order_are_refused_field_by_field(client, admin):
    edition = make_published_edition()
    db.session.commit()
    response = client.post("/admin/cycles/new", data=open_form(
        edition, self_assessment_due="2026-10-01", decision_due="2027-05-01"))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The self-assessment deadline cannot be before the opening date." in html
    assert "The decision deadline cannot be before the review deadline." in html
    assert db.session.execute(select(Cycle)).first() is None


def test_a_missing_or_malformed_date_is_explained(client, admin):
    edition = make_published_edition()
    db.session.commit()
    response = client.post("/admin/cycles/new", data=open_form(
        edition, opens_on="", review_due="31/05/2027", decision_due="2570-06-30"))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give the opening date." in html
    assert "Give a date as YYYY-MM-DD in the Gregorian calendar." in html
    assert "2570 looks like a Buddhist-era year; give the Gregorian year (2027)." in html


def test_validation_messages_are_in_thai_for_a_thai_user(thai_client):
    admin = make_user(Role.DLA_ADMIN, locale="th")
    edition = make_published_edition()
    db.session.commit()
    log_in_client(thai_client, admin.email, TEST_PASSWORD)
    response = thai_client.post("/admin/cycles/new", data=open_form(edition, opens_on=""))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'lang="th"' in html and "โปรดระบุวันที่เปิด" in html   # "Give the opening date."


def test_only_published_editions_and_their_years(client, admin):
    published = make_published_edition()
    draft_text = TST_EDITION.read_text(encoding="utf-8").replace(
        'code: "2569"', 'code: "2570"', 1).replace("fiscal_years: [2569]",
                                                  "fiscal_years: [2570]", 1)
    draft = criteria_services.import_edition(load_text(draft_text, "TST/2570.yaml")).edition
    db.session.commit()
    form_page = client.get("/admin/cycles/new").get_data(as_text=True)
    assert f'value="{published.id}"' in form_page and f'value="{draft.id}"' not in form_page
    refused = client.post("/admin/cycles/new", data=open_form(draft, "2570"))
    assert refused.status_code == 422
    assert "Choose a published edition." in refused.get_data(as_text=True)
    wrong_year = client.post("/admin/cycles/new", data=open_form(published, "2570"))
    assert wrong_year.status_code == 422
    assert "serves fiscal year 2569 only" in wrong_year.get_data(as_text=True)
    assert db.session.execute(select(Cycle)).first() is None


def test_a_second_cycle_of_the_same_edition_and_year_is_refused(client, admin):
    edition = make_published_edition()
    make_cycle(edition)
    db.session.commit()
    response = client.post("/admin/cycles/new", data=open_form(edition))
    assert response.status_code == 409
    assert "already open" in response.get_data(as_text=True)
    assert len(db.session.execute(select(Cycle)).all()) == 1


def test_the_list_counts_started_and_submitted_by_status(client, admin, app_ctx):
    cycle = make_cycle()
    make_assessment(cycle=cycle)
    submitted_assessment(cycle, *staffed_lgo())
    db.session.commit()
    html = client.get("/admin/cycles/").get_data(as_text=True)
    assert "FY 2569 BE" in html and "TST 2569" in html
    row = html[html.index("TST 2569"):]
    assert '<td class="num">2</td>' in row and '<td class="num">1</td>' in row
    assert "Draft" in row and "Submitted" in row


def test_the_cycle_page_lists_assessments_with_filters(client, admin, app_ctx):
    cycle = make_cycle()
    north, south = make_province(name_en="North"), make_province(name_en="South")
    draft = make_assessment(cycle=cycle, province=north)
    done = submitted_assessment(cycle, *staffed_lgo(province=south))
    db.session.commit()
    page = client.get(f"/admin/cycles/{cycle.id}").get_data(as_text=True)
    assert draft.lgo.dla_code in page and done.lgo.dla_code in page
    assert "6 of 6 criteria" in page                      # the submitted one is complete
    only_north = client.get(f"/admin/cycles/{cycle.id}?province={north.code}").get_data(
        as_text=True)
    assert draft.lgo.dla_code in only_north and done.lgo.dla_code not in only_north
    only_submitted = client.get(f"/admin/cycles/{cycle.id}?status=submitted").get_data(
        as_text=True)
    assert done.lgo.dla_code in only_submitted and draft.lgo.dla_code not in only_submitted
    assert client.get("/admin/cycles/999999").status_code == 404


def test_granting_an_extension(client, admin):
    cycle = make_cycle()
    lgo, _editor, _executive = staffed_lgo()
    db.session.commit()
    found = client.get(f"/admin/cycles/{cycle.id}/extensions?q={lgo.dla_code[:4]}")
    assert lgo.dla_code in found.get_data(as_text=True)
    picked = client.get(f"/admin/cycles/{cycle.id}/extensions?lgo={lgo.dla_code}")
    assert f'value="{lgo.dla_code}"' in picked.get_data(as_text=True)
    response = client.post(f"/admin/cycles/{cycle.id}/extensions", data={
        "lgo_code": lgo.dla_code, "self_assessment_due": "2026-04-15",
        "reason": "สำนักงานถูกน้ำท่วม"})
    assert response.status_code == 302
    extension = db.session.execute(select(CycleExtension)).scalar_one()
    assert (extension.lgo_id, extension.self_assessment_due) == (lgo.id, date(2026, 4, 15))
    page = client.get(f"/admin/cycles/{cycle.id}").get_data(as_text=True)
    assert "สำนักงานถูกน้ำท่วม" in page and "15 April 2569 BE" in page


def test_an_extension_needs_a_reason_a_known_lgo_and_a_later_date(client, admin):
    cycle = make_cycle()
    lgo, _editor, _executive = staffed_lgo()
    db.session.commit()
    url = f"/admin/cycles/{cycle.id}/extensions"
    no_reason = client.post(url, data={"lgo_code": lgo.dla_code,
                                       "self_assessment_due": "2026-04-15", "reason": ""})
    assert no_reason.status_code == 422
    assert "Give the reason for the extension." in no_reason.get_data(as_text=True)
    unknown = client.post(url, data={"lgo_code": "0000000", "self_assessment_due": "2026-04-15",
                                     "reason": "x"})
    assert "There is no LGO with this DLA code." in unknown.get_data(as_text=True)
    earlier = client.post(url, data={"lgo_code": lgo.dla_code,
                                     "self_assessment_due": "2026-03-01", "reason": "x"})
    assert earlier.status_code == 422
    assert "must be after the cycle" in earlier.get_data(as_text=True)
    assert db.session.execute(select(CycleExtension)).first() is None


def test_cycle_pages_are_for_dla_administrators_only(client, login_as):
    cycle = make_cycle()
    db.session.commit()
    login_as(Role.DLA_APPROVER)
    assert client.get("/admin/cycles/").status_code == 403
    assert client.get(f"/admin/cycles/{cycle.id}").status_code == 403


def test_the_pages_render_in_thai(client, login_as):
    login_as(Role.DLA_ADMIN, locale="th")
    cycle = make_cycle()
    db.session.commit()
    for url in ("/admin/cycles/", "/admin/cycles/new", f"/admin/cycles/{cycle.id}",
                f"/admin/cycles/{cycle.id}/extensions"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "31 มีนาคม 2569" in response.get_data(as_text=True) or url.endswith("new"), url
