"""The audit trail through real requests: each write's event says who, from where and when
(UTC); a request that writes without an event is refused by the guard (the suite runs with
``AUDIT_GUARD = "raise"``, so every write path the tests exercise is checked); and an LGO reads
the record of its own dossier, without the panel's internal work."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from lgo_assess import create_app
from lgo_assess.core.audit import AuditEvent, record
from lgo_assess.core.db import db
from lgo_assess.core.security import Role, public
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.registry.models import Province
from tests.conftest import make_test_config
from tests.factories import make_user
from tests.factories_assessments import answer_all
from tests.web.workspace_helpers import client_for, make_team, save, submit_as


def _events(**where) -> list[AuditEvent]:
    query = select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)
    return list(db.session.execute(query).scalars())


def test_a_write_through_a_request_records_who_from_where_and_when(app):
    assessment, editor, _executive = make_team()
    client = client_for(app, editor)
    saved = save(client, assessment, "1.1", level=2)
    assert saved.status_code == 200, saved.get_json()
    [event] = _events(action="response.saved", object_id=str(assessment.id))
    assert (event.actor_id, event.actor_label) == (editor.id, editor.email)
    assert event.ip_address == "127.0.0.1"                 # the test client's address
    assert event.occurred_at.utcoffset().total_seconds() == 0
    assert event.details["criterion"] == "1.1"


@pytest.fixture
def app_with_writes(tmp_path, database_url):
    """An app with two extra pages: one writes and records an event, one forgets to."""
    def make(mode):
        application = create_app({**make_test_config(tmp_path, database_url),
                                  "AUDIT_GUARD": mode})

        def write(code: str, audited: bool):
            province = Province(code=code, name_th=f"จังหวัด {code}", name_en=f"P {code}")
            db.session.add(province)
            db.session.flush()
            if audited:
                record(None, "test.province_added", province)
            db.session.commit()
            return "saved"
        application.add_url_rule("/audited", "audited",
                                 public(lambda: write("91", True)), methods=["POST"])
        application.add_url_rule("/unaudited", "unaudited",
                                 public(lambda: write("92", False)), methods=["POST"])
        return application
    return make


def _provinces(code: str) -> int:
    return db.session.execute(select(func.count()).select_from(Province)
                              .where(Province.code == code)).scalar_one()


def test_the_guard_refuses_a_request_that_writes_without_an_audit_event(app_with_writes,
                                                                       caplog):
    application = app_with_writes("raise")
    client = application.test_client()
    assert client.post("/audited").status_code == 200
    assert _provinces("91") == 1
    with caplog.at_level(logging.ERROR):
        refused = client.post("/unaudited")
    assert refused.status_code == 500
    db.session.expire_all()
    assert _provinces("92") == 0, "the unaudited write was committed"
    assert any("commits changes to provinces without an audit event" in r.getMessage()
               for r in caplog.records)


def test_in_production_the_guard_logs_the_unaudited_write(app_with_writes, caplog):
    application = app_with_writes("log")
    with caplog.at_level(logging.ERROR):
        assert application.test_client().post("/unaudited").status_code == 200
    assert any("POST /unaudited" in r.getMessage() and "provinces" in r.getMessage()
               for r in caplog.records)


def test_the_lgo_reads_the_record_of_its_own_dossier(app):
    assessment, editor, executive = make_team()
    client = client_for(app, editor)
    assert save(client, assessment, "1.1", level=2).status_code == 200
    answer_all(assessment, actor=editor, today=today_bangkok())
    assessor = make_user(Role.ASSESSOR)
    record(assessor, "review.scores_saved", assessment, criteria=["1.1"])  # the panel's work
    db.session.commit()
    submit_as(app, executive, assessment)

    page = client.get(f"/assessments/{assessment.id}/history?lang=en")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Answer saved" in html and "<td>1.1</td>" in html
    assert editor.display_name in html and executive.display_name in html
    assert "Status changed" in html and "Submitted" in html
    assert "scores_saved" not in html and assessor.display_name not in html
    assert page.headers["Cache-Control"] == "no-store"
    submit_page = client.get(f"/assessments/{assessment.id}/submit").get_data(as_text=True)
    assert f'href="/assessments/{assessment.id}/history"' in submit_page


def test_another_lgos_staff_cannot_read_the_dossier_record(app):
    assessment, _editor, _executive = make_team()
    _other, stranger, _ = make_team()
    assert client_for(app, stranger).get(
        f"/assessments/{assessment.id}/history").status_code == 403
