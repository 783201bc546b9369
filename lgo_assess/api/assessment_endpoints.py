"""Cycles; assessments in the caller's scope; the LGO's answers and evidence links in a draft
(or returned) assessment; an assigned assessor's own scores.

Writes go through the same services as the pages (``assessments.services.save_response``,
``link_evidence``, ``unlink_evidence``; ``review.services.save_scores``), so every rule, audit
event and optimistic lock applies as it does there.
"""
from __future__ import annotations

from flask import jsonify, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError

from lgo_assess.api import policies
from lgo_assess.api.openapi import Param, define
from lgo_assess.api.routing import (ASSESSMENTS, CYCLES, FISCAL_YEAR, LGO, LGO_TYPE, PAGINATION,
                                    PROVINCE, STANDARD, api, page_of, paginated)
from lgo_assess.assessments import forms, scoring, services
from lgo_assess.assessments.models import Assessment, Cycle, EvidenceLink, Response
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.core.db import db
from lgo_assess.core.errors import Conflict, Forbidden, Invalid, NotFound
from lgo_assess.core.security import Permission, login_required_only, require
from lgo_assess.criteria.models import Standard, StandardEdition
from lgo_assess.registry.models import Lgo, LgoType, Province

STRING = {"type": "string"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
DATETIME_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
NUMBER_OR_NULL = {"type": ["number", "null"]}

CYCLE = define("Cycle", {
    "type": "object",
    "required": ["id", "standard_code", "edition_code", "fiscal_year", "opens_on",
                 "self_assessment_due", "review_due", "decision_due"],
    "properties": {"id": {"type": "integer"}, "standard_code": STRING, "edition_code": STRING,
                   "fiscal_year": {"type": "integer"}, "opens_on": DATE,
                   "self_assessment_due": DATE, "review_due": DATE, "decision_due": DATE},
})
ANSWER_PROPERTIES = {
    "level": {"type": ["integer", "null"], "description": "For the ``level`` method."},
    "checked": {"type": ["array", "null"], "items": STRING,
                "description": "For ``checklist``: the codes of the items in place."},
    "value": {"type": ["number", "null"], "description": "For ``numeric``."},
    "yes": {"type": ["boolean", "null"], "description": "For ``yes_no``."},
    "is_not_applicable": {"type": "boolean"},
}
RESPONSE = define("Response", {
    "type": "object",
    "required": ["criterion_code", "level", "checked", "value", "yes", "is_not_applicable",
                 "not_applicable_reason", "narrative", "version", "updated_at"],
    "properties": {"criterion_code": STRING, **ANSWER_PROPERTIES,
                   "not_applicable_reason": {"type": ["string", "null"]},
                   "narrative": {"type": ["string", "null"]},
                   "version": {"type": "integer", "minimum": 1},
                   "updated_at": DATETIME_OR_NULL,
                   "updated_by": {"type": ["string", "null"]}},
})
EVIDENCE_LINK = define("EvidenceLink", {
    "type": "object",
    "required": ["criterion_code", "evidence_id", "title", "kind", "linked_at"],
    "properties": {"criterion_code": STRING, "evidence_id": {"type": "integer"},
                   "title": STRING, "kind": STRING, "linked_at": DATETIME_OR_NULL},
})
ASSESSMENT_SUMMARY = define("AssessmentSummary", {
    "type": "object",
    "required": ["id", "cycle_id", "standard_code", "edition_code", "fiscal_year", "lgo",
                 "lgo_type", "status", "version", "self_score_percent", "self_result_code",
                 "answered_count", "applicable_count", "updated_at", "submitted_at"],
    "properties": {
        "id": {"type": "integer"}, "cycle_id": {"type": "integer"},
        "standard_code": STRING, "edition_code": STRING, "fiscal_year": {"type": "integer"},
        "lgo": {"type": "object", "required": ["dla_code", "name_th", "name_en",
                                               "province_code"],
                "properties": {"dla_code": STRING, "name_th": STRING,
                               "name_en": {"type": ["string", "null"]},
                               "province_code": STRING}},
        "lgo_type": {"type": "string", "enum": [t.value for t in LgoType]},
        "status": {"type": "string", "enum": [s.value for s in AssessmentStatus]},
        "version": {"type": "integer"},
        "self_score_percent": NUMBER_OR_NULL,
        "self_result_code": {"type": ["string", "null"]},
        "answered_count": {"type": "integer"}, "applicable_count": {"type": "integer"},
        "updated_at": DATETIME_OR_NULL, "submitted_at": DATETIME_OR_NULL,
    },
})
ASSESSMENT = define("Assessment", {
    "allOf": [ASSESSMENT_SUMMARY, {
        "type": "object", "required": ["area_tags", "responses", "evidence_links"],
        "properties": {"area_tags": {"type": "array", "items": STRING},
                       "responses": {"type": "array", "items": RESPONSE},
                       "evidence_links": {"type": "array", "items": EVIDENCE_LINK}}}],
})
ANSWER_BODY = define("AnswerInput", {
    "type": "object", "required": ["version"],
    "description": "Only the field the criterion's scoring method reads counts; a field left "
                   "out keeps its stored value.",
    "properties": {
        "version": {"type": ["integer", "null"], "minimum": 1,
                    "description": "The version you last read (null for a criterion never "
                                   "answered). If someone saved since, the answer is 409."},
        **ANSWER_PROPERTIES,
        "not_applicable_reason": {"type": ["string", "null"], "maxLength": forms.REASON_MAX},
        "narrative": {"type": "string", "maxLength": forms.NARRATIVE_MAX},
    },
})
LINK_BODY = define("EvidenceLinkInput", {
    "type": "object", "required": ["evidence_id"],
    "properties": {"evidence_id": {"type": "integer", "minimum": 1,
                                   "description": "An item of the LGO's evidence library for "
                                                  "the cycle's fiscal year."}},
})
SCORE = define("AssessorScore", {
    "type": "object",
    "required": ["criterion_code", "level", "checked", "value", "yes", "is_not_applicable",
                 "comment", "evidence_checked", "updated_at"],
    "properties": {"criterion_code": STRING, **ANSWER_PROPERTIES, "comment": STRING,
                   "evidence_checked": {"type": "boolean"}, "updated_at": DATETIME_OR_NULL},
})
SCORE_BODY = define("AssessorScoreInput", {
    "type": "object",
    "properties": {**ANSWER_PROPERTIES, "comment": {"type": "string", "maxLength": 5000},
                   "evidence_checked": {"type": "boolean"}},
})
SCORES = define("AssessorScores", {
    "type": "object", "required": ["items", "submitted"],
    "properties": {"items": {"type": "array", "items": SCORE},
                   "submitted": {"type": "boolean",
                                 "description": "Submitted scores no longer change."}},
})

STATUS = Param("status", "string", _l("Only assessments in this state."),
               enum=tuple(s.value for s in AssessmentStatus))
CYCLE_PARAM = Param("cycle", "integer", _l("Only assessments of this cycle (its id)."))


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


# -- Cycles -------------------------------------------------------------------------------------

def cycle_json(cycle: Cycle) -> dict:
    return {"id": cycle.id, "standard_code": cycle.edition.standard.code,
            "edition_code": cycle.edition.code, "fiscal_year": cycle.fiscal_year,
            "opens_on": cycle.opens_on.isoformat(),
            "self_assessment_due": cycle.self_assessment_due.isoformat(),
            "review_due": cycle.review_due.isoformat(),
            "decision_due": cycle.decision_due.isoformat()}


def _cycles():
    return select(Cycle).join(StandardEdition, StandardEdition.id == Cycle.edition_id).join(
        Standard, Standard.id == StandardEdition.standard_id).options(
        joinedload(Cycle.edition).defer(StandardEdition.document)
        .joinedload(StandardEdition.standard))


@api.operation("GET", "/cycles", summary=_l("Assessment cycles"), tag=CYCLES,
               query=(FISCAL_YEAR, STANDARD, *PAGINATION), response=page_of("Cycle", CYCLE),
               example_query={"fiscal_year": 2569})
@login_required_only
def list_cycles(query):
    statement = _cycles().order_by(Cycle.fiscal_year.desc(), Standard.code, Cycle.id)
    if query["fiscal_year"]:
        statement = statement.where(Cycle.fiscal_year == query["fiscal_year"])
    if query["standard"]:
        statement = statement.where(Standard.code == query["standard"])
    return paginated(statement, query, cycle_json)


@api.operation("GET", "/cycles/<int:cycle_id>", summary=_l("One cycle"), tag=CYCLES,
               response=CYCLE)
@login_required_only
def show_cycle(cycle_id: int):
    cycle = db.session.execute(_cycles().where(Cycle.id == cycle_id)).unique().scalar_one_or_none()
    if cycle is None:
        raise NotFound()
    return jsonify(cycle_json(cycle))


# -- Assessments: reads -------------------------------------------------------------------------

def _me():
    return current_user._get_current_object()


def assessment_json(assessment: Assessment) -> dict:
    lgo, edition = assessment.lgo, assessment.edition
    return {
        "id": assessment.id, "cycle_id": assessment.cycle_id,
        "standard_code": edition.standard.code, "edition_code": edition.code,
        "fiscal_year": assessment.cycle.fiscal_year,
        "lgo": {"dla_code": lgo.dla_code, "name_th": lgo.name_th, "name_en": lgo.name_en,
                "province_code": lgo.province.code},
        "lgo_type": str(assessment.lgo_type), "status": str(assessment.status),
        "version": assessment.version, "self_score_percent": assessment.self_score_percent,
        "self_result_code": assessment.self_result_code,
        "answered_count": assessment.answered_count,
        "applicable_count": assessment.applicable_count,
        "updated_at": _iso(assessment.updated_at), "submitted_at": _iso(assessment.submitted_at),
    }


def link_json(link: EvidenceLink) -> dict:
    return {"criterion_code": link.criterion_code, "evidence_id": link.evidence_item_id,
            "title": link.item.title, "kind": str(link.item.kind),
            "linked_at": _iso(link.linked_at)}


def _loaded():
    return select(Assessment).options(
        joinedload(Assessment.cycle).selectinload(Cycle.extensions),
        joinedload(Assessment.lgo).joinedload(Lgo.province),
        joinedload(Assessment.edition).defer(StandardEdition.document)
        .joinedload(StandardEdition.standard))


def get_assessment_for(user, assessment_id: int, *, with_answers: bool = False) -> Assessment:
    """The assessment if ``user`` may read it: 404 if there is none, 403 if it is outside the
    user's scope."""
    statement = _loaded().where(Assessment.id == assessment_id)
    if with_answers:
        statement = statement.options(
            selectinload(Assessment.responses).joinedload(Response.updated_by),
            selectinload(Assessment.evidence_links).joinedload(EvidenceLink.item))
    assessment = db.session.execute(statement).unique().scalar_one_or_none()
    if assessment is None:
        raise NotFound()
    if not policies.can_read(user, assessment):
        raise Forbidden(_l("This assessment is outside your scope."))
    return assessment


@api.operation("GET", "/assessments", summary=_l("Assessments in your scope"), tag=ASSESSMENTS,
               description=_l("An LGO's staff see its assessments; a provincial officer the "
                              "province's; DLA every one; an assessor those assigned."),
               query=(FISCAL_YEAR, PROVINCE, LGO_TYPE, STANDARD, STATUS, CYCLE_PARAM, LGO,
                      *PAGINATION),
               response=page_of("Assessment", ASSESSMENT_SUMMARY),
               example_query={"fiscal_year": 2569, "standard": "GGL", "status": "submitted"})
@login_required_only
def list_assessments(query):
    statement = (_loaded().join(Cycle, Cycle.id == Assessment.cycle_id)
                 .join(Lgo, Lgo.id == Assessment.lgo_id)
                 .join(Province, Province.id == Lgo.province_id)
                 .join(StandardEdition, StandardEdition.id == Assessment.edition_id)
                 .join(Standard, Standard.id == StandardEdition.standard_id)
                 .order_by(Cycle.fiscal_year.desc(), Standard.code, Province.code, Lgo.dla_code,
                           Assessment.id))
    scope = policies.visible_assessments(_me())
    if scope is not None:
        statement = statement.where(scope)
    filters = {"fiscal_year": lambda v: Cycle.fiscal_year == v,
               "province": lambda v: Province.code == v,
               "type": lambda v: Assessment.lgo_type == LgoType(v),
               "standard": lambda v: Standard.code == v,
               "status": lambda v: Assessment.status == AssessmentStatus(v),
               "cycle": lambda v: Assessment.cycle_id == v,
               "lgo": lambda v: Lgo.dla_code == v}
    for name, condition in filters.items():
        if query[name] is not None:
            statement = statement.where(condition(query[name]))
    return paginated(statement, query, assessment_json)


@api.operation("GET", "/assessments/<int:assessment_id>",
               summary=_l("One assessment with its answers and evidence links"),
               tag=ASSESSMENTS, response=ASSESSMENT, errors=(403,))
@login_required_only
def show_assessment(assessment_id: int):
    assessment = get_assessment_for(_me(), assessment_id, with_answers=True)
    body = assessment_json(assessment)
    body.update({"area_tags": list(assessment.area_tags or ()),
                 "responses": [services.response_payload(r) for r in assessment.responses],
                 "evidence_links": [link_json(link) for link in services.live_links(assessment)]})
    return jsonify(body)


# -- The LGO's answers and evidence links -------------------------------------------------------

def json_body() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise Invalid(_l("Send a JSON object (Content-Type: application/json)."))
    return body


def _editable(assessment_id: int) -> Assessment:
    assessment = get_assessment_for(_me(), assessment_id, with_answers=True)
    if not policies.can_edit(_me(), assessment):
        raise Forbidden(_l("Only the LGO's own staff may change its assessment."))
    return assessment


def _effective(assessment: Assessment, code: str):
    edition = services.edition_of(assessment)
    criterion = edition.criterion(code)
    if criterion is None:
        raise NotFound(_l("Unknown criterion %(code)s.", code=code))
    return edition.effective(criterion, assessment.lgo_type, assessment.area_tags or ())


def _stored_conflict(assessment_id: int, code: str) -> Conflict:
    stored = db.session.scalars(select(Response).where(
        Response.assessment_id == assessment_id, Response.criterion_code == code)).first()
    return Conflict(_l("Someone else saved this criterion since you read it. Compare, then "
                       "send again with the current version."),
                    current=services.response_payload(stored) if stored else None)


@api.operation("PUT", "/assessments/<int:assessment_id>/responses/<criterion_code>",
               summary=_l("Save the LGO's answer to one criterion"), tag=ASSESSMENTS,
               description=_l("For the LGO's editors and executives, while the assessment is a "
                              "draft or returned (or, under an evidence request, for the "
                              "criteria it names). Send the ``version`` you last read: if "
                              "someone saved since, the answer is 409 and the problem's "
                              "``current`` holds what is stored, with its version."),
               body=ANSWER_BODY, response=RESPONSE, errors=(409,),
               example_body={"version": 3, "level": 2, "narrative": "แผนพัฒนาท้องถิ่น 2566–2570"})
@require(Permission.EDIT_ASSESSMENT)
def save_response(assessment_id: int, criterion_code: str):
    assessment = _editable(assessment_id)
    effective = _effective(assessment, criterion_code)
    body = json_body()
    if "version" not in body or isinstance(body["version"], bool):
        raise Invalid(_l("Send the version you last read (null for a criterion never "
                         "answered)."))
    version = forms.expected_version(body["version"])
    data = forms.answer_from_json(effective.scoring, body)
    try:
        response = services.save_response(assessment, criterion_code, data,
                                          expected_version=version, actor=_me())
        payload = services.response_payload(response)
        db.session.commit()
    except (IntegrityError, StaleDataError):
        db.session.rollback()
        raise _stored_conflict(assessment_id, criterion_code) from None
    return jsonify(payload)


@api.operation("POST", "/assessments/<int:assessment_id>/responses/<criterion_code>/evidence",
               summary=_l("Cite an evidence item for one criterion"), tag=ASSESSMENTS,
               description=_l("The item must be in the LGO's evidence library for the cycle's "
                              "fiscal year. Citing it twice changes nothing."),
               body=LINK_BODY, response=EVIDENCE_LINK, status=201,
               example_body={"evidence_id": 42})
@require(Permission.EDIT_ASSESSMENT)
def link_evidence(assessment_id: int, criterion_code: str):
    assessment = _editable(assessment_id)
    body = json_body()
    item_id = body.get("evidence_id")
    if isinstance(item_id, bool) or not isinstance(item_id, int) or not 0 < item_id < 2**31:
        raise Invalid(_l("Give the id of an item of the evidence library."))
    link = services.link_evidence(assessment, criterion_code, item_id, actor=_me())
    payload = link_json(link)
    db.session.commit()
    return jsonify(payload), 201


@api.operation("DELETE",
               "/assessments/<int:assessment_id>/responses/<criterion_code>/evidence/"
               "<int:evidence_id>",
               summary=_l("Stop citing an evidence item for one criterion"), tag=ASSESSMENTS,
               description=_l("The item stays in the library."), status=204)
@require(Permission.EDIT_ASSESSMENT)
def unlink_evidence(assessment_id: int, criterion_code: str, evidence_id: int):
    assessment = _editable(assessment_id)
    services.unlink_evidence(assessment, criterion_code, evidence_id, actor=_me())
    db.session.commit()
    return "", 204


# -- An assessor's own scores -------------------------------------------------------------------

def score_json(score) -> dict:
    return {"criterion_code": score.criterion_code, "level": score.level,
            "checked": score.checked, "value": score.value, "yes": score.yes,
            "is_not_applicable": score.is_not_applicable, "comment": score.comment or "",
            "evidence_checked": bool(score.evidence_checked),
            "updated_at": _iso(score.updated_at)}


def _assigned(assessment_id: int) -> Assessment:
    assessment = get_assessment_for(_me(), assessment_id)
    if not policies.is_assigned(_me(), assessment):
        raise Forbidden(_l("Only the assessors assigned to this assessment score it."))
    return assessment


@api.operation("GET", "/assessments/<int:assessment_id>/scores",
               summary=_l("Your own scores of an assessment"), tag=ASSESSMENTS,
               description=_l("For an assessor assigned to the assessment: the scores you gave, "
                              "never the others' (the review keeps them independent)."),
               response=SCORES)
@require(Permission.SCORE_ASSESSMENT)
def list_scores(assessment_id: int):
    from lgo_assess.review import services as review
    assessment = _assigned(assessment_id)
    scores = review.own_scores(assessment, _me())
    assignment = review.policies.active_assignment(_me(), assessment)
    return jsonify({"items": [score_json(scores[code]) for code in sorted(scores)],
                    "submitted": bool(assignment and assignment.has_submitted)})


@api.operation("PUT", "/assessments/<int:assessment_id>/scores/<criterion_code>",
               summary=_l("Save your score of one criterion"), tag=ASSESSMENTS,
               description=_l("For an assessor assigned to the assessment while it is under "
                              "review, until you submit your scores (on the review pages)."),
               body=SCORE_BODY, response=SCORE, errors=(409,),
               example_body={"level": 3, "comment": "ตรวจแผนแล้ว ครบถ้วน",
                             "evidence_checked": True})
@require(Permission.SCORE_ASSESSMENT)
def save_score(assessment_id: int, criterion_code: str):
    from lgo_assess.review import services as review
    assessment = _assigned(assessment_id)
    effective = _effective(assessment, criterion_code)
    body = json_body()
    data = forms.answer_from_json(effective.scoring, body)
    comment = body.get("comment", "")
    if not isinstance(comment, str) or len(comment) > 5000:
        raise Invalid(_l("The comment must be text of at most %(n)s characters.", n=5000))
    checked = data.get("checked")
    answer = scoring.Answer(level=data.get("level"), value=data.get("value"),
                            yes=data.get("yes"),
                            checked=frozenset(checked) if checked is not None else None,
                            not_applicable=bool(body.get("is_not_applicable")))
    given = review.ScoreInput(answer=answer, comment=comment,
                              evidence_checked=bool(body.get("evidence_checked")))
    review.save_scores(assessment, {criterion_code: given}, actor=_me())
    payload = score_json(review.own_scores(assessment, _me())[criterion_code])
    db.session.commit()
    return jsonify(payload)
