"""Objects for the route × role matrix rows of the cycle and notification pages, made on first
use: a cycle of the TST fixture edition, and a notification of the scene's target account (so
every principal asks for someone else's notification and is answered 404)."""
from __future__ import annotations

from sqlalchemy import select

from lgo_assess.accounts.models import User
from lgo_assess.assessments.models import Cycle
from lgo_assess.core.db import db
from lgo_assess.notifications import services
from lgo_assess.notifications.models import Notification


def cycle_id(scene, place) -> int:
    from tests.factories_assessments import make_cycle, make_published_edition
    edition = make_published_edition()
    found = db.session.execute(select(Cycle.id).where(Cycle.edition_id == edition.id)
                               .order_by(Cycle.id)).scalar()
    return found if found is not None else make_cycle(edition).id


def notification_id(scene, place) -> int:
    found = db.session.execute(select(Notification.id).where(
        Notification.user_id == scene.user_id)).scalar()
    if found is not None:
        return found
    user = db.session.get(User, scene.user_id)
    return services.notify(user, "assessment.accepted", {}, email=False)[0].id
