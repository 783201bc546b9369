"""Certification objects for the route × role matrix, made on first use: a recommended
assessment waiting for a decision, an approval with its certificate and a revocation request
waiting for a second approver (asked by an approver who is none of the principals)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import select

from lgo_assess.assessments import services as assessments
from lgo_assess.assessments.models import Assessment, Cycle
from lgo_assess.certification import services
from lgo_assess.certification.models import (Certificate, Decision, DecisionOutcome,
                                              RevocationRequest)
from lgo_assess.core.db import db
from lgo_assess.registry.models import Lgo
from tests.factories import make_lgo
from tests.factories_certification import (ensure_signing_key, in_app_context, make_approver,
                                           make_recommended_assessment)
from tests.web.assessment_scene import tst_edition_for


FISCAL_YEAR = 2572          # its own edition copy and cycle: no other scene's dates interfere
WAITING_CODE, DECIDED_CODE = "7000091", "7000092"


def _cycle() -> Cycle:
    edition = tst_edition_for(FISCAL_YEAR)
    found = db.session.execute(select(Cycle).where(Cycle.edition_id == edition.id)
                               ).scalar_one_or_none()
    return found or assessments.open_cycle(
        edition, FISCAL_YEAR, opens_on=date(2026, 11, 1), self_assessment_due=date(2027, 3, 31),
        review_due=date(2027, 6, 30), decision_due=date(2027, 8, 31), actor=None)


def _recommended(code: str) -> Assessment:
    found = db.session.execute(select(Assessment).join(Lgo, Lgo.id == Assessment.lgo_id)
                               .where(Lgo.dla_code == code)).scalar_one_or_none()
    if found is not None:
        return found
    return make_recommended_assessment(make_lgo(dla_code=code), _cycle(),
                                       today=date(2027, 1, 15))


@in_app_context
def assessment_id(scene, place) -> int:
    return _recommended(WAITING_CODE).id


def _decision() -> Decision:
    assessment = _recommended(DECIDED_CODE)
    found = db.session.execute(select(Decision).where(
        Decision.assessment_id == assessment.id)).scalar_one_or_none()
    if found is not None:
        return found
    ensure_signing_key()
    decision = services.decide(assessment, DecisionOutcome.APPROVED,
                               actor=make_approver(), today=date(2027, 8, 1))
    services.request_revocation(decision, "ทดสอบการเพิกถอน", actor=make_approver())
    return decision


@in_app_context
def decision_id(scene, place) -> int:
    return _decision().id


@in_app_context
def request_id(scene, place) -> int:
    return db.session.execute(select(RevocationRequest.id).where(
        RevocationRequest.decision_id == _decision().id)).scalar_one()


def _certificate() -> Certificate:
    return _decision().current_certificate


@in_app_context
def certificate_id(scene, place) -> int:
    return _certificate().id


@in_app_context
def token(scene, place) -> str:
    return _certificate().verification_token


@in_app_context
def kid(scene, place) -> str:
    return ensure_signing_key()
