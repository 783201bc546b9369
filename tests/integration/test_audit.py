"""The audit log is append-only and hash-chained.

The database itself refuses UPDATE and DELETE on ``audit_events`` (triggers, from migration
f1604266971f; TRUNCATE too on PostgreSQL). Someone who can drop those triggers (the database
owner) can still edit rows: ``flask audit verify`` then names the first broken event."""
import threading
import time

import flask_migrate
import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError

from lgo_assess.core.audit import GENESIS, AuditEvent, record, verify_chain
from lgo_assess.core.db import db
from lgo_assess import create_app
from tests.conftest import make_test_config
from tests.factories import make_user
from tests.scratch_db import scratch_database, session_of_its_own


def _three_events():
    user = make_user()
    return [record(user, f"test.step{i}", user, step=i) for i in range(3)]


def _as_the_database_owner_without_the_triggers():
    """What an insider with owner rights could do: switch the append-only triggers off. Inside
    the test's transaction, so the rollback at the end puts them back."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("ALTER TABLE audit_events DISABLE TRIGGER USER"))
    else:
        db.session.execute(text("DROP TRIGGER audit_events_no_update"))
        db.session.execute(text("DROP TRIGGER audit_events_no_delete"))


def _refused(statement) -> str:
    savepoint = db.session.begin_nested()
    with pytest.raises(DBAPIError) as error:
        db.session.execute(statement)
    savepoint.rollback()
    return str(error.value)


def test_each_event_links_to_the_hash_of_the_one_before():
    events = _three_events()
    chain = db.session.execute(select(AuditEvent).order_by(AuditEvent.id)).scalars().all()
    assert chain[-3:] == events
    assert chain[0].prev_hash == GENESIS
    for before, after in zip(chain, chain[1:]):
        assert after.prev_hash == before.hash
    assert len({event.hash for event in chain}) == len(chain)
    assert verify_chain().ok


def test_an_event_records_who_what_when_in_utc_and_from_where():
    user = make_user()
    event = record(user, "test.where", user, ip_address="203.0.113.7", field="title")
    db.session.expire_all()
    stored = db.session.get(AuditEvent, event.id)
    assert (stored.actor_id, stored.actor_label) == (user.id, user.email)
    assert (stored.action, stored.object_type, stored.object_id) == (
        "test.where", "users", str(user.id))
    assert stored.occurred_at.utcoffset().total_seconds() == 0
    assert stored.ip_address == "203.0.113.7" and stored.details == {"field": "title"}


def test_the_database_refuses_to_update_or_delete_an_event():
    events = _three_events()
    message = _refused(update(AuditEvent).where(AuditEvent.id == events[1].id)
                       .values(details={"step": 99}))
    assert "append-only" in message
    message = _refused(delete(AuditEvent).where(AuditEvent.id == events[1].id))
    assert "append-only" in message
    assert "append-only" in _refused(text("DELETE FROM audit_events"))
    if db.session.get_bind().dialect.name == "postgresql":
        assert "append-only" in _refused(text("TRUNCATE audit_events"))
    db.session.expire_all()
    assert db.session.get(AuditEvent, events[1].id).details == {"step": 1}
    assert verify_chain().ok


def test_the_orm_cannot_change_an_event_either():
    event = _three_events()[0]
    savepoint = db.session.begin_nested()
    event.action = "test.rewritten"
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.flush()
    savepoint.rollback()


def test_flask_audit_verify_passes_on_an_intact_log(app):
    _three_events()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "intact" in result.output


def test_flask_audit_verify_fails_and_names_an_edited_event(app):
    events = _three_events()
    _as_the_database_owner_without_the_triggers()
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
    _as_the_database_owner_without_the_triggers()
    db.session.execute(delete(AuditEvent).where(AuditEvent.id == ids[1]))
    db.session.expire_all()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"BROKEN at event {ids[2]}" in result.output
    assert "removed" in result.output


def test_flask_audit_verify_fails_when_the_newest_event_is_rehashed_but_its_link_is_not(app):
    """Recomputing one event's own hash after editing it does not help: the next link breaks."""
    events = _three_events()
    _as_the_database_owner_without_the_triggers()
    forged = events[1]
    forged.details = {"step": 42}
    from lgo_assess.core.audit import _digest
    forged.hash = _digest(forged.prev_hash, forged.payload())
    db.session.flush()
    db.session.expire_all()
    report = verify_chain()
    assert report.broken_at == events[2].id and "link" in report.reason


def test_two_writers_at_once_keep_one_chain(database_url, tmp_path):
    """Two transactions append two events each, the second starting while the first is between
    its events: it waits for the first to commit (the advisory lock on PostgreSQL, the write
    lock on SQLite) and links to the first's last event, so the log stays one chain. (Each
    transaction's second event links to its first without reading the table again.)"""
    url, drop = scratch_database(database_url, tmp_path, "audit_chain")
    app = create_app(make_test_config(tmp_path / "instance", url))
    first_written, errors = threading.Event(), []

    def writer(name: str, wait_for: threading.Event | None, pause: float) -> None:
        try:
            if wait_for is not None:
                wait_for.wait(10)
            # a POST, as a form submission is: on SQLite its transaction begins IMMEDIATE
            with app.test_request_context("/", method="POST"):
                record(None, f"test.{name}1")
                first_written.set()
                time.sleep(pause)              # the other writer arrives meanwhile
                record(None, f"test.{name}2")
                db.session.commit()
                db.session.remove()
        except Exception as error:           # reported below, with the thread's failure
            errors.append(error)

    with session_of_its_own():
        try:
            with app.app_context():
                flask_migrate.upgrade()
                db.session.remove()
            threads = [threading.Thread(target=writer, args=("a", None, 0.5)),
                       threading.Thread(target=writer, args=("b", first_written, 0.0))]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            assert not errors, errors
            with app.app_context():
                chain = db.session.execute(select(AuditEvent).where(
                    AuditEvent.action.like("test.%")).order_by(AuditEvent.id)).scalars().all()
                assert [e.action for e in chain] == ["test.a1", "test.a2", "test.b1", "test.b2"]
                for before, after in zip(chain, chain[1:]):
                    assert after.prev_hash == before.hash
                assert verify_chain().ok
                db.session.remove()
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()
            drop()
