"""Who may decide, revoke, correct and see certificates. The login gate checks the permission
(``DECIDE_CERTIFICATION`` / ``REVOKE_CERTIFICATE``, held by DLA approvers); these predicates add
the rules about the object: nobody who scored an assessment decides it, and the approver who asks
for a revocation is never the one who confirms it."""
from __future__ import annotations

from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.certification import review_adapter
from lgo_assess.certification.models import (Certificate, CertificateStatus, Decision,
                                              RevocationRequest, RevocationStatus)
from lgo_assess.core.security import Role


def _authenticated(user) -> bool:
    return user is not None and getattr(user, "is_authenticated", False)


def is_approver(user) -> bool:
    return _authenticated(user) and user.has_role(Role.DLA_APPROVER)


def scored(user, assessment, scorers: set[int] | None = None) -> bool:
    """Did ``user`` score or recommend ``assessment`` (``scorers``: its scorers' ids, when the
    caller has already read them)?"""
    if not _authenticated(user):
        return False
    return user.id in (review_adapter.scorers_of(assessment) if scorers is None else scorers)


def can_decide(user, assessment) -> bool:
    return (is_approver(user) and assessment.status == AssessmentStatus.RECOMMENDED
            and not scored(user, assessment))


def can_request_revocation(user, decision: Decision) -> bool:
    return (is_approver(user) and decision.is_approved and not decision.is_revoked
            and decision.pending_revocation is None)


def can_confirm_revocation(user, request: RevocationRequest) -> bool:
    return (is_approver(user) and request.status == RevocationStatus.PENDING
            and request.requested_by_id != user.id)


def can_cancel_revocation(user, request: RevocationRequest) -> bool:
    return is_approver(user) and request.status == RevocationStatus.PENDING


def can_correct(user, certificate: Certificate) -> bool:
    return (is_approver(user) and certificate.status == CertificateStatus.VALID
            and not certificate.is_historical)
