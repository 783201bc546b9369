"""Certificates and their status today (the same facts as the public register and the
verification page ``/v/<token>``)."""
from __future__ import annotations

from flask import jsonify
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from lgo_assess.api.openapi import Param, define
from lgo_assess.api.routing import (CERTIFICATES, FISCAL_YEAR, LGO, PAGINATION, PROVINCE,
                                    STANDARD, api, page_of, paginated)
from lgo_assess.certification import queries
from lgo_assess.certification import services as certification
from lgo_assess.certification.models import Certificate, CertificateStatus
from lgo_assess.core.db import db
from lgo_assess.core.errors import NotFound
from lgo_assess.core.security import login_required_only
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.registry.models import Lgo, Province

STRING = {"type": "string"}
OR_NULL = {"type": ["string", "null"]}

CERTIFICATE = define("Certificate", {
    "type": "object",
    "required": ["serial", "status", "standard_code", "edition_code", "fiscal_year",
                 "result_level_code", "level_th", "level_en", "lgo", "issued_on",
                 "valid_until", "revoked_at", "revocation_reason", "supersedes",
                 "superseded_by", "verify_url", "is_historical"],
    "properties": {
        "serial": STRING,
        "status": {"type": "string", "enum": [s.value for s in CertificateStatus],
                   "description": "As of today (Bangkok): valid, expired (past valid_until), "
                                  "revoked or superseded (by a corrected certificate)."},
        "standard_code": STRING, "edition_code": STRING, "fiscal_year": {"type": "integer"},
        "result_level_code": STRING, "level_th": STRING, "level_en": STRING,
        "lgo": {"type": "object", "required": ["dla_code", "name_th", "name_en",
                                               "province_code"],
                "properties": {"dla_code": STRING, "name_th": STRING, "name_en": OR_NULL,
                               "province_code": STRING}},
        "issued_on": {"type": "string", "format": "date"},
        "valid_until": {"type": "string", "format": "date"},
        "revoked_at": {"type": ["string", "null"], "format": "date-time"},
        "revocation_reason": OR_NULL,
        "supersedes": {**OR_NULL, "description": "The serial this one corrected."},
        "superseded_by": {**OR_NULL, "description": "The serial that corrected this one."},
        "verify_url": {"type": "string", "description": "The public page the QR code opens."},
        "is_historical": {"type": "boolean",
                          "description": "Imported from DLA's records of before the platform: "
                                         "no signature, no QR code, no PDF."},
    },
})

STATUS = Param("status", "string",
               _l("Only certificates with this status today; without it, every certificate "
                  "but superseded ones."), enum=tuple(s.value for s in CertificateStatus))


def certificate_json(certificate: Certificate, today) -> dict:
    facts = queries.facts_of(certificate)
    lgo = certificate.lgo
    return {
        "serial": certificate.serial,
        "status": str(certificate.status_on(today)),
        "standard_code": certificate.standard_code,
        "edition_code": facts.get("edition", ""),
        "fiscal_year": certificate.fiscal_year,
        "result_level_code": certificate.result_level_code,
        "level_th": facts.get("level_th", certificate.result_level_code),
        "level_en": facts.get("level_en", certificate.result_level_code),
        "lgo": {"dla_code": lgo.dla_code, "name_th": lgo.name_th, "name_en": lgo.name_en,
                "province_code": lgo.province.code},
        "issued_on": certificate.issued_on.isoformat(),
        "valid_until": certificate.valid_until.isoformat(),
        "revoked_at": certificate.revoked_at.isoformat() if certificate.revoked_at else None,
        "revocation_reason": certificate.revocation_reason,
        "supersedes": certificate.supersedes.serial if certificate.supersedes else None,
        "superseded_by": certificate.superseded_by.serial if certificate.superseded_by else None,
        "verify_url": certification.verify_url(certificate),
        "is_historical": certificate.is_historical,
    }


def _certificates():
    return (select(Certificate).join(Lgo, Lgo.id == Certificate.lgo_id)
            .join(Province, Province.id == Lgo.province_id)
            .options(contains_eager(Certificate.lgo).contains_eager(Lgo.province)))


@api.operation("GET", "/certificates", summary=_l("Certificates"), tag=CERTIFICATES,
               query=(FISCAL_YEAR, STANDARD, PROVINCE, LGO, STATUS, *PAGINATION),
               response=page_of("Certificate", CERTIFICATE),
               example_query={"lgo": "7000001", "status": "valid"})
@login_required_only
def list_certificates(query):
    today = today_bangkok()
    statement = _certificates().order_by(Certificate.fiscal_year.desc(),
                                         Certificate.standard_code, Province.code,
                                         Lgo.dla_code, Certificate.serial)
    status = query["status"]
    stored = Certificate.status
    if status == CertificateStatus.VALID:
        statement = statement.where(stored == CertificateStatus.VALID,
                                    Certificate.valid_until >= today)
    elif status == CertificateStatus.EXPIRED:
        statement = statement.where(stored == CertificateStatus.VALID,
                                    Certificate.valid_until < today)
    elif status:
        statement = statement.where(stored == CertificateStatus(status))
    else:
        statement = statement.where(stored != CertificateStatus.SUPERSEDED)
    for name, condition in (("fiscal_year", lambda v: Certificate.fiscal_year == v),
                            ("standard", lambda v: Certificate.standard_code == v),
                            ("province", lambda v: Province.code == v),
                            ("lgo", lambda v: Lgo.dla_code == v)):
        if query[name] is not None:
            statement = statement.where(condition(query[name]))
    return paginated(statement, query, lambda c: certificate_json(c, today))


@api.operation("GET", "/certificates/<serial>", summary=_l("One certificate and its status"),
               tag=CERTIFICATES, response=CERTIFICATE)
@login_required_only
def show_certificate(serial: str):
    certificate = db.session.execute(_certificates().where(
        Certificate.serial == serial.strip().upper())).unique().scalar_one_or_none()
    if certificate is None:
        raise NotFound()
    return jsonify(certificate_json(certificate, today_bangkok()))
