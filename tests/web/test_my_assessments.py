"""My assessments: the open cycles of the user's LGOs, one per standard, with status, progress,
deadline and live score; starting, empty or from last year's assessment of the same standard."""
from __future__ import annotations

import re
from datetime import date, timedelta

from lgo_assess.assessments import services
from lgo_assess.assessments.models import Assessment
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.core.thaidate import today_bangkok
from tests.factories import make_lgo, make_user
from tests.factories_assessments import answer_all, make_lgo_team
from tests.web.assessment_scene import open_cycle_today, tst_edition_for


def _card(html: str, standard: str) -> str:
    cards = re.findall(r"<li>\s*<h3>.*?</li>\s*(?=<li>|</ul>)", html, re.S)
    found = [card for card in cards if standard in card]
    assert found, f"no card for {standard}"
    return found[0]


def test_the_page_lists_the_open_cycle_and_starts_an_assessment(client, login):
    cycle = open_cycle_today()
    lgo, editor, _ = make_lgo_team(make_lgo())
    db.session.commit()
    login(editor)
    page = client.get("/assessments/").get_data(as_text=True)
    assert 'href="/assessments/"' in page                       # the menu entry
    card = _card(page, "มาตรฐานทดสอบท้องถิ่น")
    due = cycle.self_assessment_due
    assert f"{due.day} " in card and str(due.year + 543) in card  # a B.E. date
    assert "60 days" in card or "60 วัน" in card                # days left
    assert f'action="/assessments/lgos/{lgo.id}/cycles/{cycle.id}/start"' in card
    assert 'name="copy_from"' not in card                       # nothing to start from
    started = client.post(f"/assessments/lgos/{lgo.id}/cycles/{cycle.id}/start", data={})
    assessment = db.session.query(Assessment).filter_by(lgo_id=lgo.id, cycle_id=cycle.id).one()
    assert started.status_code == 302
    assert started.location.endswith(f"/assessments/{assessment.id}")
    card = _card(client.get("/assessments/").get_data(as_text=True), "มาตรฐานทดสอบท้องถิ่น")
    assert f'href="/assessments/{assessment.id}"' in card and "<progress" in card
    assert "0.0%" in card


def test_progress_and_score_follow_the_answers(client, login):
    lgo, editor, _ = make_lgo_team(make_lgo())
    assessment = services.start_assessment(open_cycle_today(), lgo, actor=editor)
    answer_all(assessment, {"1.1": {"level": 4}, "3.1": {"yes": True}}, actor=editor,
               today=today_bangkok())
    db.session.commit()
    login(editor)
    card = _card(client.get("/assessments/").get_data(as_text=True), "มาตรฐานทดสอบท้องถิ่น")
    assert 'value="2"' in card and 'max="6"' in card
    percent = services.score_card(assessment).overall_percent
    assert "%.1f%%" % percent in card


def test_last_years_assessment_of_the_same_standard_can_be_the_start(client, login):
    lgo, editor, _ = make_lgo_team(make_lgo())
    last_cycle = services.open_cycle(
        tst_edition_for(2570), 2570, opens_on=date(2025, 11, 1),
        self_assessment_due=date(2026, 3, 31), review_due=date(2026, 6, 30),
        decision_due=date(2026, 8, 31), actor=None)
    last_year = services.start_assessment(last_cycle, lgo, actor=editor,
                                          today=date(2026, 1, 15))
    answer_all(last_year, actor=editor, today=date(2026, 1, 15))
    cycle = open_cycle_today()
    db.session.commit()
    login(editor)
    card = _card(client.get("/assessments/").get_data(as_text=True), "มาตรฐานทดสอบท้องถิ่น")
    assert f'name="copy_from" value="{last_year.id}" checked' in card
    response = client.post(f"/assessments/lgos/{lgo.id}/cycles/{cycle.id}/start",
                           data={"copy_from": str(last_year.id)})
    assert response.status_code == 302
    db.session.expire_all()
    this_year = db.session.query(Assessment).filter_by(lgo_id=lgo.id, cycle_id=cycle.id).one()
    assert this_year.started_from_id == last_year.id
    assert {r.criterion_code: r.level for r in this_year.responses}["1.1"] == 4
    assert {l.criterion_code for l in this_year.evidence_links} == {"1.1", "2.1"}
    assert all(l.item.fiscal_year == cycle.fiscal_year for l in this_year.evidence_links)
    # Another assessment's id is not a choice.
    stranger = client.post(f"/assessments/lgos/{lgo.id}/cycles/{cycle.id}/start",
                           data={"copy_from": "999999"})
    assert stranger.status_code == 302                         # back to the list, with why


def test_a_cycle_not_yet_open_shows_when_it_opens_and_offers_no_start(client, login):
    today = today_bangkok()
    services.open_cycle(tst_edition_for(2572), 2572, opens_on=today + timedelta(days=10),
                        self_assessment_due=today + timedelta(days=40),
                        review_due=today + timedelta(days=50),
                        decision_due=today + timedelta(days=60), actor=None)
    lgo, editor, _ = make_lgo_team(make_lgo())
    db.session.commit()
    login(editor)
    card = _card(client.get("/assessments/").get_data(as_text=True), "มาตรฐานทดสอบท้องถิ่น")
    opens = today + timedelta(days=10)
    assert "TST 2572" in card and "/start" not in card
    assert f"{opens.day} " in card and str(opens.year + 543) in card


def test_staff_without_an_lgo_role_do_not_see_the_page(client, login):
    login(make_user(Role.ASSESSOR))
    assert 'href="/assessments/"' not in client.get("/").get_data(as_text=True)
    assert client.get("/assessments/").status_code == 403


def test_starting_for_another_lgo_is_refused(client, login):
    cycle = open_cycle_today()
    _lgo, editor, _ = make_lgo_team(make_lgo())
    other = make_lgo()
    db.session.commit()
    login(editor)
    assert client.post(f"/assessments/lgos/{other.id}/cycles/{cycle.id}/start",
                       data={}).status_code == 403
    assert db.session.query(Assessment).filter_by(lgo_id=other.id).count() == 0
