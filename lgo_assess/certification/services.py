"""Certification services: the only code that writes decisions, revocations and certificates.

Services flush and never commit; each records an audit event and raises a ``DomainError`` with
a translatable message when a rule refuses the action. Every decision goes through
``assessments.services.transition``, where this module's guard refuses an approval or rejection
by anyone who scored the assessment.
"""
from __future__ import annotations

import base64
import calendar
import hashlib
import os
import secrets
import tempfile
from dataclasses import dataclass, field
from datetime import date
import functools
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from sqlalchemy.orm import defer, joinedload, load_only

from lgo_assess.assessments import services as assessments
from lgo_assess.assessments.models import Assessment, Cycle
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.certification import numbering, policies, review_adapter
from lgo_assess.certification.models import (Certificate, CertificateStatus, Decision,
                                              DecisionOutcome, RevocationRequest,
                                              RevocationStatus)
from lgo_assess.certification.signing import (PAYLOAD_FORMAT, KeyDirectory, SignedPayload, Signer,
                                              SigningError, verify)
from lgo_assess.core.audit import record
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from lgo_assess.core.thaidate import fiscal_year, today_bangkok
from lgo_assess.criteria.models import StandardEdition
from lgo_assess.registry.models import Lgo

S = AssessmentStatus
BANGKOK_PROVINCE = "10"


# -- Separation of duties -------------------------------------------------------------------------

def _guard(move, assessment: Assessment, actor) -> None:
    """Whoever calls ``transition``: nobody who scored an assessment approves or rejects it.
    The review's own guard refuses the same people in the same ``transition`` whenever it is
    registered (importing the review package registers it, and this package imports it):
    then this one does not ask the database a second time."""
    if move.name in ("approve", "reject") and not review_adapter.review_refuses_scorers() \
            and getattr(actor, "id", None) in review_adapter.scorers_of(assessment):
        raise Forbidden(_l("You scored this assessment, so you may not decide it: another DLA "
                           "approver must."))


def register_hooks() -> None:
    if _guard not in assessments.TRANSITION_GUARDS:
        assessments.TRANSITION_GUARDS.append(_guard)


register_hooks()


# -- Keys -----------------------------------------------------------------------------------------

def key_directory() -> KeyDirectory:
    return KeyDirectory(current_app.config["KEYS_DIR"])


def _signer() -> Signer:
    try:
        return key_directory().signer()
    except SigningError as error:
        raise Invalid(_l("No certificate can be signed: %(why)s", why=str(error))) from None


def has_signing_key() -> bool:
    return key_directory().active_kid() is not None


# -- Decisions ------------------------------------------------------------------------------------

def _check_approver(actor) -> None:
    if not policies.is_approver(actor):
        raise Forbidden(_l("Only a DLA approver may do this."))


def _load_what_a_decision_prints(assessment: Assessment) -> None:
    """Read in one statement what deciding reads next, one lazy load each otherwise: the LGO
    with its province and district (notifications, the certificate's address), the edition
    with its standard (not its document: ``edition_of`` keeps the parsed edition per process,
    and reads it only the first time), the cycle with its deadline extensions (the
    notification's due date). Relationships the caller has already loaded are left as they
    are."""
    db.session.execute(_decision_reads(), {"id": assessment.id}).unique().all()


@functools.cache
def _decision_reads():
    """``_load_what_a_decision_prints``'s statement, built once (at its first use, when every
    mapper is configured). The assessment itself is loaded already (``decide`` has read its
    status), so only its key is selected again."""
    return select(Assessment).where(Assessment.id == bindparam("id")).options(
        load_only(Assessment.id),
        joinedload(Assessment.lgo).joinedload(Lgo.province),
        joinedload(Assessment.lgo).joinedload(Lgo.district),
        joinedload(Assessment.edition).defer(StandardEdition.document),
        joinedload(Assessment.edition).joinedload(StandardEdition.standard),
        joinedload(Assessment.cycle).joinedload(Cycle.extensions))


def decide(assessment: Assessment, outcome: DecisionOutcome, *, reason: str | None = None,
           actor, issue: bool = True, is_bulk: bool = False, today: date | None = None
           ) -> Decision:
    """Approve or reject a recommended assessment. An approval certifies the recommended
    level and, with ``issue`` and an active signing key, issues the certificate at once."""
    _check_approver(actor)
    if assessment.status != S.RECOMMENDED:
        raise Invalid(_l("Only an assessment recommended to DLA can be decided; this one is "
                         "%(status)s.", status=assessment.status.title))
    _load_what_a_decision_prints(assessment)
    reason = (reason or "").strip() or None
    recommended = review_adapter.recommendation_of(assessment)
    if outcome == DecisionOutcome.APPROVED and not recommended.level_code:
        raise Invalid(_l("The assessors recommend not certifying this LGO: reject it with a "
                         "reason."))
    if outcome == DecisionOutcome.REJECTED and not reason:
        raise Invalid(_l("Give the reason for the rejection."))
    target = S.APPROVED if outcome == DecisionOutcome.APPROVED else S.REJECTED
    assessments.transition(assessment, target, actor=actor, reason=reason)
    day = today or today_bangkok()
    decision = Decision(
        assessment_id=assessment.id, reference=numbering.decision_reference(fiscal_year(day)),
        outcome=outcome, reason=reason,
        result_level_code=recommended.level_code if outcome == DecisionOutcome.APPROVED
        else None,
        computed_level_code=recommended.computed_level_code,
        score_percent=round(recommended.percent, 4), was_flagged=recommended.is_flagged,
        is_bulk=is_bulk, decided_by_id=actor.id)
    decision.certificates = []      # a new decision has none: known, so never loaded later
    db.session.add(decision)
    db.session.flush()
    record(actor, f"decision.{outcome.value}", decision, reference=decision.reference,
           assessment_id=assessment.id, level=decision.result_level_code, reason=reason,
           bulk=is_bulk)
    if outcome == DecisionOutcome.APPROVED and issue and has_signing_key():
        # made just now, in this transaction: it has no certificate yet (nobody else sees it)
        _issue_original(decision, actor=actor, today=day)
    return decision


@dataclass
class BulkResult:
    decided: list[Decision] = field(default_factory=list)
    skipped: list[tuple[Assessment, str]] = field(default_factory=list)


def approve_many(items: list[Assessment], *, actor, today: date | None = None) -> BulkResult:
    """Approve clean recommendations (no flags) together; each one that is flagged or refused
    is skipped with the reason, the others stand."""
    _check_approver(actor)
    result = BulkResult()
    for assessment in items:
        if review_adapter.flags_of(assessment):
            result.skipped.append((assessment, str(_l("It has flags: decide it on its own "
                                                       "page."))))
            continue
        try:
            with db.session.begin_nested():
                result.decided.append(decide(assessment, DecisionOutcome.APPROVED, actor=actor,
                                             is_bulk=True, today=today))
        except DomainError as error:
            result.skipped.append((assessment, str(error.message)))
    return result


# -- Revocation (two approvers) -------------------------------------------------------------------

def request_revocation(decision: Decision, reason: str, *, actor) -> RevocationRequest:
    """The first step of revoking an approval: a reason, waiting for a second approver."""
    _check_approver(actor)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_l("Give the reason for the revocation."))
    if not decision.is_approved or decision.is_revoked:
        raise Invalid(_l("Only a standing approval can be revoked."))
    if decision.pending_revocation is not None:
        raise Conflict(_l("A revocation of this decision is already waiting for confirmation."))
    request = RevocationRequest(decision=decision, reason=reason, requested_by_id=actor.id)
    db.session.add(request)
    db.session.flush()
    record(actor, "revocation.requested", request, decision=decision.reference, reason=reason)
    return request


def confirm_revocation(request: RevocationRequest, *, actor) -> Certificate | None:
    """The second approver confirms: the approval and its certificate are revoked at once."""
    _check_approver(actor)
    if request.status != RevocationStatus.PENDING:
        raise Conflict(_l("This revocation request is no longer open."))
    if request.requested_by_id == actor.id:
        raise Forbidden(_l("A second, different approver must confirm a revocation you "
                           "asked for."))
    now = utcnow()
    request.status = RevocationStatus.CONFIRMED
    request.confirmed_by_id, request.confirmed_at = actor.id, now
    decision = request.decision
    decision.revoked_at = now
    certificate = decision.current_certificate
    if certificate is not None and certificate.status == CertificateStatus.VALID:
        certificate.status = CertificateStatus.REVOKED
        certificate.revoked_at = now
        certificate.revocation_reason = request.reason
    db.session.flush()
    record(actor, "revocation.confirmed", request, decision=decision.reference,
           requested_by_id=request.requested_by_id, reason=request.reason,
           certificate=certificate.serial if certificate else None)
    if certificate is not None:
        record(actor, "certificate.revoked", certificate, serial=certificate.serial,
               reason=request.reason)
    return certificate


def cancel_revocation(request: RevocationRequest, *, actor) -> RevocationRequest:
    _check_approver(actor)
    if request.status != RevocationStatus.PENDING:
        raise Conflict(_l("This revocation request is no longer open."))
    request.status = RevocationStatus.CANCELLED
    request.cancelled_by_id, request.cancelled_at = actor.id, utcnow()
    db.session.flush()
    record(actor, "revocation.cancelled", request, decision=request.decision.reference)
    return request


# -- Certificates ---------------------------------------------------------------------------------

def add_months(day: date, months: int) -> date:
    """``day`` plus ``months`` calendar months (31 Jan + 1 month = the last day of February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def new_token() -> str:
    """128 random bits in lower-case base32: the certificate's page address. Not derived from
    the serial or the id, so certificates cannot be enumerated."""
    return base64.b32encode(secrets.token_bytes(16)).decode("ascii").rstrip("=").lower()


def location_texts(lgo: Lgo) -> tuple[str, str]:
    """Where the LGO is, as printed (Thai, English): district and province."""
    province = lgo.province
    bangkok = province.code == BANGKOK_PROVINCE
    thai, english = [], []
    if lgo.district is not None:
        thai.append(("เขต" if bangkok else "อำเภอ") + lgo.district.name_th)
        english.append(f"{lgo.district.name_en} District")
    thai.append(province.name_th if bangkok else "จังหวัด" + province.name_th)
    english.append(province.name_en if bangkok else f"{province.name_en} Province")
    return " ".join(thai), ", ".join(english)


def certificate_facts(decision: Decision, *, serial: str, token: str, level_code: str,
                      issued_on: date, valid_until: date,
                      supersedes: str | None = None) -> dict:
    """The printed fields, as signed."""
    assessment = decision.assessment
    row = assessment.edition
    level = assessments.edition_of(assessment).result.level(level_code)
    if level is None:
        raise Invalid(_l("%(level)s is not a result level of this edition.", level=level_code))
    lgo = assessment.lgo
    location_th, location_en = location_texts(lgo)
    return {
        "format": PAYLOAD_FORMAT,
        "serial": serial,
        "lgo_code": lgo.dla_code,
        "lgo_name_th": lgo.name_th,
        "lgo_name_en": lgo.name_en or "",
        "location_th": location_th,
        "location_en": location_en,
        "standard_code": row.standard.code,
        "standard_name_th": row.standard.name_th,
        "standard_name_en": row.standard.name_en,
        "edition": row.code,
        "fiscal_year": assessment.cycle.fiscal_year,
        "level_code": level.code,
        "level_th": level.label.th,
        "level_en": level.label.en or level.label.th,
        "issued_on": issued_on,
        "valid_until": valid_until,
        "decision_ref": decision.reference,
        "supersedes": supersedes,
        "verify_token": token,
    }


def _new_certificate(decision: Decision, *, level_code: str, issued_on: date,
                     valid_until: date, supersedes: Certificate | None, actor,
                     signer: Signer | None, correction_reason: str | None = None
                     ) -> Certificate:
    signer = signer or _signer()            # refuse before taking a serial number
    assessment = decision.assessment
    standard_code = assessment.edition.standard.code
    serial = numbering.certificate_serial(standard_code, assessment.cycle.fiscal_year)
    token = new_token()
    signed = signer.sign(certificate_facts(
        decision, serial=serial, token=token, level_code=level_code, issued_on=issued_on,
        valid_until=valid_until, supersedes=supersedes.serial if supersedes else None))
    certificate = Certificate(
        serial=serial, decision=decision, assessment_id=assessment.id,
        lgo_id=assessment.lgo_id, edition_id=assessment.edition_id, standard_code=standard_code,
        fiscal_year=assessment.cycle.fiscal_year, result_level_code=level_code,
        issued_on=issued_on, valid_until=valid_until, verification_token=token,
        payload=signed.payload.decode("utf-8"), payload_sha256=signed.sha256,
        signature=signed.signature, key_id=signed.kid,
        supersedes_id=supersedes.id if supersedes else None,
        correction_reason=correction_reason, issued_by_id=getattr(actor, "id", None))
    db.session.add(certificate)
    db.session.flush()
    return certificate


def original_certificate(decision: Decision) -> Certificate | None:
    return db.session.execute(select(Certificate).where(
        Certificate.decision_id == decision.id, Certificate.supersedes_id.is_(None))
    ).scalar_one_or_none()


def issue_certificate(decision: Decision, *, actor, today: date | None = None,
                      signer: Signer | None = None) -> Certificate:
    """The certificate of an approval: valid from ``today`` for the edition's validity."""
    if not decision.is_approved or decision.is_revoked:
        raise Invalid(_l("Only a standing approval gets a certificate."))
    if original_certificate(decision) is not None:
        raise Conflict(_l("This decision already has its certificate."))
    return _issue_original(decision, actor=actor, today=today, signer=signer)


def _issue_original(decision: Decision, *, actor, today: date | None = None,
                    signer: Signer | None = None) -> Certificate:
    issued_on = today or today_bangkok()
    months = decision.assessment.edition.certificate_validity_months
    certificate = _new_certificate(
        decision, level_code=decision.result_level_code, issued_on=issued_on,
        valid_until=add_months(issued_on, months), supersedes=None, actor=actor, signer=signer)
    record(actor, "certificate.issued", certificate, serial=certificate.serial,
           decision=decision.reference, kid=certificate.key_id)
    return certificate


def supersede_certificate(old: Certificate, reason: str, *, actor, today: date | None = None,
                          level_code: str | None = None,
                          signer: Signer | None = None) -> Certificate:
    """A corrected certificate (the registry's names as they are now, or another level) that
    replaces ``old``: a new serial and page; the old one stays resolvable, marked superseded,
    and points to the new one. The validity period does not change."""
    _check_approver(actor)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_l("Say what the correction corrects."))
    if old.is_historical:
        raise Invalid(_l("A historical certificate cannot be corrected here: it was issued "
                         "before this platform."))
    if old.status != CertificateStatus.VALID:
        raise Invalid(_l("Only a valid certificate can be corrected; this one is %(status)s.",
                         status=old.status.title))
    new = _new_certificate(old.decision, level_code=level_code or old.result_level_code,
                           issued_on=today or today_bangkok(), valid_until=old.valid_until,
                           supersedes=old, actor=actor, signer=signer,
                           correction_reason=reason)
    old.status = CertificateStatus.SUPERSEDED
    old.superseded_by_id = new.id
    old.superseded_at = utcnow()
    db.session.flush()
    record(actor, "certificate.superseded", old, serial=old.serial, by=new.serial,
           reason=reason)
    record(actor, "certificate.issued", new, serial=new.serial, supersedes=old.serial,
           decision=old.decision.reference, kid=new.key_id)
    return new


def approved_without_certificate(cycle_id: int) -> list[Decision]:
    """Standing approvals of a cycle that have no certificate yet (bulk issuance works on
    these, so running it again after an interruption issues only what is missing)."""
    issued = select(Certificate.decision_id)
    return list(db.session.execute(
        select(Decision).join(Assessment, Assessment.id == Decision.assessment_id)
        .where(Assessment.cycle_id == cycle_id, Decision.outcome == DecisionOutcome.APPROVED,
               Decision.revoked_at.is_(None), Decision.id.not_in(issued))
        .order_by(Decision.id)).scalars())


# -- Verification ---------------------------------------------------------------------------------

def signed_payload(certificate: Certificate) -> SignedPayload:
    return SignedPayload(certificate.payload.encode("utf-8"), certificate.signature,
                         certificate.key_id)


@dataclass(frozen=True)
class Verification:
    """What the public page says about a certificate."""

    certificate: Certificate
    status: CertificateStatus
    as_of: date
    facts: dict
    signature_ok: bool
    successor: Certificate | None

    @property
    def is_historical(self) -> bool:
        """Imported from DLA's earlier records: nothing was signed, there is nothing to check."""
        return self.certificate.is_historical

    @property
    def is_valid(self) -> bool:
        return self.status == CertificateStatus.VALID and (self.signature_ok or
                                                           self.is_historical)


def verify_certificate(certificate: Certificate, *, today: date | None = None,
                       keys: KeyDirectory | None = None) -> Verification:
    """The live status as of today and a fresh check of the stored signature against the
    published key (a historical certificate has no signature: its facts come from the
    records)."""
    day = today or today_bangkok()
    if certificate.is_historical:
        from lgo_assess.certification.history import historical_facts
        return Verification(certificate, certificate.status_on(day), day,
                            historical_facts(certificate), False, certificate.superseded_by)
    keys = keys or key_directory()
    signed = signed_payload(certificate)
    return Verification(certificate, certificate.status_on(day), day, signed.facts,
                        verify(signed, keys.public_key(certificate.key_id)),
                        certificate.superseded_by)


@dataclass(frozen=True)
class FileVerification:
    """``flask certificates verify FILE.pdf``: the offline check and, if the database was
    reachable, the live one."""

    signed: SignedPayload | None
    signature_ok: bool
    problem: str | None = None
    certificate: Certificate | None = None
    status: CertificateStatus | None = None
    matches_record: bool | None = None

    @property
    def ok(self) -> bool:
        live_ok = self.certificate is None or (
            self.matches_record and self.status == CertificateStatus.VALID)
        return self.signature_ok and self.problem is None and live_ok


def verify_pdf_file(path: Path, *, keys: KeyDirectory, look_up: bool = True,
                    today: date | None = None) -> FileVerification:
    from lgo_assess.certification.pdf import read_signed_payload
    try:
        signed = read_signed_payload(path)
        facts = signed.facts
    except SigningError as error:
        return FileVerification(None, False, str(error))
    public_key = keys.public_key(signed.kid)
    if public_key is None:
        return FileVerification(signed, False, f"no published key {signed.kid}")
    if not verify(signed, public_key):
        return FileVerification(signed, False, "the signature does not match the payload")
    if not look_up:
        return FileVerification(signed, True)
    certificate = db.session.execute(select(Certificate).where(
        Certificate.serial == str(facts.get("serial")))).scalar_one_or_none()
    if certificate is None or certificate.is_historical:
        return FileVerification(signed, True, "no certificate with this serial in the database")
    return FileVerification(signed, True, None, certificate,
                            certificate.status_on(today or today_bangkok()),
                            certificate.payload.encode("utf-8") == signed.payload)


# -- The PDF, rendered on demand ------------------------------------------------------------------

LAYOUT_VERSION = 1   # bump when pdf.py's layout changes, so cached files are rendered again


def verify_url(certificate: Certificate) -> str:
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/v/{certificate.verification_token}"


def _pdf_settings() -> dict:
    from lgo_assess.certification.pdf import Signatory
    config = current_app.config
    emblem = config.get("CERTIFICATE_EMBLEM") or None
    signatory = Signatory(
        name_th=config.get("CERTIFICATE_SIGNATORY_NAME_TH") or "",
        title_th=config.get("CERTIFICATE_SIGNATORY_TITLE_TH") or Signatory.title_th,
        name_en=config.get("CERTIFICATE_SIGNATORY_NAME_EN") or "",
        title_en=config.get("CERTIFICATE_SIGNATORY_TITLE_EN") or Signatory.title_en)
    return {"emblem": emblem, "signatory": signatory}


def render_certificate_pdf(certificate: Certificate, language: str = "th") -> bytes:
    if certificate.is_historical:
        raise NotFound(_l("A historical certificate has no PDF: it was issued before this "
                          "platform."))
    settings = _pdf_settings()
    from lgo_assess.certification.pdf import build_certificate_pdf
    return build_certificate_pdf(signed_payload(certificate), verify_url=verify_url(certificate),
                                 language=language, **settings)


def certificate_pdf_path(certificate: Certificate, language: str = "th") -> Path:
    """The certificate's PDF, rendered on first request and cached in the instance folder
    under its id, the hash of its signed payload, its language and the hash of what else is
    printed (emblem, signatory, address): a change to any of them renders a new file."""
    if certificate.is_historical:
        raise NotFound(_l("A historical certificate has no PDF: it was issued before this "
                          "platform."))
    settings = _pdf_settings()
    emblem = settings["emblem"]
    emblem_stamp = (f"{emblem}:{Path(emblem).stat().st_mtime_ns}" if emblem and
                    Path(emblem).exists() else str(emblem))
    look = hashlib.sha256(repr((emblem_stamp, settings["signatory"], verify_url(certificate),
                                LAYOUT_VERSION)).encode()).hexdigest()[:12]
    cache = Path(current_app.instance_path) / "cache" / "certificates"
    path = cache / f"{certificate.id}-{certificate.payload_sha256[:16]}-{language}-{look}.pdf"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(render_certificate_pdf(certificate, language))
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    return path


