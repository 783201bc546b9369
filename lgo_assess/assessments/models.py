"""Cycles, assessments and responses.

A **cycle** opens one published edition for one fiscal year. An **assessment** is one LGO in one
cycle; it pins the edition and the LGO's type in that fiscal year, so later registry changes never
re-score it. A **response** is the LGO's answer to one criterion, identified by the criterion's
code within the pinned edition. Every row that two people may edit at once carries a ``version``
for optimistic locking: a save names the version it started from and is refused (409) if someone
saved in between.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (JSON, Boolean, CheckConstraint, Date, Enum, Float, ForeignKey, Integer,
                        String, Text, UniqueConstraint)
from sqlalchemy.orm import Mapped, backref, mapped_column, relationship

from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.core.db import UTCDateTime, db, utcnow
from lgo_assess.registry.models import Lgo, LgoType


def _enum(enum_class, length=30):
    return Enum(enum_class, native_enum=False, length=length,
                values_callable=lambda e: [m.value for m in e])


class Cycle(db.Model):
    """One published edition × one fiscal year, with its deadlines (Bangkok calendar dates:
    a deadline day ends at 24:00 Bangkok time)."""

    __tablename__ = "cycles"

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("standard_editions.id"), index=True)
    fiscal_year: Mapped[int] = mapped_column(Integer)
    opens_on: Mapped[date] = mapped_column(Date)
    self_assessment_due: Mapped[date] = mapped_column(Date)
    review_due: Mapped[date] = mapped_column(Date)
    decision_due: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    edition = relationship("StandardEdition")
    extensions: Mapped[list["CycleExtension"]] = relationship(
        back_populates="cycle", cascade="all, delete-orphan")

    __table_args__ = (
        UniqueConstraint("edition_id", "fiscal_year"),
        CheckConstraint("opens_on <= self_assessment_due AND self_assessment_due <= review_due "
                        "AND review_due <= decision_due", name="deadlines_in_order"),
    )

    def due_for(self, lgo_id: int) -> date:
        """The self-assessment deadline for one LGO, with its extension if it has one."""
        for extension in self.extensions:
            if extension.lgo_id == lgo_id:
                return extension.self_assessment_due
        return self.self_assessment_due


class CycleExtension(db.Model):
    """A later self-assessment deadline for one LGO, with the reason it was granted."""

    __tablename__ = "cycle_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id", ondelete="CASCADE"), index=True)
    lgo_id: Mapped[int] = mapped_column(ForeignKey("lgos.id"), index=True)
    self_assessment_due: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cycle: Mapped[Cycle] = relationship(back_populates="extensions")
    lgo: Mapped[Lgo] = relationship()

    __table_args__ = (UniqueConstraint("cycle_id", "lgo_id"),
                      CheckConstraint("length(reason) > 0", name="has_reason"))


class Assessment(db.Model):
    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    cycle_id: Mapped[int] = mapped_column(ForeignKey("cycles.id"), index=True)
    lgo_id: Mapped[int] = mapped_column(ForeignKey("lgos.id"), index=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("standard_editions.id"), index=True)
    lgo_type: Mapped[LgoType] = mapped_column(_enum(LgoType))   # the type in the cycle's year
    area_tags: Mapped[list] = mapped_column(JSON, default=list)  # as they stood at creation
    status: Mapped[AssessmentStatus] = mapped_column(
        _enum(AssessmentStatus), default=AssessmentStatus.DRAFT, index=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Self-assessment figures, kept current by the services for lists and dashboards.
    self_score_percent: Mapped[float | None] = mapped_column(Float)
    self_result_code: Mapped[str | None] = mapped_column(String(40))
    answered_count: Mapped[int] = mapped_column(Integer, default=0)
    applicable_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    started_from_id: Mapped[int | None] = mapped_column(ForeignKey("assessments.id"))

    cycle: Mapped[Cycle] = relationship()
    lgo: Mapped[Lgo] = relationship()
    edition = relationship("StandardEdition")
    responses: Mapped[list["Response"]] = relationship(
        back_populates="assessment", cascade="all, delete-orphan",
        order_by="Response.id")
    submitted_by = relationship("User", foreign_keys=[submitted_by_id])

    __table_args__ = (
        UniqueConstraint("cycle_id", "lgo_id"),
        # Once submitted, an assessment always says when and by whom.
        CheckConstraint("status IN ('draft', 'withdrawn') OR (submitted_at IS NOT NULL AND "
                        "submitted_by_id IS NOT NULL)", name="submitted_has_submitter"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    __mapper_args__ = {"version_id_col": version}

    def response_for(self, code: str) -> Response | None:
        return next((r for r in self.responses if r.criterion_code == code), None)


class Response(db.Model):
    """The LGO's answer to one criterion: the field its scoring method reads, a narrative, and
    N/A with a reason where the criterion allows it."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(20))
    level: Mapped[int | None] = mapped_column(Integer)
    checked: Mapped[list | None] = mapped_column(JSON)
    value: Mapped[float | None] = mapped_column(Float)
    yes: Mapped[bool | None] = mapped_column(Boolean)
    is_not_applicable: Mapped[bool] = mapped_column(Boolean, default=False)
    not_applicable_reason: Mapped[str | None] = mapped_column(Text)
    narrative: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    assessment: Mapped[Assessment] = relationship(back_populates="responses")
    updated_by = relationship("User")

    __table_args__ = (
        UniqueConstraint("assessment_id", "criterion_code"),
        CheckConstraint("NOT is_not_applicable OR not_applicable_reason IS NOT NULL",
                        name="na_has_reason"),
    )

    __mapper_args__ = {"version_id_col": version}

    @property
    def is_answered(self) -> bool:
        return self.is_not_applicable or any(
            v is not None for v in (self.level, self.checked, self.value, self.yes))


class StatusChange(db.Model):
    """The history of an assessment's workflow, one row per transition."""

    __tablename__ = "status_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[AssessmentStatus] = mapped_column(_enum(AssessmentStatus))
    to_status: Mapped[AssessmentStatus] = mapped_column(_enum(AssessmentStatus))
    transition: Mapped[str] = mapped_column(String(40))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User")


class AssessmentSnapshot(db.Model):
    """What was submitted, frozen: answers, scores, evidence hashes and the edition's content
    hash. Later edits never touch it; review and certification read it."""

    __tablename__ = "assessment_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))          # submission | evidence_answer
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    payload: Mapped[dict] = mapped_column(JSON)
    payload_sha256: Mapped[str] = mapped_column(String(64))


class EvidenceLink(db.Model):
    """One evidence item of the LGO's library cited for one criterion of one assessment. The
    same item may be cited by any number of criteria, in assessments of any standard, as long as
    it belongs to the assessment's LGO and fiscal year (the services check)."""

    __tablename__ = "evidence_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True)
    criterion_code: Mapped[str] = mapped_column(String(20))
    evidence_item_id: Mapped[int] = mapped_column(
        ForeignKey("evidence_items.id", ondelete="RESTRICT"), index=True)
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assessment: Mapped[Assessment] = relationship(backref=backref(
        "evidence_links", cascade="all, delete-orphan", order_by="EvidenceLink.id"))
    item = relationship("EvidenceItem")
    linked_by = relationship("User")

    __table_args__ = (
        UniqueConstraint("assessment_id", "criterion_code", "evidence_item_id"),
        CheckConstraint("length(criterion_code) > 0", name="has_criterion_code"),
    )
