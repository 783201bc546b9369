"""The review of a submitted assessment: who reviews it (assignments, checked against the cycle's
conflict-of-interest settings), what each assessor scored on their own, what the team agreed,
what more evidence it asked for, what it saw on site and what it recommends to DLA.

Named check constraints tie each row's state to the fields that state needs (a consensus score
has a lead, an evidence request a reason and a due date, an answered request the snapshot of the
answer, a recommendation that departs from the computed result a justification), so the database
refuses the impossible even if the code errs.
"""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, Enum, Float, ForeignKey, Index,
                        Integer, String, Text, UniqueConstraint, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lgo_assess.core.db import UTCDateTime, db, has_text_sql, utcnow


def _enum(enum_class, length=20):
    return Enum(enum_class, native_enum=False, length=length,
                values_callable=lambda e: [m.value for m in e])


class AssignmentRole(enum.StrEnum):
    LEAD = "lead"
    MEMBER = "member"

    @property
    def title(self) -> str:
        return str({AssignmentRole.LEAD: _l("Lead assessor"),
                    AssignmentRole.MEMBER: _l("Team member")}[self])


class EvidenceRequestStatus(enum.StrEnum):
    OPEN = "open"            # the criterion is unlocked for the LGO
    ANSWERED = "answered"    # the LGO sent its answer back

    @property
    def title(self) -> str:
        return str({EvidenceRequestStatus.OPEN: _l("Open"),
                    EvidenceRequestStatus.ANSWERED: _l("Answered")}[self])


class SiteVisitStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    DONE = "done"
    CANCELLED = "cancelled"

    @property
    def title(self) -> str:
        return str({SiteVisitStatus.SCHEDULED: _l("Scheduled"),
                    SiteVisitStatus.DONE: _l("Findings recorded"),
                    SiteVisitStatus.CANCELLED: _l("Cancelled")}[self])


class RecommendationOutcome(enum.StrEnum):
    PASS = "pass"  # noqa: S105 -- an outcome value ('pass'/'fail'), not a password
    FAIL = "fail"

    @property
    def title(self) -> str:
        return str({RecommendationOutcome.PASS: _l("Certify"),
                    RecommendationOutcome.FAIL: _l("Do not certify")}[self])


class ReviewSettings(db.Model):
    """Conflict-of-interest rules and team size for one cycle. A cycle without a row uses the
    defaults of ``DEFAULTS`` (services.settings_for)."""

    __tablename__ = "review_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"),
                                          unique=True)
    block_same_district: Mapped[bool] = mapped_column(Boolean, default=True)
    block_same_province: Mapped[bool] = mapped_column(Boolean, default=False)
    min_team_size: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    cycle = relationship("Cycle")

    __table_args__ = (
        CheckConstraint("min_team_size BETWEEN 1 AND 9", name="team_size_in_range"),
    )


class Assignment(db.Model):
    """One assessor on one assessment's team, as lead or member. Ending an assignment (a
    declared conflict, a change of team) keeps the row: who scored stays on record."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[AssignmentRole] = mapped_column(_enum(AssignmentRole))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    due_on: Mapped[date | None] = mapped_column(Date)          # the cycle's review deadline
    # When the assessor submitted their independent scoring (frozen from then on).
    scoring_submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_reason: Mapped[str | None] = mapped_column(Text)

    assessment = relationship("Assessment")
    assessor = relationship("User", foreign_keys=[assessor_id])
    assigned_by = relationship("User", foreign_keys=[assigned_by_id])

    __table_args__ = (
        CheckConstraint("(ended_at IS NULL AND ended_by_id IS NULL AND ended_reason IS NULL) OR "
                        "(ended_at IS NOT NULL AND ended_by_id IS NOT NULL "
                        "AND ended_reason IS NOT NULL AND length(ended_reason) > 0)",
                        name="ended_has_reason"),
        # One active lead per assessment, and one active assignment per assessor.
        Index("ix_assignments_one_active_lead", "assessment_id", unique=True,
              sqlite_where=text("role = 'lead' AND ended_at IS NULL"),
              postgresql_where=text("role = 'lead' AND ended_at IS NULL")),
        Index("ix_assignments_one_active_per_assessor", "assessment_id", "assessor_id",
              unique=True, sqlite_where=text("ended_at IS NULL"),
              postgresql_where=text("ended_at IS NULL")),
    )

    @property
    def is_active(self) -> bool:
        return self.ended_at is None

    @property
    def is_lead(self) -> bool:
        return self.role == AssignmentRole.LEAD

    @property
    def has_submitted(self) -> bool:
        return self.scoring_submitted_at is not None


class _AnswerColumns:
    """The fields a criterion's scoring method reads, as on ``Response``."""

    level: Mapped[int | None] = mapped_column(Integer)
    checked: Mapped[list | None] = mapped_column(JSON)
    value: Mapped[float | None] = mapped_column(Float)
    yes: Mapped[bool | None] = mapped_column(Boolean)
    is_not_applicable: Mapped[bool] = mapped_column(Boolean, default=False)


_HAS_ANSWER = ("is_not_applicable OR level IS NOT NULL OR checked IS NOT NULL "
               "OR value IS NOT NULL OR yes IS NOT NULL")


class AssessorScore(_AnswerColumns, db.Model):
    """One assessor's own score for one criterion, made without seeing the others'."""

    __tablename__ = "assessor_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    assessor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    evidence_checked: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assessor = relationship("User")

    __table_args__ = (
        UniqueConstraint("assessment_id", "assessor_id", "criterion_code"),
        CheckConstraint(_HAS_ANSWER, name="has_answer"),
    )


class ConsensusScore(_AnswerColumns, db.Model):
    """The team's agreed score for one criterion, recorded by the lead assessor."""

    __tablename__ = "consensus_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    source: Mapped[str] = mapped_column(String(20), default="review")   # review | site_visit

    lead = relationship("User")

    __table_args__ = (
        UniqueConstraint("assessment_id", "criterion_code"),
        CheckConstraint("lead_id IS NOT NULL", name="has_lead"),
        CheckConstraint(_HAS_ANSWER, name="has_answer"),
    )


class EvidenceRequest(db.Model):
    """More evidence asked for one criterion: it unlocks that criterion (only that one) for the
    LGO until the LGO sends its answer back."""

    __tablename__ = "evidence_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    status: Mapped[EvidenceRequestStatus] = mapped_column(
        _enum(EvidenceRequestStatus), default=EvidenceRequestStatus.OPEN)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The snapshot the LGO's answer is compared with (the submission or the previous answer).
    base_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_snapshots.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    answer_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("assessment_snapshots.id"))

    requested_by = relationship("User", foreign_keys=[requested_by_id])
    answered_by = relationship("User", foreign_keys=[answered_by_id])

    __table_args__ = (
        CheckConstraint("length(trim(reason)) > 0 AND due_on IS NOT NULL",
                        name="has_reason_and_due_date"),
        CheckConstraint("status = 'open' OR (answered_at IS NOT NULL "
                        "AND answered_by_id IS NOT NULL AND answer_snapshot_id IS NOT NULL)",
                        name="answered_has_snapshot"),
        Index("ix_evidence_requests_assessment_id_status", "assessment_id", "status"),
    )

    def is_overdue(self, today: date) -> bool:
        return self.status == EvidenceRequestStatus.OPEN and today > self.due_on


class SiteVisit(db.Model):
    """A visit to the LGO: when, who goes, whom to meet, and afterwards what was found."""

    __tablename__ = "site_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    visit_on: Mapped[date] = mapped_column(Date)
    team_ids: Mapped[list] = mapped_column(JSON, default=list)       # assessor user ids
    lgo_contacts: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[SiteVisitStatus] = mapped_column(
        _enum(SiteVisitStatus), default=SiteVisitStatus.SCHEDULED)
    scheduled_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    findings: Mapped[list["SiteVisitFinding"]] = relationship(
        back_populates="visit", cascade="all, delete-orphan", order_by="SiteVisitFinding.id")

    __table_args__ = (
        CheckConstraint("status != 'done' OR (recorded_at IS NOT NULL AND recorded_by_id IS NOT "
                        "NULL AND summary IS NOT NULL)", name="done_has_findings"),
    )

    def finding_for(self, code: str) -> SiteVisitFinding | None:
        return next((f for f in self.findings if f.criterion_code == code), None)


class SiteVisitFinding(db.Model):
    """What the team saw for one criterion on site, with photos from the evidence library."""

    __tablename__ = "site_visit_findings"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("site_visits.id", ondelete="CASCADE"),
                                          index=True)
    criterion_code: Mapped[str] = mapped_column(String(20))
    finding: Mapped[str] = mapped_column(Text)
    evidence_item_ids: Mapped[list] = mapped_column(JSON, default=list)

    visit: Mapped[SiteVisit] = relationship(back_populates="findings")

    __table_args__ = (
        UniqueConstraint("visit_id", "criterion_code"),
        CheckConstraint("length(trim(finding)) > 0", name="has_finding"),
    )


class Recommendation(db.Model):
    """The lead assessor's recommendation to DLA. ``computed_*`` is what the edition's rules
    give for the consensus scores; a recommendation that departs from it carries a written
    justification and ``is_flagged_to_dla`` (the certification package shows it to the
    approver)."""

    __tablename__ = "recommendations"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), unique=True)
    outcome: Mapped[RecommendationOutcome] = mapped_column(_enum(RecommendationOutcome))
    result_level_code: Mapped[str | None] = mapped_column(String(40))
    computed_result_code: Mapped[str | None] = mapped_column(String(40))
    computed_percent: Mapped[float] = mapped_column(Float)
    is_flagged_to_dla: Mapped[bool] = mapped_column(Boolean, default=False)
    justification: Mapped[str | None] = mapped_column(Text)
    recommended_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recommended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    recommended_by = relationship("User")

    __table_args__ = (
        CheckConstraint("(outcome = 'pass' AND result_level_code IS NOT NULL) OR "
                        "(outcome = 'fail' AND result_level_code IS NULL)",
                        name="level_matches_outcome"),
        CheckConstraint("is_flagged_to_dla = (COALESCE(result_level_code, '') <> "
                        "COALESCE(computed_result_code, ''))", name="flagged_when_it_differs"),
        CheckConstraint(f"NOT is_flagged_to_dla OR {has_text_sql('justification')}",
                        name="override_has_justification"),
    )
