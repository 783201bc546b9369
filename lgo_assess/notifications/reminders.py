"""Deadline reminders, 30, 7 and 1 days before each deadline of every running cycle.

- the self-assessment deadline (with the LGO's extension, if it has one): the staff of every LGO
  that has not submitted (not started, draft, or returned to it);
- the review deadline: the officers of each province with assessments not yet reviewed;
- the decision deadline: DLA's approvers, while assessments await a decision.

``send_deadline_reminders(today)`` is meant for a daily cron job and is idempotent: each reminder
carries a dedupe key (cycle, LGO or province, deadline kind, days before, the deadline itself), so
a second run on the same day, or a later run, never repeats one. A run that was missed is caught
up: the reminder of the nearest threshold not yet passed goes out the next time. When an extension
moves an LGO's deadline, its reminders follow the new date.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from lgo_assess.accounts.models import RoleGrant, User
from lgo_assess.assessments.models import Assessment, Cycle
from lgo_assess.assessments.states import AssessmentStatus as S
from lgo_assess.core.audit import record
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.criteria.models import StandardEdition
from lgo_assess.notifications import links
from lgo_assess.notifications.services import notify, provincial_officers, users_with_role
from lgo_assess.registry.models import Lgo, Province

REMINDER_DAYS = (30, 7, 1)
NOT_SUBMITTED = (S.DRAFT, S.RETURNED)
UNDER_REVIEW = (S.SUBMITTED, S.ACCEPTED, S.IN_REVIEW, S.EVIDENCE_REQUESTED, S.REVIEWED)
AWAITING_DECISION = UNDER_REVIEW + (S.RECOMMENDED,)


def reminder_for(days_left: int) -> int | None:
    """The reminder due with ``days_left`` days to go: 30 for 8–30 days, 7 for 2–7, 1 for 1;
    None on the day itself, after it, or more than 30 days before."""
    lower = 0
    for threshold in sorted(REMINDER_DAYS):
        if lower < days_left <= threshold:
            return threshold
        lower = threshold
    return None


@dataclass
class ReminderReport:
    today: date
    sent: Counter = field(default_factory=Counter)      # kind → notifications created

    @property
    def total(self) -> int:
        return sum(self.sent.values())


def send_deadline_reminders(today: date, *, actor=None, email: bool = True) -> ReminderReport:
    report = ReminderReport(today)
    cycles = db.session.execute(
        select(Cycle).where(Cycle.opens_on <= today, Cycle.decision_due >= today)
        .options(selectinload(Cycle.extensions),
                 selectinload(Cycle.edition).selectinload(StandardEdition.standard))
        .order_by(Cycle.id)).scalars().all()
    for cycle in cycles:
        _self_assessment(cycle, today, report, email)
        _review(cycle, today, report, email)
        _decision(cycle, today, report, email)
    if report.total:
        record(actor, "notifications.reminders_sent", None, today=today.isoformat(),
               **{kind: n for kind, n in sorted(report.sent.items())})
    return report


def _cycle_params(cycle: Cycle) -> dict:
    standard = cycle.edition.standard
    return {"cycle_id": cycle.id, "standard": {"th": standard.name_th, "en": standard.name_en},
            "standard_code": standard.code, "fiscal_year": cycle.fiscal_year}


def _key(cycle: Cycle, whom: str, kind: str, threshold: int, due: date) -> str:
    return f"reminder:{cycle.id}:{whom}:{kind}:{threshold}:{due.isoformat()}"


def _members_by_lgo(lgo_ids: list[int] | None) -> dict[int, list[User]]:
    query = (select(RoleGrant.lgo_id, User).join(User, RoleGrant.user_id == User.id)
             .where(RoleGrant.role.in_((Role.LGO_EDITOR, Role.LGO_EXECUTIVE)),
                    User.is_enabled.is_(True)).order_by(RoleGrant.lgo_id, User.id))
    if lgo_ids is not None:
        query = query.where(RoleGrant.lgo_id.in_(lgo_ids))
    members: dict[int, dict[int, User]] = defaultdict(dict)
    for lgo_id, user in db.session.execute(query):
        members[lgo_id][user.id] = user
    return {lgo_id: list(users.values()) for lgo_id, users in members.items()}


def _self_assessment(cycle: Cycle, today: date, report: ReminderReport, email: bool) -> None:
    extended = {e.lgo_id: e.self_assessment_due for e in cycle.extensions}
    on_cycle_date = reminder_for((cycle.self_assessment_due - today).days) is not None
    if not on_cycle_date and not any(reminder_for((due - today).days) for due in
                                     extended.values()):
        return
    members = _members_by_lgo(None if on_cycle_date else list(extended))
    if not members:
        return
    assessments = {a.lgo_id: a for a in db.session.execute(
        select(Assessment).where(Assessment.cycle_id == cycle.id,
                                 Assessment.lgo_id.in_(list(members)))).scalars()}
    lgos = {lgo.id: lgo for lgo in db.session.execute(
        select(Lgo).where(Lgo.id.in_(list(members))).options(selectinload(Lgo.type_periods))
    ).scalars()}
    base = _cycle_params(cycle)
    for lgo_id, users in sorted(members.items()):
        assessment = assessments.get(lgo_id)
        if assessment is not None and assessment.status not in NOT_SUBMITTED:
            continue
        lgo = lgos[lgo_id]
        if not lgo.is_active_in(cycle.fiscal_year):
            continue
        due = extended.get(lgo_id, cycle.self_assessment_due)
        threshold = reminder_for((due - today).days)
        if threshold is None:
            continue
        params = {**base, "lgo": {"th": lgo.name_th, "en": lgo.name_en or lgo.name_th},
                  "due": due.isoformat(), "days_left": (due - today).days,
                  "stage": assessment.status.value if assessment else "not_started"}
        link = (links.path_to("assessment", assessment_id=assessment.id) if assessment
                else links.path_to("lgo_assessments"))
        created = notify(users, "reminder.self_assessment", params, link=link, email=email,
                         dedupe_key=_key(cycle, f"lgo{lgo_id}", "self_assessment", threshold,
                                         due), audit=False)
        report.sent["self_assessment"] += len(created)


def _review(cycle: Cycle, today: date, report: ReminderReport, email: bool) -> None:
    threshold = reminder_for((cycle.review_due - today).days)
    if threshold is None:
        return
    pending = db.session.execute(
        select(Lgo.province_id, func.count(Assessment.id))
        .join(Lgo, Assessment.lgo_id == Lgo.id)
        .where(Assessment.cycle_id == cycle.id, Assessment.status.in_(UNDER_REVIEW))
        .group_by(Lgo.province_id).order_by(Lgo.province_id)).all()
    base = _cycle_params(cycle)
    for province_id, count in pending:
        province = db.session.get(Province, province_id)
        params = {**base, "province": {"th": province.name_th, "en": province.name_en},
                  "count": count, "due": cycle.review_due.isoformat(),
                  "days_left": (cycle.review_due - today).days}
        created = notify(provincial_officers(province_id), "reminder.review", params,
                         link=links.path_to("notifications"), email=email,
                         dedupe_key=_key(cycle, f"province{province_id}", "review", threshold,
                                         cycle.review_due), audit=False)
        report.sent["review"] += len(created)


def _decision(cycle: Cycle, today: date, report: ReminderReport, email: bool) -> None:
    threshold = reminder_for((cycle.decision_due - today).days)
    if threshold is None:
        return
    count = db.session.execute(select(func.count(Assessment.id)).where(
        Assessment.cycle_id == cycle.id, Assessment.status.in_(AWAITING_DECISION))).scalar()
    if not count:
        return
    params = {**_cycle_params(cycle), "count": count, "due": cycle.decision_due.isoformat(),
              "days_left": (cycle.decision_due - today).days}
    created = notify(users_with_role(Role.DLA_APPROVER), "reminder.decision", params,
                     link=links.path_to("notifications"), email=email,
                     dedupe_key=_key(cycle, "nation", "decision", threshold, cycle.decision_due),
                     audit=False)
    report.sent["decision"] += len(created)
