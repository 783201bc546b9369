"""Certification services: decisions (nobody who scored decides; a rejection has a reason),
certificates (serial, dates, signed payload), expiry by date, revocation by two different
approvers, supersession, bulk approval of clean recommendations, gap-free serials under
concurrency, and the database constraints behind the rules."""
from __future__ import annotations

import re
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lgo_assess.accounts import services as accounts
from lgo_assess.assessments import services as assessments
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.certification import numbering, services
from lgo_assess.certification.models import (Certificate, CertificateStatus, Decision,
                                              DecisionOutcome, NumberCounter, RevocationRequest,
                                              RevocationStatus)
from lgo_assess.certification.signing import KeyDirectory, verify
from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.errors import Conflict, Forbidden, Invalid
from lgo_assess.core.security import Role
from tests.factories import make_user
from tests.factories_assessments import make_assessment
from tests.factories_certification import (ISSUED_ON, ensure_signing_key, make_approver,
                                           make_certificate, make_decision,
                                           make_recommended_assessment)

APPROVE, REJECT = DecisionOutcome.APPROVED, DecisionOutcome.REJECTED


@pytest.fixture(autouse=True)
def signing_key(app_ctx):
    return ensure_signing_key()


def _events(action: str) -> list[AuditEvent]:
    return list(db.session.execute(select(AuditEvent).where(AuditEvent.action == action))
                .scalars())


# -- Decisions and certificates -------------------------------------------------------------------

def test_an_approval_issues_a_signed_certificate_with_serial_and_validity(app):
    decision = make_decision()
    certificate = decision.current_certificate
    assert re.fullmatch(r"DLA-2569-\d{6}", decision.reference)
    assert re.fullmatch(r"TST-2569-\d{6}", certificate.serial)
    assert decision.assessment.status == AssessmentStatus.APPROVED
    assert (certificate.issued_on, certificate.valid_until) == (ISSUED_ON, date(2029, 7, 15))
    assert certificate.result_level_code == decision.result_level_code == "good"
    facts = services.signed_payload(certificate).facts
    assert facts["serial"] == certificate.serial
    assert facts["lgo_name_th"] == decision.assessment.lgo.name_th
    assert facts["level_th"] == "ดี" and facts["valid_until"] == "2029-07-15"
    assert facts["verify_token"] == certificate.verification_token
    keys = KeyDirectory(app.config["KEYS_DIR"])
    assert verify(services.signed_payload(certificate), keys.public_key(certificate.key_id))
    assert {e.object_id for e in _events("decision.approved")} == {str(decision.id)}
    assert {e.object_id for e in _events("certificate.issued")} == {str(certificate.id)}


def test_serials_and_references_count_up_per_series():
    first, second = make_decision(), make_decision()
    numbers = [int(d.current_certificate.serial[-6:]) for d in (first, second)]
    assert numbers[1] == numbers[0] + 1
    assert int(second.reference[-6:]) == int(first.reference[-6:]) + 1


def test_the_verification_token_is_random_and_not_the_serial():
    tokens = {make_certificate().verification_token for _ in range(3)}
    assert len(tokens) == 3
    for token in tokens:
        assert re.fullmatch(r"[a-z2-7]{26}", token)       # 128 bits in base32


def test_a_rejection_needs_a_reason_and_issues_nothing():
    assessment = make_recommended_assessment()
    approver = make_approver()
    with pytest.raises(Invalid):
        services.decide(assessment, REJECT, reason="  ", actor=approver)
    decision = services.decide(assessment, REJECT, reason="หลักฐานไม่ครบ", actor=approver)
    assert assessment.status == AssessmentStatus.REJECTED
    assert decision.current_certificate is None and decision.result_level_code is None


def test_a_recommendation_not_to_certify_can_only_be_rejected():
    assessment = make_recommended_assessment(level=None, computed=None)
    with pytest.raises(Invalid):
        services.decide(assessment, APPROVE, actor=make_approver())
    assert assessment.status == AssessmentStatus.RECOMMENDED


def test_only_recommended_assessments_and_only_approvers_decide():
    with pytest.raises(Invalid):
        services.decide(make_assessment(), APPROVE, actor=make_approver())
    with pytest.raises(Forbidden):
        services.decide(make_recommended_assessment(), APPROVE,
                        actor=make_user(Role.DLA_ADMIN))


def test_approval_without_a_key_is_recorded_and_waits_for_bulk_issuance(app, tmp_path,
                                                                        monkeypatch):
    monkeypatch.setitem(app.config, "KEYS_DIR", tmp_path / "no-keys")
    decision = make_decision(issue=False)
    assert decision.is_approved and decision.current_certificate is None
    assert decision in services.approved_without_certificate(decision.assessment.cycle_id)


# -- Separation of duties -------------------------------------------------------------------------

def test_an_assessor_who_scored_may_not_decide_even_as_an_approver():
    scorer = make_approver()
    accounts.grant_role(scorer, Role.ASSESSOR)
    assessment = make_recommended_assessment(scorers=[scorer])
    for outcome in (APPROVE, REJECT):
        with pytest.raises(Forbidden):
            services.decide(assessment, outcome, reason="ไม่ผ่าน", actor=scorer)
    assert assessment.status == AssessmentStatus.RECOMMENDED
    assert db.session.execute(select(Decision)).first() is None
    assert services.decide(assessment, APPROVE, actor=make_approver()).is_approved


def test_the_lead_who_recommended_may_not_decide():
    lead = make_approver()
    assessment = make_recommended_assessment(lead=lead)
    with pytest.raises(Forbidden):
        services.decide(assessment, APPROVE, actor=lead)


def test_the_guard_holds_for_any_caller_of_transition():
    scorer = make_approver()
    assessment = make_recommended_assessment(scorers=[scorer])
    assert services._guard in assessments.TRANSITION_GUARDS
    with pytest.raises(Forbidden):
        assessments.transition(assessment, AssessmentStatus.APPROVED, actor=scorer)


# -- Expiry by date -------------------------------------------------------------------------------

def test_status_is_computed_as_of_a_date_expired_only_after_valid_until():
    certificate = make_certificate()
    last_day = certificate.valid_until
    assert certificate.status_on(last_day - timedelta(days=1)) == CertificateStatus.VALID
    assert certificate.status_on(last_day) == CertificateStatus.VALID
    assert certificate.status_on(last_day + timedelta(days=1)) == CertificateStatus.EXPIRED
    assert certificate.status == CertificateStatus.VALID          # nothing stored
    assert certificate.is_valid_on(ISSUED_ON) and not certificate.is_valid_on(
        ISSUED_ON - timedelta(days=1))


@pytest.mark.parametrize("start, months, end", [
    (date(2026, 1, 31), 1, date(2026, 2, 28)), (date(2024, 1, 31), 1, date(2024, 2, 29)),
    (date(2026, 7, 15), 36, date(2029, 7, 15)), (date(2025, 11, 30), 3, date(2026, 2, 28))])
def test_validity_adds_calendar_months(start, months, end):
    assert services.add_months(start, months) == end


# -- Revocation by two approvers ------------------------------------------------------------------

def test_revocation_needs_a_second_different_approver():
    decision = make_decision()
    first, second = make_approver(), make_approver()
    with pytest.raises(Invalid):
        services.request_revocation(decision, " ", actor=first)
    with pytest.raises(Forbidden):
        services.request_revocation(decision, "ข้อมูลเท็จ", actor=make_user(Role.ASSESSOR))
    request = services.request_revocation(decision, "ข้อมูลเท็จ", actor=first)
    with pytest.raises(Conflict):
        services.request_revocation(decision, "อีกครั้ง", actor=second)
    with pytest.raises(Forbidden):
        services.confirm_revocation(request, actor=first)
    certificate = decision.current_certificate
    assert certificate.status == CertificateStatus.VALID          # still valid after step one
    services.confirm_revocation(request, actor=second)
    assert request.status == RevocationStatus.CONFIRMED and request.confirmed_by_id == second.id
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.revocation_reason == "ข้อมูลเท็จ" and certificate.revoked_at is not None
    assert decision.is_revoked
    assert certificate.status_on(ISSUED_ON) == CertificateStatus.VALID   # history kept
    assert certificate.status_on(date.today() + timedelta(days=1)) == CertificateStatus.REVOKED
    assert _events("revocation.requested") and _events("certificate.revoked")
    with pytest.raises(Conflict):
        services.confirm_revocation(request, actor=make_approver())


def test_a_revocation_request_can_be_cancelled_and_the_approval_stands():
    decision = make_decision()
    request = services.request_revocation(decision, "ตรวจสอบซ้ำ", actor=make_approver())
    services.cancel_revocation(request, actor=make_approver())
    assert request.status == RevocationStatus.CANCELLED and not decision.is_revoked
    assert decision.current_certificate.status == CertificateStatus.VALID
    assert services.request_revocation(decision, "ใหม่", actor=make_approver())


# -- Supersession --------------------------------------------------------------------------------

def test_a_correction_supersedes_the_old_certificate_and_links_both_ways():
    old = make_certificate()
    lgo = old.decision.assessment.lgo
    lgo.name_th = "องค์การบริหารส่วนตำบลทดสอบแก้ไขชื่อ"
    new = services.supersede_certificate(old, "แก้ชื่อ อปท. ให้ถูกต้อง", actor=make_approver(),
                                         level_code="excellent", today=ISSUED_ON + timedelta(1))
    assert old.status == CertificateStatus.SUPERSEDED
    assert old.superseded_by_id == new.id and new.supersedes_id == old.id
    assert old.superseded_by is new and new.supersedes is old
    assert new.serial != old.serial and new.verification_token != old.verification_token
    assert new.valid_until == old.valid_until
    facts = services.signed_payload(new).facts
    assert facts["supersedes"] == old.serial and facts["lgo_name_th"] == lgo.name_th
    assert facts["level_code"] == "excellent"
    assert old.decision.current_certificate is new
    assert services.signed_payload(old).facts["lgo_name_th"] != lgo.name_th  # never edited
    with pytest.raises(Invalid):
        services.supersede_certificate(old, "again", actor=make_approver())
    with pytest.raises(Invalid):
        services.supersede_certificate(new, "", actor=make_approver())


def test_revoking_after_a_correction_revokes_the_certificate_in_force():
    old = make_certificate()
    new = services.supersede_certificate(old, "แก้ไข", actor=make_approver())
    request = services.request_revocation(old.decision, "เพิกถอน", actor=make_approver())
    assert services.confirm_revocation(request, actor=make_approver()) is new
    assert (old.status, new.status) == (CertificateStatus.SUPERSEDED, CertificateStatus.REVOKED)


# -- Bulk approval --------------------------------------------------------------------------------

def test_bulk_approval_takes_only_clean_recommendations():
    approver = make_approver()
    clean = [make_recommended_assessment() for _ in range(3)]
    flagged = make_recommended_assessment(level="excellent", computed="good")
    divergent = make_recommended_assessment(scorers=[make_user(Role.ASSESSOR),
                                                     make_user(Role.ASSESSOR)], divergent=True)
    scored_by_me = make_recommended_assessment(lead=approver)
    result = services.approve_many([*clean, flagged, divergent, scored_by_me], actor=approver,
                                   today=ISSUED_ON)
    assert [d.assessment for d in result.decided] == clean
    assert all(d.is_bulk and d.current_certificate for d in result.decided)
    assert {a for a, _why in result.skipped} == {flagged, divergent, scored_by_me}
    for assessment in (flagged, divergent, scored_by_me):
        assert assessment.status == AssessmentStatus.RECOMMENDED


# -- Serial numbers: gap-free, unique, also under concurrency -------------------------------------

def test_a_failed_issuance_gives_its_serial_back(app):
    decision = make_decision(issue=False)

    class FailingSigner:
        kid = "0" * 16

        def sign(self, facts):
            raise RuntimeError("the HSM went away")

    with pytest.raises(RuntimeError):
        with db.session.begin_nested():
            services.issue_certificate(decision, actor=None, signer=FailingSigner())
    first = services.issue_certificate(decision, actor=None)
    again = make_decision()
    assert int(again.current_certificate.serial[-6:]) == int(first.serial[-6:]) + 1
    with pytest.raises(Conflict):
        services.issue_certificate(decision, actor=None)


def test_serials_stay_gap_free_and_unique_under_concurrent_issuers(db_session):
    """Eight issuers on their own connections take 80 numbers of one series; a quarter of
    their transactions roll back. The committed numbers are exactly 1…n."""
    engine = db_session.get_bind().engine
    series, committed, errors = "test:concurrency", [], []
    guard = threading.Lock()

    def issuer(worker: int) -> None:
        try:
            for round_ in range(10):
                with Session(engine) as session:
                    number = numbering.next_number(series, 2569, session=session)
                    if (worker + round_) % 4 == 0:
                        session.rollback()
                        continue
                    session.commit()
                with guard:
                    committed.append(number)
        except Exception as error:      # reported below, with the thread's failure
            errors.append(error)

    threads = [threading.Thread(target=issuer, args=(n,)) for n in range(8)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        assert len(committed) == 60
        assert sorted(committed) == list(range(1, 61))
    finally:
        with engine.begin() as connection:
            connection.execute(delete(NumberCounter).where(NumberCounter.series == series))


# -- The database refuses the impossible ----------------------------------------------------------

def _refused(change) -> None:
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            change()
            db.session.flush()


def test_named_constraints_tie_states_to_their_fields():
    certificate = make_certificate()
    decision = certificate.decision

    def revoke_without_reason():
        certificate.status, certificate.revoked_at = CertificateStatus.REVOKED, utcnow()
    _refused(revoke_without_reason)

    def supersede_without_successor():
        certificate.status, certificate.superseded_at = CertificateStatus.SUPERSEDED, utcnow()
    _refused(supersede_without_successor)

    def reject_without_reason():
        decision.outcome, decision.result_level_code = DecisionOutcome.REJECTED, None
    _refused(reject_without_reason)

    approver = make_approver()

    def confirm_own_request():
        db.session.add(RevocationRequest(
            decision_id=decision.id, reason="x", requested_by_id=approver.id,
            status=RevocationStatus.CONFIRMED, confirmed_by_id=approver.id,
            confirmed_at=utcnow()))
    _refused(confirm_own_request)

    def second_original_certificate():
        db.session.add(Certificate(
            serial="TST-2569-999999", decision_id=decision.id,
            assessment_id=certificate.assessment_id, lgo_id=certificate.lgo_id,
            edition_id=certificate.edition_id, standard_code="TST", fiscal_year=2569,
            result_level_code="good", issued_on=ISSUED_ON, valid_until=ISSUED_ON,
            verification_token="x" * 26, payload="{}", payload_sha256="0" * 64,
            signature="s", key_id="0" * 16))
    _refused(second_original_certificate)
