"""The demo's certificates: one valid, one expired and one revoked, each reachable from the
public register; the review step's recommendation stays in the approver's queue; loading again
changes nothing."""
import re

from sqlalchemy import func, select

from lgo_assess.assessments.models import Assessment
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.certification.models import (Certificate, CertificateStatus, Decision,
                                              RevocationRequest)
from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.demo import certification as demo


def _counts() -> dict:
    return {model.__tablename__: db.session.execute(
        select(func.count()).select_from(model)).scalar()
        for model in (Decision, Certificate, RevocationRequest, AuditEvent)}


def test_demo_certificates_valid_expired_revoked_from_the_register(app, client):
    first = app.test_cli_runner().invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "demo certification:" in first.output

    today = today_bangkok()
    certificates = db.session.execute(select(Certificate)).scalars().all()
    assert sorted(c.status_on(today).value for c in certificates) == [
        "expired", "revoked", "valid"]
    revoked = next(c for c in certificates if c.status == CertificateStatus.REVOKED)
    request = revoked.decision.revocation_requests[0]
    assert request.requested_by_id != request.confirmed_by_id
    waiting = db.session.execute(select(Assessment).where(
        Assessment.status == AssessmentStatus.RECOMMENDED)).scalars().all()
    assert waiting, "the review step's recommendation stays for the approver to decide"

    register = client.get("/register").get_data(as_text=True)
    tokens = re.findall(r'href="/v/([a-z2-7]{26})"', register)
    assert sorted(tokens) == sorted(c.verification_token for c in certificates)
    shown = {re.search(r'verify-status verify-(\w+)', client.get(f"/v/{token}").get_data(
        as_text=True)).group(1) for token in tokens}
    assert shown == {"valid", "expired", "revoked"}
    assert demo.REVOCATION_REASON in client.get(
        f"/v/{revoked.verification_token}").get_data(as_text=True)

    before = _counts()
    again = app.test_cli_runner().invoke(args=["demo", "load"])
    assert again.exit_code == 0, again.output
    assert "demo certification: already loaded" in again.output
    assert _counts() == before
