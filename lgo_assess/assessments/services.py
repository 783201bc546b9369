"""Assessment services: the only code that writes cycles, assessments and responses.

Services flush and never commit; each records an audit event and raises a ``DomainError`` with a
translatable message when a rule refuses the action.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lgo_assess.assessments import policies, scoring
from lgo_assess.assessments.models import (Assessment, AssessmentSnapshot, Cycle,
                                           CycleExtension, EvidenceLink, Response, StatusChange)
from lgo_assess.assessments.states import AssessmentStatus, Transition, find_transition
from lgo_assess.core.audit import record
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.errors import Conflict, Forbidden, Invalid, NotFound
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.criteria.edition import Edition
from lgo_assess.criteria.models import StandardEdition
from lgo_assess.registry.models import Lgo


# -- Cycles -------------------------------------------------------------------------------------

def open_cycle(edition_row, fiscal_year: int, *, opens_on: date, self_assessment_due: date,
               review_due: date, decision_due: date, actor) -> Cycle:
    """Open ``edition_row`` (a published StandardEdition) for ``fiscal_year``."""
    if edition_row.status != "published":
        raise Invalid(_l("Only a published edition can be opened for assessment."))
    if fiscal_year not in (edition_row.fiscal_years or []):
        raise Invalid(_l("This edition does not serve fiscal year %(fy)s.", fy=fiscal_year))
    if not opens_on <= self_assessment_due <= review_due <= decision_due:
        raise Invalid(_l("The dates must be in order: opening, self-assessment deadline, review "
                         "deadline, decision deadline."))
    exists = db.session.execute(select(Cycle.id).where(
        Cycle.edition_id == edition_row.id, Cycle.fiscal_year == fiscal_year)).first()
    if exists:
        raise Conflict(_l("A cycle for this edition and fiscal year is already open."))
    cycle = Cycle(edition_id=edition_row.id, fiscal_year=fiscal_year, opens_on=opens_on,
                  self_assessment_due=self_assessment_due, review_due=review_due,
                  decision_due=decision_due, created_by_id=getattr(actor, "id", None))
    db.session.add(cycle)
    db.session.flush()
    record(actor, "cycle.opened", cycle, edition_id=edition_row.id, fiscal_year=fiscal_year)
    return cycle


def extend_deadline(cycle: Cycle, lgo: Lgo, new_due: date, reason: str, *, actor
                    ) -> CycleExtension:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_l("Give the reason for the extension."))
    if new_due <= cycle.self_assessment_due:
        raise Invalid(_l("The new deadline must be after the cycle's deadline."))
    if new_due > cycle.review_due:
        raise Invalid(_l("The new deadline cannot be after the review deadline."))
    extension = next((e for e in cycle.extensions if e.lgo_id == lgo.id), None)
    if extension is None:
        extension = CycleExtension(cycle=cycle, lgo=lgo, self_assessment_due=new_due,
                                   reason=reason, granted_by_id=getattr(actor, "id", None))
        db.session.add(extension)
    else:
        extension.self_assessment_due, extension.reason = new_due, reason
    db.session.flush()
    record(actor, "cycle.deadline_extended", cycle, lgo_id=lgo.id, until=new_due.isoformat(),
           reason=reason)
    return extension


@dataclass(frozen=True)
class Window:
    """Whether an LGO may work on a cycle today, and if not, why and until or since when."""

    is_open: bool
    reason: str | None = None        # not_yet_open | closed
    opens_on: date | None = None
    closed_on: date | None = None


def window_for(cycle: Cycle, lgo_id: int, today: date | None = None) -> Window:
    today = today or today_bangkok()
    if today < cycle.opens_on:
        return Window(False, "not_yet_open", opens_on=cycle.opens_on)
    due = cycle.due_for(lgo_id)
    if today > due:
        return Window(False, "closed", closed_on=due)
    return Window(True, closed_on=due)


# -- Assessments --------------------------------------------------------------------------------

_EDITIONS: dict[tuple[int, str], Edition] = {}


def edition_key(assessment: Assessment) -> tuple[int, str]:
    """What names the assessment's pinned edition's content: editions are immutable once
    published, and the content hash tells drafts apart."""
    return (assessment.edition.id, assessment.edition.content_hash)


def edition_of(assessment: Assessment) -> Edition:
    """The assessment's pinned edition as typed objects, built once per process."""
    key = edition_key(assessment)
    row = assessment.edition
    edition = _EDITIONS.get(key)
    if edition is None:
        if len(_EDITIONS) > 64:
            _EDITIONS.clear()
        edition = _EDITIONS[key] = row.to_edition()
    return edition


def start_assessment(cycle: Cycle, lgo: Lgo, *, actor, today: date | None = None,
                     copy_from: Assessment | None = None) -> Assessment:
    """Open the LGO's assessment in ``cycle``. ``copy_from`` (last year's assessment of the same
    standard) copies answers and narratives, never review results."""
    lgo_type = lgo.type_in(cycle.fiscal_year)
    if lgo_type is None or not lgo.is_active_in(cycle.fiscal_year):
        raise Invalid(_l("This LGO is not in the registry for fiscal year %(fy)s.",
                         fy=cycle.fiscal_year))
    if not window_for(cycle, lgo.id, today).is_open:
        raise Forbidden(_l("The cycle is not open for self-assessment."))
    if copy_from is not None and copy_from.lgo_id != lgo.id:
        raise Forbidden(_l("Answers can only be copied from the same LGO's assessment."))
    existing = db.session.execute(select(Assessment).where(
        Assessment.cycle_id == cycle.id, Assessment.lgo_id == lgo.id)).scalar_one_or_none()
    if existing is not None:
        return existing
    assessment = Assessment(cycle=cycle, lgo=lgo, edition_id=cycle.edition_id,
                            lgo_type=lgo_type, area_tags=sorted(lgo.area_tag_codes))
    db.session.add(assessment)
    db.session.flush()
    if copy_from is not None:
        _copy_answers(copy_from, assessment, actor=actor)
    _refresh_summary(assessment)
    record(actor, "assessment.started", assessment, cycle_id=cycle.id, lgo_id=lgo.id,
           copied_from=getattr(copy_from, "id", None))
    return assessment


def _copy_answers(source: Assessment, target: Assessment, *, actor) -> None:
    edition = edition_of(target)
    target.started_from_id = source.id
    for old in source.responses:
        if edition.criterion(old.criterion_code) is None:
            continue  # the criterion is gone from the new edition
        target.responses.append(Response(
            criterion_code=old.criterion_code, level=old.level, checked=old.checked,
            value=old.value, yes=old.yes, is_not_applicable=old.is_not_applicable,
            not_applicable_reason=old.not_applicable_reason, narrative=old.narrative,
            updated_by_id=getattr(actor, "id", None)))
    db.session.flush()


def answers_of(assessment: Assessment) -> dict[str, scoring.Answer]:
    return {r.criterion_code: response_answer(r) for r in assessment.responses}


def response_answer(response: Response) -> scoring.Answer:
    return scoring.Answer(
        level=response.level,
        checked=frozenset(response.checked) if response.checked is not None else None,
        value=response.value, yes=response.yes, not_applicable=response.is_not_applicable)


def score_card(assessment: Assessment) -> scoring.ScoreCard:
    return scoring.score(edition_of(assessment), assessment.lgo_type, assessment.area_tags or (),
                         answers_of(assessment))


def _refresh_summary(assessment: Assessment) -> scoring.ScoreCard:
    card = score_card(assessment)
    assessment.self_score_percent = round(card.overall_percent, 4)
    assessment.self_result_code = card.result_level.code if card.result_level else None
    assessment.answered_count = card.answered_count
    assessment.applicable_count = card.applicable_count
    return card


ANSWER_FIELDS = ("level", "checked", "value", "yes", "is_not_applicable",
                 "not_applicable_reason", "narrative")


def editable_criteria(assessment: Assessment) -> set[str] | None:
    """Codes the LGO may change now: None means every criterion (draft or returned); under an
    evidence request only the criteria it names; otherwise none."""
    if assessment.status.lgo_can_edit:
        return None
    if assessment.status == AssessmentStatus.EVIDENCE_REQUESTED:
        return set(_open_request_codes(assessment))
    return set()


# Hooks filled by later packages (review adds "criteria under an open evidence request").
OPEN_REQUEST_PROVIDERS: list = []


def _open_request_codes(assessment: Assessment) -> list[str]:
    codes: list[str] = []
    for provider in OPEN_REQUEST_PROVIDERS:
        codes.extend(provider(assessment))
    return codes


def check_can_edit(assessment: Assessment, criterion_code: str, *, today: date | None = None
                   ) -> None:
    allowed = editable_criteria(assessment)
    if allowed is not None and criterion_code not in allowed:
        raise Forbidden(_l("This assessment is %(status)s; its answers cannot be changed now.",
                           status=assessment.status.title))
    if allowed is None and not window_for(assessment.cycle, assessment.lgo_id, today).is_open:
        raise Forbidden(_l("The self-assessment period of this cycle is over."))


def save_response(assessment: Assessment, criterion_code: str, data: dict, *,
                  expected_version: int | None, actor, today: date | None = None) -> Response:
    """Save one criterion's answer. ``expected_version`` is the version the user's page loaded
    (None for a criterion never saved). If someone saved in between, a ``Conflict`` carries the
    stored answer so the page can show both versions."""
    if not policies.can_edit(actor, assessment):
        raise Forbidden(_l("Only the LGO's own staff may answer its assessment."))
    edition = edition_of(assessment)
    criterion = edition.criterion(criterion_code)
    if criterion is None:
        raise Invalid(_l("Unknown criterion %(code)s.", code=criterion_code))
    check_can_edit(assessment, criterion_code, today=today)
    response = assessment.response_for(criterion_code)
    current_version = response.version if response is not None else None
    if current_version != expected_version:
        raise Conflict(_l("Someone else saved this criterion after you opened it. Compare both "
                          "versions and save again."),
                       current=response_payload(response) if response else None)
    if response is None:
        response = Response(criterion_code=criterion_code)
        assessment.responses.append(response)
    for name in ANSWER_FIELDS:
        if name in data:
            setattr(response, name, data[name])
    if response.is_not_applicable and not (response.not_applicable_reason or "").strip():
        raise Invalid(_l("Say why the criterion does not apply."))
    if not response.is_not_applicable:
        response.not_applicable_reason = None
    effective = edition.effective(criterion, assessment.lgo_type, assessment.area_tags or ())
    if not effective.applicable:
        raise Invalid(_l("This criterion does not apply to this LGO."))
    try:
        scoring.answer_fraction(effective, response_answer(response)) \
            if not response.is_not_applicable else None
    except scoring.AnswerError as error:
        raise Invalid(_l("The answer does not fit this criterion: %(why)s", why=str(error)))
    if response.is_not_applicable and not effective.na_allowed:
        raise Invalid(_l("This criterion cannot be marked as not applicable."))
    response.updated_at = utcnow()
    response.updated_by_id = getattr(actor, "id", None)
    db.session.flush()
    record(actor, "response.saved", assessment, criterion=criterion_code,
           version=response.version)
    return response


def response_payload(response: Response) -> dict:
    return {
        "criterion_code": response.criterion_code,
        "level": response.level,
        "checked": response.checked,
        "value": response.value,
        "yes": response.yes,
        "is_not_applicable": response.is_not_applicable,
        "not_applicable_reason": response.not_applicable_reason,
        "narrative": response.narrative,
        "version": response.version,
        "updated_at": response.updated_at.isoformat() if response.updated_at else None,
        "updated_by": response.updated_by.display_name if response.updated_by else None,
    }


# -- Workflow -----------------------------------------------------------------------------------

# Checks that later packages add: (transition, assessment, actor) → raise DomainError to refuse.
TRANSITION_GUARDS: list = []
# Work done after a transition (notifications, KPI summaries…): (transition, assessment, actor).
TRANSITION_LISTENERS: list = []


def transition(assessment: Assessment, target: AssessmentStatus, *, actor,
               reason: str | None = None) -> Transition:
    """Move an assessment along the transition table, or refuse. The one place status changes."""
    move = find_transition(assessment.status, target)
    if move is None:
        raise Invalid(_l("An assessment that is %(source)s cannot become %(target)s.",
                         source=assessment.status.title, target=target.title))
    if not policies.acts_as(actor, move.actor, assessment):
        raise Forbidden(_l("You may not make this change to the assessment."))
    reason = (reason or "").strip() or None
    if move.needs_reason and not reason:
        raise Invalid(_l("Give a reason."))
    for guard in TRANSITION_GUARDS:
        guard(move, assessment, actor)
    source = assessment.status
    assessment.status = target
    assessment.updated_at = utcnow()
    db.session.add(StatusChange(assessment_id=assessment.id, from_status=source, to_status=target,
                                transition=move.name, actor_id=getattr(actor, "id", None),
                                reason=reason))
    db.session.flush()
    record(actor, f"assessment.{move.name}", assessment, source=source.value,
           target=target.value, reason=reason)
    for listener in TRANSITION_LISTENERS:
        listener(move, assessment, actor)
    return move


# Completeness checks that later packages add (evidence: required evidence attached):
# (assessment, effective criteria) → list of Missing.
COMPLETENESS_CHECKS: list = []


@dataclass(frozen=True)
class Missing:
    criterion_code: str
    what: str                     # unanswered | evidence | narrative
    detail: str | None = None


def completeness(assessment: Assessment) -> list[Missing]:
    """Exactly what stops the assessment from being submitted."""
    edition = edition_of(assessment)
    effective = [e for e in edition.criteria_for(assessment.lgo_type, assessment.area_tags or ())
                 if e.applicable]
    responses = {r.criterion_code: r for r in assessment.responses}
    missing = [Missing(e.code, "unanswered") for e in effective
               if not (responses.get(e.code) and responses[e.code].is_answered)]
    for check in COMPLETENESS_CHECKS:
        missing.extend(check(assessment, effective))
    return missing


def snapshot(assessment: Assessment, kind: str, *, actor, extra: dict | None = None
             ) -> AssessmentSnapshot:
    """Freeze the answers, the score and the edition's content hash."""
    card = _refresh_summary(assessment)
    payload = {
        "assessment_id": assessment.id,
        "edition_id": assessment.edition_id,
        "edition_sha256": assessment.edition.content_hash,
        "lgo_id": assessment.lgo_id,
        "lgo_type": assessment.lgo_type.value,
        "area_tags": list(assessment.area_tags or ()),
        "responses": [response_payload(r) for r in assessment.responses],
        "score": {"overall_percent": card.overall_percent,
                  "result_level": card.result_level.code if card.result_level else None,
                  "sections": {s.code: s.percent for s in card.sections}},
        **(extra or {}),
    }
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    snap = AssessmentSnapshot(assessment_id=assessment.id, kind=kind, payload=json.loads(canonical),
                              payload_sha256=hashlib.sha256(canonical.encode()).hexdigest(),
                              taken_by_id=getattr(actor, "id", None))
    db.session.add(snap)
    db.session.flush()
    return snap


SNAPSHOT_EXTRAS: list = []   # (assessment) → dict merged into the snapshot (evidence hashes…)


def submit(assessment: Assessment, *, actor, today: date | None = None) -> AssessmentSnapshot:
    """The LGO executive submits: refused while anything is missing; freezes a snapshot."""
    missing = completeness(assessment)
    if missing:
        raise Invalid(_l("The assessment is not complete: %(n)s items are missing.",
                         n=len(missing)), missing=[m.__dict__ for m in missing])
    if assessment.status == AssessmentStatus.DRAFT and not window_for(
            assessment.cycle, assessment.lgo_id, today).is_open:
        raise Forbidden(_l("The self-assessment period of this cycle is over."))
    target = AssessmentStatus.SUBMITTED
    assessment.submitted_at = utcnow()
    assessment.submitted_by_id = actor.id
    transition(assessment, target, actor=actor)
    extra: dict = {}
    for provider in SNAPSHOT_EXTRAS:
        extra.update(provider(assessment))
    return snapshot(assessment, "submission", actor=actor, extra=extra)


# -- Evidence links -----------------------------------------------------------------------------
# The evidence package owns the items (files and links in an LGO's library for a fiscal year);
# an ``EvidenceLink`` cites one item for one criterion. Imports of the evidence package stay
# inside functions: it builds on this module, and its hooks are installed by
# ``install_evidence_hooks`` when the app registers the assessments blueprint.

MAX_ID = 2**31 - 1   # ids are 32-bit: a larger one names nothing and must not reach SQL


def _evidence_item_class():
    from lgo_assess.evidence.models import EvidenceItem
    return EvidenceItem


def _check_criterion_open(assessment: Assessment, criterion_code: str, *, actor,
                          today: date | None) -> None:
    if not policies.can_edit(actor, assessment):
        raise Forbidden(_l("Only the LGO's own staff may change its assessment."))
    edition = edition_of(assessment)
    criterion = edition.criterion(criterion_code)
    if criterion is None:
        raise NotFound(_l("Unknown criterion %(code)s.", code=criterion_code))
    if not edition.effective(criterion, assessment.lgo_type,
                             assessment.area_tags or ()).applicable:
        raise Invalid(_l("This criterion does not apply to this LGO."))
    check_can_edit(assessment, criterion_code, today=today)


def link_evidence(assessment: Assessment, criterion_code: str, item_id: int, *, actor,
                  today: date | None = None) -> EvidenceLink:
    """Cite an item of the LGO's library (same LGO, same fiscal year) for one criterion.
    Linking an item twice to the same criterion changes nothing."""
    _check_criterion_open(assessment, criterion_code, actor=actor, today=today)
    valid_id = type(item_id) is int and 0 < item_id <= MAX_ID
    item = db.session.get(_evidence_item_class(), item_id) if valid_id else None
    if item is None or item.is_deleted:
        raise NotFound(_l("This evidence item is not in the library."))
    if item.lgo_id != assessment.lgo_id or item.fiscal_year != assessment.cycle.fiscal_year:
        raise Forbidden(_l("Only items of this LGO's evidence library for fiscal year %(fy)s "
                           "can be cited here.", fy=assessment.cycle.fiscal_year))
    for link in assessment.evidence_links:
        if link.criterion_code == criterion_code and link.evidence_item_id == item.id:
            return link
    link = EvidenceLink(assessment_id=assessment.id, criterion_code=criterion_code,
                        evidence_item_id=item.id, item=item,
                        linked_by_id=getattr(actor, "id", None), linked_at=utcnow())
    assessment.evidence_links.append(link)
    db.session.flush()
    record(actor, "evidence.linked", assessment, criterion=criterion_code,
           evidence_item_id=item.id)
    return link


def unlink_evidence(assessment: Assessment, criterion_code: str, item_id: int, *, actor,
                    today: date | None = None) -> None:
    """Stop citing an item for one criterion (the item stays in the library)."""
    _check_criterion_open(assessment, criterion_code, actor=actor, today=today)
    link = next((link for link in assessment.evidence_links
                 if link.criterion_code == criterion_code and link.evidence_item_id == item_id),
                None)
    if link is None:
        raise NotFound(_l("This item is not cited for this criterion."))
    assessment.evidence_links.remove(link)
    db.session.flush()
    record(actor, "evidence.unlinked", assessment, criterion=criterion_code,
           evidence_item_id=item_id)


def _is_photo(item) -> bool:
    return item.is_file and (item.content_type or "").startswith("image/")


# Which library items meet an expected kind of evidence, most specific kind first, so that a
# photo is not used up by a "document" when a "photo" is also required.
EVIDENCE_KIND_MATCHES = {
    "url": lambda item: not item.is_file,
    "photo": _is_photo,
    "document": lambda item: item.is_file,
    "system_record": lambda item: True,
}
_KIND_ORDER = ("url", "photo", "document", "system_record")


def live_links(assessment: Assessment) -> list[EvidenceLink]:
    """The links whose item is still in the library."""
    return [link for link in assessment.evidence_links if not link.item.is_deleted]


def missing_evidence(assessment: Assessment, effective=None) -> dict[str, list]:
    """Required evidence with no matching item cited, by criterion code: each required
    expectation needs its own item of a fitting kind (a ``url`` expectation a link, a ``photo``
    an image file, a ``document`` a file, a ``system_record`` anything)."""
    if effective is None:
        effective = [e for e in edition_of(assessment).criteria_for(
            assessment.lgo_type, assessment.area_tags or ()) if e.applicable]
    items: dict[str, list] = {}
    for link in live_links(assessment):
        items.setdefault(link.criterion_code, []).append(link.item)
    missing: dict[str, list] = {}
    for eff in effective:
        required = [e for e in eff.evidence if e.required]
        if not required:
            continue
        free = list(items.get(eff.code, ()))
        for expectation in sorted(required, key=lambda e: _KIND_ORDER.index(e.kind)
                                  if e.kind in _KIND_ORDER else len(_KIND_ORDER)):
            fits = EVIDENCE_KIND_MATCHES.get(expectation.kind, lambda item: True)
            match = next((item for item in free if fits(item)), None)
            if match is None:
                missing.setdefault(eff.code, []).append(expectation)
            else:
                free.remove(match)
    return missing


def _required_evidence_check(assessment: Assessment, effective) -> list[Missing]:
    return [Missing(code, "evidence", expectation.kind)
            for code, expectations in missing_evidence(assessment, effective).items()
            for expectation in expectations]


def _evidence_snapshot(assessment: Assessment) -> dict:
    """Every cited item per criterion, with the SHA-256 of each file, frozen at submission."""
    cited: dict[str, list] = {}
    for link in sorted(live_links(assessment),
                       key=lambda l: (l.criterion_code, l.evidence_item_id)):
        item = link.item
        cited.setdefault(link.criterion_code, []).append({
            "evidence_item_id": item.id, "kind": str(item.kind.value), "title": item.title,
            "sha256": item.sha256, "url": item.url,
            "size_bytes": item.size_bytes})
    return {"evidence": cited}


COMPLETENESS_CHECKS.append(_required_evidence_check)
SNAPSHOT_EXTRAS.append(_evidence_snapshot)

# Statuses in which the LGO still owns its answers: evidence cited only by assessments in these
# states may be deleted from the library.
_OPEN_STATUSES = (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED, AssessmentStatus.WITHDRAWN)


def citing_assessments(item) -> list[tuple[Assessment, str]]:
    """(assessment, criterion code) for every citation of ``item``."""
    rows = db.session.execute(
        select(Assessment, EvidenceLink.criterion_code)
        .join(EvidenceLink, EvidenceLink.assessment_id == Assessment.id)
        .where(EvidenceLink.evidence_item_id == item.id)
        .options(joinedload(Assessment.edition).defer(StandardEdition.document)
                 .joinedload(StandardEdition.standard))
        .order_by(Assessment.id, EvidenceLink.criterion_code)).all()
    return [(assessment, code) for assessment, code in rows]


def refuse_deleting_cited_evidence(item) -> str | None:
    """Evidence DELETION_GUARD: an item cited by a submitted (or later) assessment stays."""
    for assessment, code in citing_assessments(item):
        if assessment.status not in _OPEN_STATUSES:
            return str(_l("This item is cited by a submitted assessment (%(standard)s, "
                          "criterion %(code)s, %(status)s): it cannot be deleted.",
                          standard=assessment.edition.label, code=code,
                          status=assessment.status.title))
    return None


def install_evidence_hooks() -> None:
    """Register the assessments' guard with the evidence package (idempotent)."""
    from lgo_assess.evidence import services as evidence_services
    if refuse_deleting_cited_evidence not in evidence_services.DELETION_GUARDS:
        evidence_services.DELETION_GUARDS.append(refuse_deleting_cited_evidence)


# -- Starting from last year's assessment, evidence included -----------------------------------

def start_assessment_from(cycle: Cycle, lgo: Lgo, *, actor, copy_from: Assessment | None = None,
                          today: date | None = None) -> Assessment:
    """``start_assessment``, and when it copies last year's answers, its evidence links too.
    An item of an earlier fiscal year is carried into this year's library first (the same
    stored file, never uploaded again); review results are never copied."""
    existing = db.session.execute(select(Assessment).where(
        Assessment.cycle_id == cycle.id, Assessment.lgo_id == lgo.id)).scalar_one_or_none()
    if existing is not None:
        return existing
    if copy_from is not None:
        same_standard = (copy_from.edition.standard_id == cycle.edition.standard_id)
        if not same_standard:
            raise Invalid(_l("Answers can only be copied from an assessment of the same "
                             "standard."))
    assessment = start_assessment(cycle, lgo, actor=actor, today=today, copy_from=copy_from)
    if copy_from is not None:
        _copy_links(copy_from, assessment, actor=actor)
    return assessment


def _copy_links(source: Assessment, target: Assessment, *, actor) -> None:
    edition = edition_of(target)
    fiscal_year = target.cycle.fiscal_year
    carried: dict[int, object] = {}
    copied = 0
    for link in live_links(source):
        if edition.criterion(link.criterion_code) is None:
            continue
        item = link.item
        if item.fiscal_year != fiscal_year:
            if item.id not in carried:
                carried[item.id] = _item_in_year(item, fiscal_year, actor=actor)
            item = carried[item.id]
        if any(l.criterion_code == link.criterion_code and l.evidence_item_id == item.id
               for l in target.evidence_links):
            continue
        target.evidence_links.append(EvidenceLink(
            assessment_id=target.id, criterion_code=link.criterion_code,
            evidence_item_id=item.id, item=item, linked_by_id=getattr(actor, "id", None),
            linked_at=utcnow()))
        copied += 1
    db.session.flush()
    if copied:
        record(actor, "evidence.links_copied", target, source_assessment_id=source.id,
               links=copied, items_carried_forward=len(carried))


def _item_in_year(item, fiscal_year: int, *, actor):
    """The same evidence in the LGO's library for ``fiscal_year``: an item there with the same
    content (or address), or a new item pointing at the same stored file."""
    EvidenceItem = _evidence_item_class()
    same = (EvidenceItem.sha256 == item.sha256) if item.is_file else (
        EvidenceItem.url == item.url)
    found = db.session.execute(select(EvidenceItem).where(
        EvidenceItem.lgo_id == item.lgo_id, EvidenceItem.fiscal_year == fiscal_year,
        EvidenceItem.deleted_at.is_(None), same).order_by(EvidenceItem.id).limit(1)
    ).scalar_one_or_none()
    if found is not None:
        return found
    copy = EvidenceItem(
        lgo_id=item.lgo_id, fiscal_year=fiscal_year, kind=item.kind, title=item.title,
        description=item.description, sha256=item.sha256,
        original_filename=item.original_filename, content_type=item.content_type,
        size_bytes=item.size_bytes, url=item.url, accessed_on=item.accessed_on, note=item.note,
        uploaded_by_id=actor.id, created_at=utcnow())
    db.session.add(copy)
    db.session.flush()
    record(actor, "evidence.carried_forward", copy, from_item_id=item.id,
           fiscal_year=fiscal_year, sha256=item.sha256, url=item.url)
    return copy


def library_items(assessment: Assessment) -> list:
    """The items of the LGO's evidence library for the assessment's fiscal year, newest first."""
    from lgo_assess.evidence import queries as evidence_queries
    return list(db.session.scalars(evidence_queries.library_query(
        assessment.lgo_id, assessment.cycle.fiscal_year)))
