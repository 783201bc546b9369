"""The record of a dossier as its LGO sees it: every audited change to the assessment, newest
first, read from the hash-chained audit log (so it is the same record ``flask audit verify``
checks). Reviewers' internal work (their scores, assignments) is left out: the LGO sees what
was done to its dossier and what was asked of it, not the panel's deliberation."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from lgo_assess.accounts.models import User
from lgo_assess.assessments.models import Assessment
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db
from lgo_assess.core.security import Role

LIMIT = 500

ACTIONS = {
    "assessment.started": _l("Assessment started"),
    "response.saved": _l("Answer saved"),
    "evidence.linked": _l("Evidence cited"),
    "evidence.unlinked": _l("Evidence no longer cited"),
    "evidence.links_copied": _l("Evidence citations copied from an earlier assessment"),
    "review.evidence_requested": _l("More evidence requested"),
    "review.evidence_answered": _l("Requested evidence sent"),
    "review.visit_scheduled": _l("Site visit scheduled"),
    "review.visit_cancelled": _l("Site visit cancelled"),
    "review.recommended": _l("Review completed and sent to DLA"),
}
STATUS_CHANGE = _l("Status changed")


@dataclass(frozen=True)
class Entry:
    occurred_at: datetime
    action: str
    label: str
    criterion: str | None
    status_change: tuple[str, str] | None
    actor: str
    reason: str | None


def _status_title(value) -> str:
    try:
        return AssessmentStatus(value).title
    except ValueError:
        return str(value or "")


def dossier_history(assessment: Assessment, *, limit: int = LIMIT) -> list[Entry]:
    """The newest ``limit`` events about ``assessment`` the LGO may see. The people of the LGO
    are named; anyone else is shown by the part they played (reviewer or DLA)."""
    rows = db.session.execute(
        select(AuditEvent, User).outerjoin(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.object_type == Assessment.__tablename__,
               AuditEvent.object_id == str(assessment.id),
               or_(AuditEvent.action.in_(ACTIONS), AuditEvent.action.like("assessment.%")))
        .order_by(AuditEvent.id.desc()).limit(limit)).all()
    entries = []
    for event, user in rows:
        details = event.details or {}
        moved = None
        if event.action.startswith("assessment.") and event.action != "assessment.started":
            moved = (_status_title(details.get("source")), _status_title(details.get("target")))
        if user is None:
            actor = str(_l("The system"))
        elif assessment.lgo_id in user.lgo_ids_with(Role.LGO_EDITOR, Role.LGO_EXECUTIVE):
            actor = user.display_name
        else:
            actor = str(_l("Reviewer or DLA staff"))
        entries.append(Entry(
            occurred_at=event.occurred_at, action=event.action,
            label=str(ACTIONS.get(event.action, STATUS_CHANGE)),
            criterion=details.get("criterion"), status_change=moved, actor=actor,
            reason=details.get("reason")))
    return entries
