"""Reading certification data: the approver's queue, the loaders the views use and the public
register. Nothing here writes."""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import contains_eager, joinedload, selectinload

from lgo_assess.assessments.models import Assessment, Cycle
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.certification.models import (Certificate, CertificateStatus, Decision,
                                              RevocationRequest, RevocationStatus)
from lgo_assess.core.db import db
from lgo_assess.core.errors import NotFound
from lgo_assess.criteria.models import Standard, StandardEdition
from lgo_assess.registry.models import Lgo, Province

PAGE_SIZE = 50
CSV_LIMIT = 100_000


def _one(statement):
    found = db.session.execute(statement).unique().scalar_one_or_none()
    if found is None:
        raise NotFound()
    return found


def recommended_queue() -> list[Assessment]:
    """Assessments waiting for DLA's decision, the earliest decision deadline first."""
    return list(db.session.execute(
        select(Assessment).join(Cycle, Cycle.id == Assessment.cycle_id)
        .join(Lgo, Lgo.id == Assessment.lgo_id)
        .where(Assessment.status == AssessmentStatus.RECOMMENDED)
        .options(contains_eager(Assessment.cycle), contains_eager(Assessment.lgo)
                 .joinedload(Lgo.province), joinedload(Assessment.edition)
                 .joinedload(StandardEdition.standard))
        .order_by(Cycle.decision_due, Lgo.name_th, Assessment.id)).unique().scalars())


def get_assessment(assessment_id: int) -> Assessment:
    return _one(select(Assessment).where(Assessment.id == assessment_id))


def assessments_by_ids(ids: list[int]) -> list[Assessment]:
    if not ids:
        return []
    return list(db.session.execute(select(Assessment).where(Assessment.id.in_(ids))
                                   .order_by(Assessment.id)).scalars())


def get_decision(decision_id: int) -> Decision:
    return _one(select(Decision).where(Decision.id == decision_id))


def decision_of(assessment: Assessment) -> Decision | None:
    return db.session.execute(select(Decision).where(
        Decision.assessment_id == assessment.id)).scalar_one_or_none()


def get_revocation_request(request_id: int) -> RevocationRequest:
    return _one(select(RevocationRequest).where(RevocationRequest.id == request_id))


def recent_decisions(limit: int = 100) -> list[Decision]:
    return list(db.session.execute(
        select(Decision).options(joinedload(Decision.assessment).joinedload(Assessment.lgo))
        .order_by(Decision.decided_at.desc(), Decision.id.desc()).limit(limit)
    ).unique().scalars())


def pending_revocations() -> list[RevocationRequest]:
    return list(db.session.execute(
        select(RevocationRequest).where(RevocationRequest.status == RevocationStatus.PENDING)
        .order_by(RevocationRequest.requested_at)).scalars())


def get_certificate(certificate_id: int) -> Certificate:
    return _one(select(Certificate).where(Certificate.id == certificate_id))


def certificate_by_serial(serial: str) -> Certificate | None:
    return db.session.execute(select(Certificate).where(
        Certificate.serial == serial.strip().upper())).scalar_one_or_none()


def certificate_by_token(token: str) -> Certificate:
    """The certificate whose page is ``/v/<token>`` (404 for anything else, including a
    serial or an id)."""
    token = (token or "").strip().lower()
    if not token.isalnum() or len(token) > 40:
        raise NotFound()
    return _one(select(Certificate).where(Certificate.verification_token == token))


def facts_of(certificate: Certificate) -> dict:
    """The certified facts, as signed (a historical certificate's from its records)."""
    if certificate.is_historical:
        from lgo_assess.certification.history import historical_facts
        return historical_facts(certificate)
    return json.loads(certificate.payload)


# -- The public register --------------------------------------------------------------------------

@dataclass(frozen=True)
class RegisterFilters:
    text: str = ""
    standard: str = ""
    fiscal_year: int | None = None
    province: str = ""
    level: str = ""
    status: str = ""             # valid | expired | revoked ("" = all three)


@dataclass
class RegisterPage:
    rows: list[tuple[Certificate, CertificateStatus, dict]]   # certificate, status today, facts
    total: int
    page: int
    pages: int


def _register_statement(filters: RegisterFilters, today: date):
    statement = (select(Certificate).join(Lgo, Lgo.id == Certificate.lgo_id)
                 .join(Province, Province.id == Lgo.province_id)
                 .where(Certificate.status != CertificateStatus.SUPERSEDED))
    text = filters.text.strip()
    if text:
        statement = statement.where(db.or_(
            Lgo.name_th.contains(text, autoescape=True),
            Lgo.name_en.icontains(text, autoescape=True),
            Lgo.dla_code == text, Certificate.serial == text.upper()))
    if filters.standard:
        statement = statement.where(Certificate.standard_code == filters.standard)
    if filters.fiscal_year:
        statement = statement.where(Certificate.fiscal_year == filters.fiscal_year)
    if filters.province:
        statement = statement.where(Province.code == filters.province)
    if filters.level:
        statement = statement.where(Certificate.result_level_code == filters.level)
    if filters.status == CertificateStatus.VALID:
        statement = statement.where(Certificate.status == CertificateStatus.VALID,
                                    Certificate.valid_until >= today)
    elif filters.status == CertificateStatus.EXPIRED:
        statement = statement.where(Certificate.status == CertificateStatus.VALID,
                                    Certificate.valid_until < today)
    elif filters.status == CertificateStatus.REVOKED:
        statement = statement.where(Certificate.status == CertificateStatus.REVOKED)
    return statement


def _with_facts(statement):
    """Eager loads for the facts of a register page (a historical certificate's come from its
    LGO, edition and import batch)."""
    return statement.options(
        contains_eager(Certificate.lgo).contains_eager(Lgo.province),
        contains_eager(Certificate.lgo).selectinload(Lgo.district),
        selectinload(Certificate.edition).joinedload(StandardEdition.standard),
        selectinload(Certificate.import_batch), selectinload(Certificate.supersedes))


def _rows(certificates, today: date):
    return [(c, c.status_on(today), facts_of(c)) for c in certificates]


def search_register(filters: RegisterFilters, *, today: date, page: int = 1,
                    page_size: int = PAGE_SIZE) -> RegisterPage:
    """Certificates that are or were in force (corrected ones are replaced by their
    successor), newest fiscal year first, then by standard, province and name."""
    statement = _register_statement(filters, today)
    total = db.session.execute(
        select(func.count()).select_from(statement.subquery())).scalar_one()
    pages = max(1, -(-total // page_size))
    page = min(max(1, page), pages)
    certificates = db.session.execute(
        _with_facts(statement)
        .order_by(Certificate.fiscal_year.desc(), Certificate.standard_code, Province.code,
                  Lgo.name_th, Certificate.serial)
        .limit(page_size).offset((page - 1) * page_size)).unique().scalars()
    return RegisterPage(_rows(certificates, today), total, page, pages)


def register_export(filters: RegisterFilters, *, today: date):
    statement = _register_statement(filters, today)
    certificates = db.session.execute(
        _with_facts(statement)
        .order_by(Certificate.fiscal_year.desc(), Certificate.standard_code, Province.code,
                  Lgo.name_th, Certificate.serial).limit(CSV_LIMIT)).unique().scalars()
    return _rows(certificates, today)


@dataclass(frozen=True)
class RegisterOptions:
    standards: list[Standard]
    fiscal_years: list[int]
    provinces: list[Province]
    levels: list[tuple[str, str, str]]       # code, Thai label, English label


def register_options() -> RegisterOptions:
    """What the register's filters offer: only values some certificate has."""
    codes = db.session.execute(select(Certificate.standard_code).distinct()).scalars().all()
    standards = list(db.session.execute(
        select(Standard).where(Standard.code.in_(codes)).order_by(Standard.code)).scalars())
    years = sorted(db.session.execute(select(Certificate.fiscal_year).distinct()).scalars(),
                   reverse=True)
    provinces = list(db.session.execute(
        select(Province).where(Province.id.in_(
            select(Lgo.province_id).join(Certificate, Certificate.lgo_id == Lgo.id)))
        .order_by(Province.code)).scalars())
    levels = {}
    for code, payload, edition_id in db.session.execute(
            select(Certificate.result_level_code, func.min(Certificate.payload),
                   func.min(Certificate.edition_id))
            .group_by(Certificate.result_level_code)).all():
        if payload is not None:
            facts = json.loads(payload)
            levels[code] = (code, facts.get("level_th", code), facts.get("level_en", code))
        else:                                  # only historical certificates have this level
            from lgo_assess.certification.history import levels_of
            labels = {c: (c, th, en) for c, th, en in
                      levels_of(db.session.get(StandardEdition, edition_id))}
            levels[code] = labels.get(code, (code, code, code))
    return RegisterOptions(standards, years, provinces, sorted(levels.values()))
