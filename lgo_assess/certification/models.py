"""Decisions, revocation requests, certificates, number counters and verification hits.

A **decision** is DLA's approval or rejection of one recommended assessment, with a reference
number (``DLA-2569-000123``). An approval issues a **certificate**: a readable serial
(``GGL-2569-000042``, gap-free per standard and fiscal year), the certified facts as a signed
canonical-JSON payload, and a random token for its public page ``/v/<token>``. A certificate's
stored status is valid, revoked or superseded; "expired" is never stored: it follows from the
date (``status_on``). A correction issues a new certificate that supersedes the old one (linked
both ways). Revoking an approval takes two approvers: one requests it with a reason, a second,
different one confirms it (``RevocationRequest``).

Named check constraints tie each state to the fields it needs, so the database refuses the
impossible even if the code errs: a rejection has a reason, a revoked certificate its reason
and time, a superseded one its successor, a confirmed revocation a second approver, an issued
certificate its decision and signature, a historical one its import batch.

Certificates from before the platform (fiscal years 2561 onwards, from DLA's spreadsheets) are
imported as **historical** certificates (``history.py``), each linked to its
``CertificateImportBatch``.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (Boolean, CheckConstraint, Date, Enum, Float, ForeignKey, Index, Integer,
                        String, Text, false, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lgo_assess.core.db import UTCDateTime, db, utcnow
from lgo_assess.core.thaidate import bangkok_date


def _enum(enum_class, length=20):
    return Enum(enum_class, native_enum=False, length=length,
                values_callable=lambda e: [m.value for m in e])


class DecisionOutcome(enum.StrEnum):
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def title(self) -> str:
        return str({DecisionOutcome.APPROVED: _l("Approved"),
                    DecisionOutcome.REJECTED: _l("Rejected")}[self])


class CertificateStatus(enum.StrEnum):
    VALID = "valid"
    EXPIRED = "expired"          # never stored: a valid certificate past its valid-until date
    REVOKED = "revoked"
    SUPERSEDED = "superseded"

    @property
    def title(self) -> str:
        return str(CERTIFICATE_STATUS_TITLES[self])


CERTIFICATE_STATUS_TITLES = {
    CertificateStatus.VALID: _l("Valid"),
    CertificateStatus.EXPIRED: _l("Expired"),
    CertificateStatus.REVOKED: _l("Revoked"),
    CertificateStatus.SUPERSEDED: _l("Superseded"),
}
STORED_STATUSES = (CertificateStatus.VALID, CertificateStatus.REVOKED,
                   CertificateStatus.SUPERSEDED)


class RevocationStatus(enum.StrEnum):
    PENDING = "pending"          # requested, waiting for a second approver
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"

    @property
    def title(self) -> str:
        return str({RevocationStatus.PENDING: _l("Waiting for a second approver"),
                    RevocationStatus.CONFIRMED: _l("Confirmed"),
                    RevocationStatus.CANCELLED: _l("Cancelled")}[self])


class NumberCounter(db.Model):
    """The last number given in one series (``certificate:GGL`` or ``decision``) in one fiscal
    year. Taken with the row locked (SELECT … FOR UPDATE on PostgreSQL), so numbers are handed
    out one at a time and a rolled-back transaction gives its number back: no gaps, no
    duplicates."""

    __tablename__ = "number_counters"

    series: Mapped[str] = mapped_column(String(30), primary_key=True)
    fiscal_year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (CheckConstraint("last_value >= 0", name="not_negative"),)


class Decision(db.Model):
    """DLA's decision on one recommended assessment. What the approver saw (the recommended
    and computed levels, whether the recommendation was flagged) is kept with it."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="RESTRICT"), unique=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    outcome: Mapped[DecisionOutcome] = mapped_column(_enum(DecisionOutcome))
    reason: Mapped[str | None] = mapped_column(Text)
    result_level_code: Mapped[str | None] = mapped_column(String(40))
    computed_level_code: Mapped[str | None] = mapped_column(String(40))
    score_percent: Mapped[float | None] = mapped_column(Float)
    was_flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    is_bulk: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assessment = relationship("Assessment")
    decided_by = relationship("User")
    certificates: Mapped[list["Certificate"]] = relationship(
        back_populates="decision", order_by="Certificate.id")
    revocation_requests: Mapped[list["RevocationRequest"]] = relationship(
        back_populates="decision", order_by="RevocationRequest.id")

    __table_args__ = (
        CheckConstraint("outcome IN ('approved', 'rejected')", name="outcome_valid"),
        CheckConstraint("outcome <> 'rejected' OR length(trim(coalesce(reason, ''))) > 0",
                        name="rejection_has_reason"),
        CheckConstraint("outcome <> 'approved' OR result_level_code IS NOT NULL",
                        name="approval_has_level"),
        CheckConstraint("revoked_at IS NULL OR outcome = 'approved'",
                        name="only_approvals_revoked"),
    )

    @property
    def is_approved(self) -> bool:
        return self.outcome == DecisionOutcome.APPROVED

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def current_certificate(self) -> Certificate | None:
        """The certificate no correction has replaced (valid or revoked), if any."""
        return next((c for c in self.certificates
                     if c.status != CertificateStatus.SUPERSEDED), None)

    @property
    def pending_revocation(self) -> RevocationRequest | None:
        return next((r for r in self.revocation_requests
                     if r.status == RevocationStatus.PENDING), None)


class RevocationRequest(db.Model):
    """A request to revoke an approval: made by one approver with a reason, confirmed (or
    cancelled) by a second, different one."""

    __tablename__ = "revocation_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"),
                                             index=True)
    status: Mapped[RevocationStatus] = mapped_column(_enum(RevocationStatus),
                                                     default=RevocationStatus.PENDING)
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    decision: Mapped[Decision] = relationship(back_populates="revocation_requests")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    confirmed_by = relationship("User", foreign_keys=[confirmed_by_id])
    cancelled_by = relationship("User", foreign_keys=[cancelled_by_id])

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'confirmed', 'cancelled')", name="status_valid"),
        CheckConstraint("length(trim(coalesce(reason, ''))) > 0", name="has_reason"),
        CheckConstraint("status <> 'confirmed' OR (confirmed_by_id IS NOT NULL AND confirmed_at "
                        "IS NOT NULL AND confirmed_by_id <> requested_by_id)",
                        name="confirmed_by_a_second_approver"),
        CheckConstraint("status <> 'cancelled' OR (cancelled_by_id IS NOT NULL AND cancelled_at "
                        "IS NOT NULL)", name="cancelled_has_who"),
        # At most one open request per decision.
        Index("ix_revocation_requests_one_pending", "decision_id", unique=True,
              sqlite_where=text("status = 'pending'"),
              postgresql_where=text("status = 'pending'")),
    )


class CertificateImportBatch(db.Model):
    """One file of historical results imported (``flask history import`` or the admin page):
    which file (name and SHA-256, so the same file is never imported twice), who, when, how
    many rows it had and how many certificates it added."""

    __tablename__ = "certificate_import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    file_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    row_count: Mapped[int] = mapped_column(Integer)
    created_count: Mapped[int] = mapped_column(Integer)
    imported_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    imported_by = relationship("User")
    certificates: Mapped[list["Certificate"]] = relationship(
        back_populates="import_batch", order_by="Certificate.id")

    __table_args__ = (
        CheckConstraint("created_count >= 0 AND created_count <= row_count",
                        name="counts_in_order"),
    )


class Certificate(db.Model):
    """One certificate. An issued one's ``payload`` holds the canonical JSON exactly as
    signed; the other columns repeat the facts for queries (register, KPIs) and never
    contradict it. A historical one (``is_historical``) was imported from DLA's earlier records
    in an import batch: it has the same facts as columns, but no decision, payload or signature;
    the register and the KPIs treat it exactly like an issued one."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(64), unique=True)
    # Historical certificates (imported from DLA's earlier records) have no decision,
    # assessment, signed payload or QR code; ``issued_is_signed`` requires them of all others.
    is_historical: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate_import_batches.id", ondelete="RESTRICT"), index=True)
    decision_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", ondelete="RESTRICT"), index=True)
    assessment_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"), index=True)
    lgo_id: Mapped[int] = mapped_column(ForeignKey("lgos.id"), index=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("standard_editions.id"), index=True)
    standard_code: Mapped[str] = mapped_column(String(10))
    fiscal_year: Mapped[int] = mapped_column(Integer)
    result_level_code: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date] = mapped_column(Date)
    status: Mapped[CertificateStatus] = mapped_column(_enum(CertificateStatus),
                                                      default=CertificateStatus.VALID)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(Text)
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"),
                                                      unique=True)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"),
                                                         unique=True)
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    correction_reason: Mapped[str | None] = mapped_column(Text)
    verification_token: Mapped[str] = mapped_column(String(40), unique=True)
    payload: Mapped[str | None] = mapped_column(Text)
    payload_sha256: Mapped[str | None] = mapped_column(String(64))
    signature: Mapped[str | None] = mapped_column(String(120))
    key_id: Mapped[str | None] = mapped_column(String(16))
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    decision: Mapped[Decision | None] = relationship(back_populates="certificates")
    import_batch: Mapped["CertificateImportBatch | None"] = relationship(
        back_populates="certificates")
    lgo = relationship("Lgo")
    edition = relationship("StandardEdition")
    # Set through the ids, in two flushes (services.supersede_certificate), so each row meets
    # its check constraints at every step.
    supersedes: Mapped["Certificate | None"] = relationship(
        foreign_keys=[supersedes_id], remote_side=[id], viewonly=True)
    superseded_by: Mapped["Certificate | None"] = relationship(
        foreign_keys=[superseded_by_id], remote_side=[id], viewonly=True)

    __table_args__ = (
        CheckConstraint("status IN ('valid', 'revoked', 'superseded')", name="status_valid"),
        CheckConstraint("status <> 'revoked' OR (revoked_at IS NOT NULL "
                        "AND length(trim(coalesce(revocation_reason, ''))) > 0)",
                        name="revoked_has_reason"),
        CheckConstraint("status <> 'superseded' OR (superseded_by_id IS NOT NULL "
                        "AND superseded_at IS NOT NULL)", name="superseded_has_successor"),
        CheckConstraint("supersedes_id IS NULL "
                        "OR length(trim(coalesce(correction_reason, ''))) > 0",
                        name="correction_has_reason"),
        CheckConstraint("valid_until >= issued_on", name="dates_in_order"),
        CheckConstraint("is_historical OR (decision_id IS NOT NULL AND assessment_id IS NOT NULL "
                        "AND payload IS NOT NULL AND payload_sha256 IS NOT NULL "
                        "AND signature IS NOT NULL AND key_id IS NOT NULL)",
                        name="issued_is_signed"),
        CheckConstraint("(is_historical AND import_batch_id IS NOT NULL AND decision_id IS NULL "
                        "AND assessment_id IS NULL AND signature IS NULL) "
                        "OR (NOT is_historical AND import_batch_id IS NULL)",
                        name="historical_has_batch"),
        # One original certificate per decision: bulk issuance can be run again safely.
        Index("ix_certificates_one_original_per_decision", "decision_id", unique=True,
              sqlite_where=text("supersedes_id IS NULL"),
              postgresql_where=text("supersedes_id IS NULL")),
        Index("ix_certificates_standard_code_fiscal_year", "standard_code", "fiscal_year"),
    )

    def status_on(self, day: date) -> CertificateStatus:
        """The status as of ``day`` (a Bangkok calendar date): revoked or superseded from the
        day that happened, expired after ``valid_until`` (the last valid day), else valid."""
        if self.status == CertificateStatus.REVOKED and bangkok_date(self.revoked_at) <= day:
            return CertificateStatus.REVOKED
        if self.status == CertificateStatus.SUPERSEDED and \
                bangkok_date(self.superseded_at) <= day:
            return CertificateStatus.SUPERSEDED
        if day > self.valid_until:
            return CertificateStatus.EXPIRED
        return CertificateStatus.VALID

    def is_valid_on(self, day: date) -> bool:
        return self.issued_on <= day and self.status_on(day) == CertificateStatus.VALID


class VerificationHit(db.Model):
    """One request to a public verification page, kept for the per-address rate limit (in the
    database, so every worker and host counts the same). Rows older than the window are pruned."""

    __tablename__ = "verification_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    ip_address: Mapped[str] = mapped_column(String(64))
    hit_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (Index("ix_verification_hits_ip_address_hit_at", "ip_address", "hit_at"),)
