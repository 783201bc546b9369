"""Helpers for the notification and cycle tests: LGOs with staff, submitted assessments, the
notifications and e-mails a user received."""
from __future__ import annotations

from sqlalchemy import select

from lgo_assess.assessments import services
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.notifications.models import Notification, OutboxMessage
from tests.factories import make_evidence_item, make_lgo, make_user
from tests.factories_assessments import DURING, answer_all


def staffed_lgo(**lgo_kwargs):
    """An LGO with an editor and an executive."""
    lgo = make_lgo(**lgo_kwargs)
    return lgo, make_user(Role.LGO_EDITOR, lgo=lgo), make_user(Role.LGO_EXECUTIVE, lgo=lgo)


def cite_required_evidence(assessment, editor) -> None:
    for code, expectations in services.missing_evidence(assessment).items():
        for expectation in expectations:
            fy = assessment.cycle.fiscal_year
            if expectation.kind == "url":
                item = make_evidence_item(assessment.lgo, kind="url", uploaded_by=editor,
                                          fiscal_year=fy)
            elif expectation.kind == "photo":
                item = make_evidence_item(assessment.lgo, filename="ภาพ.png",
                                          content_type="image/png", uploaded_by=editor,
                                          fiscal_year=fy)
            else:
                item = make_evidence_item(assessment.lgo, uploaded_by=editor, fiscal_year=fy)
            services.link_evidence(assessment, code, item.id, actor=editor, today=DURING)


def submitted_assessment(cycle, lgo, editor, executive):
    """The LGO's assessment, complete and submitted by its executive during the cycle."""
    assessment = services.start_assessment(cycle, lgo, actor=editor, today=DURING)
    answer_all(assessment, actor=editor)
    cite_required_evidence(assessment, editor)
    services.submit(assessment, actor=executive, today=DURING)
    return assessment


def notifications_of(user, kind: str | None = None) -> list[Notification]:
    query = select(Notification).where(Notification.user_id == user.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return list(db.session.execute(query.order_by(Notification.id)).scalars())


def mails_to(user) -> list[OutboxMessage]:
    return list(db.session.execute(select(OutboxMessage).where(
        OutboxMessage.to_address == user.email).order_by(OutboxMessage.id)).scalars())
