"""The audit log is hash-chained: ``flask audit verify`` passes on an intact log and names the
first broken event when a row is edited or deleted behind the application's back."""
from sqlalchemy import delete, select, update

from lgo_assess.core.audit import GENESIS, AuditEvent, record, verify_chain
from lgo_assess.core.db import db
from tests.factories import make_user


def _three_events():
    user = make_user()
    return [record(user, f"test.step{i}", user, step=i) for i in range(3)]


def test_each_event_links_to_the_hash_of_the_one_before():
    events = _three_events()
    chain = db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    assert chain[-3:] == events
    assert chain[0].prev_hash == GENESIS
    for before, after in zip(chain, chain[1:]):
        assert after.prev_hash == before.hash
    assert len({event.hash for event in chain}) == len(chain)
    assert verify_chain().ok


def test_flask_audit_verify_passes_on_an_intact_log(app):
    _three_events()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_flask_audit_verify_fails_and_names_an_edited_event(app):
    events = _three_events()
    db.session.execute(update(AuditEvent).where(AuditEvent.id == events[1].id)
                       .values(details={"step": 99}))
    db.session.expire_all()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at event {events[1].id}" in result.output
    assert "changed" in result.output


def test_flask_audit_verify_fails_when_an_event_is_deleted(app):
    events = _three_events()
    ids = [event.id for event in events]
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == ids[1]))
    db.session.expire_all()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at event {ids[2]}" in result.output
    assert "removed" in result.output
