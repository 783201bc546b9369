"""Review services: the only code that writes assignments, scores, evidence requests, site visits
and recommendations. Each flushes, records an audit event and raises a ``DomainError`` when a
rule refuses; workflow moves go through ``assessments.services.transition``.

The review in order:
1. the province's officer screens a submitted assessment: ``accept`` or ``return_to_lgo``;
2. the officer assigns a team (``assign_team``): a lead and members, each checked against the
   cycle's conflict-of-interest rules (``conflicts_of``); the lead's assignment moves the
   assessment accepted → in_review;
3. each member scores every criterion alone (``save_scores``, ``submit_scoring``);
4. the lead sees the scores side by side (``comparison``), asks for more evidence where needed
   (``request_evidence``; the LGO answers with ``answer_requests``), visits on site
   (``schedule_visit``, ``record_findings``) and records the consensus (``record_consensus``);
5. the lead completes the review (``complete_review``) and recommends (``recommend``); the final
   score is ``scoring.score`` on the consensus answers (``final_score``).

``scorers_of`` names everyone who scored an assessment: a transition guard refuses them the
DLA decision on it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, union
from sqlalchemy.orm import joinedload, selectinload

from lgo_assess.accounts.models import RoleGrant, User
from lgo_assess.assessments import scoring
from lgo_assess.assessments import services as assessments
from lgo_assess.assessments.models import Assessment, AssessmentSnapshot, Cycle, StatusChange
from lgo_assess.assessments.states import AssessmentStatus
from lgo_assess.core.audit import record
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.errors import Conflict, Forbidden, Invalid
from lgo_assess.core.security import Role
from lgo_assess.core.thaidate import today_bangkok
from lgo_assess.criteria.edition import EffectiveCriterion
from lgo_assess.review import comparison as compare
from lgo_assess.review import diff as diffs
from lgo_assess.review import policies
from lgo_assess.review.calibration import CalibrationReport, Observation, calibrate
from lgo_assess.review.models import (AssessorScore, Assignment, AssignmentRole, ConsensusScore,
                                      EvidenceRequest, EvidenceRequestStatus, Recommendation,
                                      RecommendationOutcome, ReviewSettings, SiteVisit,
                                      SiteVisitFinding, SiteVisitStatus)

S = AssessmentStatus
OPEN_WORK_STATES = (S.IN_REVIEW, S.EVIDENCE_REQUESTED, S.REVIEWED)


def _actor_id(actor) -> int | None:
    return getattr(actor, "id", None)


# -- Settings -----------------------------------------------------------------------------------

DEFAULTS = {"block_same_district": True, "block_same_province": False, "min_team_size": 1}


def settings_for(cycle: Cycle) -> ReviewSettings:
    """The cycle's review settings, or (unsaved) defaults when DLA set none."""
    found = db.session.execute(select(ReviewSettings).where(
        ReviewSettings.cycle_id == cycle.id)).scalar_one_or_none()
    return found or ReviewSettings(cycle_id=cycle.id, **DEFAULTS)


def save_settings(cycle: Cycle, *, block_same_district: bool, block_same_province: bool,
                  min_team_size: int, actor) -> ReviewSettings:
    if not policies.can_manage_settings(actor):
        raise Forbidden(_l("Only DLA administrators set the review rules of a cycle."))
    if not 1 <= min_team_size <= 9:
        raise Invalid(_l("A team has between 1 and 9 assessors."))
    settings = settings_for(cycle)
    if settings.id is None:
        db.session.add(settings)
    settings.block_same_district = bool(block_same_district)
    settings.block_same_province = bool(block_same_province)
    settings.min_team_size = min_team_size
    settings.updated_at = utcnow()
    settings.updated_by_id = _actor_id(actor)
    db.session.flush()
    record(actor, "review.settings_saved", cycle, block_same_district=block_same_district,
           block_same_province=block_same_province, min_team_size=min_team_size)
    return settings


# -- Screening ----------------------------------------------------------------------------------

def accept(assessment: Assessment, *, actor) -> None:
    """The province's officer accepts a submitted assessment for review."""
    assessments.transition(assessment, S.ACCEPTED, actor=actor)


def return_to_lgo(assessment: Assessment, reason: str, *, actor) -> None:
    """Send a submitted assessment back to the LGO; the LGO sees the reason."""
    if not (reason or "").strip():
        raise Invalid(_l("Say why the assessment goes back to the LGO: the LGO sees it."))
    assessments.transition(assessment, S.RETURNED, actor=actor, reason=reason)


@dataclass(frozen=True)
class BulkOutcome:
    accepted: list[Assessment]
    refused: list[tuple[Assessment, str]]


def accept_many(items: list[Assessment], *, actor) -> BulkOutcome:
    """Accept several assessments; each is judged on its own, and one refusal never stops the
    others (each refusal comes back with its reason)."""
    accepted, refused = [], []
    for assessment in items:
        savepoint = db.session.begin_nested()
        try:
            accept(assessment, actor=actor)
        except (Forbidden, Invalid, Conflict) as error:
            savepoint.rollback()
            refused.append((assessment, str(error.message)))
            continue
        savepoint.commit()
        accepted.append(assessment)
    return BulkOutcome(accepted, refused)


def return_reason(assessment: Assessment) -> str | None:
    """Why the assessment was last returned to the LGO, if it was."""
    return db.session.execute(
        select(StatusChange.reason).where(StatusChange.assessment_id == assessment.id,
                                          StatusChange.transition == "return")
        .order_by(StatusChange.id.desc()).limit(1)).scalar()


# -- Conflicts of interest ----------------------------------------------------------------------

@dataclass(frozen=True)
class ConflictOfInterest:
    code: str          # not_assessor | disabled | lgo_role | same_district | same_province
    message: str


def conflicts_of(user: User, assessment: Assessment,
                 settings: ReviewSettings | None = None) -> list[ConflictOfInterest]:
    """Why ``user`` may not review ``assessment`` (empty when they may). An assessor never
    reviews an LGO where they hold a role; by default not one in the district where they work;
    the cycle's settings may also bar their whole province."""
    settings = settings or settings_for(assessment.cycle)
    lgo = assessment.lgo
    found = []
    if not user.has_role(Role.ASSESSOR):
        found.append(ConflictOfInterest("not_assessor", str(_l(
            "%(name)s does not hold the assessor role.", name=user.display_name))))
    if not user.is_enabled:
        found.append(ConflictOfInterest("disabled", str(_l(
            "The account of %(name)s is disabled.", name=user.display_name))))
    if lgo.id in user.lgo_ids_with(Role.LGO_EDITOR, Role.LGO_EXECUTIVE):
        found.append(ConflictOfInterest("lgo_role", str(_l(
            "%(name)s holds a role in %(lgo)s: an assessor never reviews an LGO they work for.",
            name=user.display_name, lgo=lgo.name_th))))
    district = user.home_district
    if settings.block_same_district and district is not None and lgo.district_id is not None \
            and district.id == lgo.district_id:
        found.append(ConflictOfInterest("same_district", str(_l(
            "%(name)s works in the district of %(district)s, where this LGO is; this cycle does "
            "not let assessors review LGOs of their own district.",
            name=user.display_name, district=district.name_th))))
    if settings.block_same_province and district is not None \
            and district.province_id == lgo.province_id:
        found.append(ConflictOfInterest("same_province", str(_l(
            "%(name)s works in this LGO's province; this cycle does not let assessors review "
            "LGOs of their own province.", name=user.display_name))))
    return found


def _check_no_conflict(user: User, assessment: Assessment, settings: ReviewSettings) -> None:
    found = conflicts_of(user, assessment, settings)
    if found:
        raise Invalid(_l("%(name)s cannot review this assessment: %(why)s",
                         name=user.display_name, why=" ".join(c.message for c in found)),
                      conflicts=[c.code for c in found])


# -- Workload and suggestions -------------------------------------------------------------------

@dataclass
class Workload:
    assessor: User
    assignments: list[Assignment] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return len(self.assignments)

    @property
    def next_due(self) -> date | None:
        dues = [a.due_on for a in self.assignments if a.due_on is not None]
        return min(dues) if dues else None

    @property
    def lead_count(self) -> int:
        return sum(1 for a in self.assignments if a.is_lead)


def assessors() -> list[User]:
    """Enabled users holding the assessor role, by name."""
    return list(db.session.execute(
        select(User).join(RoleGrant, RoleGrant.user_id == User.id)
        .where(RoleGrant.role == Role.ASSESSOR, User.is_enabled.is_(True))
        .options(joinedload(User.home_district))
        .order_by(User.display_name, User.id).distinct()).scalars())


def workloads(users: list[User] | None = None) -> list[Workload]:
    """Open assignments (assessments under review, awaiting evidence or reviewed but not yet
    recommended) per assessor, least loaded first."""
    users = assessors() if users is None else users
    by_id = {u.id: Workload(u) for u in users}
    if by_id:
        rows = db.session.execute(
            select(Assignment).join(Assessment, Assessment.id == Assignment.assessment_id)
            .where(Assignment.assessor_id.in_(list(by_id)), Assignment.ended_at.is_(None),
                   Assessment.status.in_(OPEN_WORK_STATES))
            .options(selectinload(Assignment.assessment).selectinload(Assessment.lgo))
            .order_by(Assignment.due_on, Assignment.id)).scalars()
        for assignment in rows:
            by_id[assignment.assessor_id].assignments.append(assignment)
    return sorted(by_id.values(), key=lambda w: (w.open_count, w.next_due or date.max,
                                                 w.assessor.display_name))


@dataclass(frozen=True)
class Candidate:
    workload: Workload
    conflicts: list[ConflictOfInterest]

    @property
    def assessor(self) -> User:
        return self.workload.assessor

    @property
    def available(self) -> bool:
        return not self.conflicts


def suggest_assessors(assessment: Assessment) -> list[Candidate]:
    """Every assessor with their workload and conflicts for ``assessment``: those free of
    conflicts first, least loaded first; those with conflicts after, with the reasons."""
    settings = settings_for(assessment.cycle)
    on_team = {a.assessor_id for a in team_of(assessment)}
    candidates = [Candidate(w, conflicts_of(w.assessor, assessment, settings))
                  for w in workloads() if w.assessor.id not in on_team]
    return sorted(candidates, key=lambda c: (not c.available, c.workload.open_count,
                                             c.workload.next_due or date.max,
                                             c.assessor.display_name))


# -- Assignment ---------------------------------------------------------------------------------

def team_of(assessment: Assessment, *, include_ended: bool = False) -> list[Assignment]:
    query = select(Assignment).where(Assignment.assessment_id == assessment.id)
    if not include_ended:
        query = query.where(Assignment.ended_at.is_(None))
    rows = list(db.session.execute(query.order_by(Assignment.id)).scalars())
    return sorted(rows, key=lambda a: (a.role != AssignmentRole.LEAD, a.id))


def lead_of(assessment: Assessment) -> Assignment | None:
    return next((a for a in team_of(assessment) if a.is_lead), None)


def _add_assignment(assessment: Assessment, user: User, role: AssignmentRole, *,
                    actor) -> Assignment:
    assignment = Assignment(assessment_id=assessment.id, assessor_id=user.id, role=role,
                            assigned_by_id=_actor_id(actor), due_on=assessment.cycle.review_due)
    db.session.add(assignment)
    db.session.flush()
    record(actor, "review.assigned", assessment, assessor_id=user.id, role=role.value)
    return assignment


def assign_team(assessment: Assessment, lead: User, members: list[User] = (), *,
                actor) -> list[Assignment]:
    """Assign the lead assessor and the team of an accepted assessment and start the review
    (accepted → in_review). Refused, with the reasons, if anyone has a conflict of interest or
    the team is smaller than the cycle requires."""
    if not policies.can_assign(actor, assessment):
        raise Forbidden(_l("Only the provincial officer of this LGO's province assigns its "
                           "assessors."))
    if assessment.status != S.ACCEPTED:
        raise Invalid(_l("Only an accepted assessment gets a team; this one is %(status)s.",
                         status=assessment.status.title))
    members = [m for m in members if m.id != lead.id]
    if len({m.id for m in members}) != len(members):
        raise Invalid(_l("An assessor appears twice in the team."))
    settings = settings_for(assessment.cycle)
    team = [lead, *members]
    if len(team) < settings.min_team_size:
        raise Invalid(_l("This cycle asks for teams of at least %(n)s assessors.",
                         n=settings.min_team_size))
    problems = [c for user in team for c in conflicts_of(user, assessment, settings)]
    if problems:
        raise Invalid(_l("The team cannot be assigned: %(why)s",
                         why=" ".join(c.message for c in problems)),
                      conflicts=[c.code for c in problems])
    assignments = [_add_assignment(assessment, lead, AssignmentRole.LEAD, actor=actor)]
    assignments += [_add_assignment(assessment, m, AssignmentRole.MEMBER, actor=actor)
                    for m in members]
    assessments.transition(assessment, S.IN_REVIEW, actor=actor)
    return assignments


def add_assessor(assessment: Assessment, user: User, role: AssignmentRole, *,
                 actor) -> Assignment:
    """Add a member to a team under review, or a new lead when the lead's assignment ended."""
    if not policies.can_assign(actor, assessment):
        raise Forbidden(_l("Only the provincial officer of this LGO's province assigns its "
                           "assessors."))
    if assessment.status not in (*policies.REVIEW_STATES, S.REVIEWED):
        raise Invalid(_l("Assessors join a team while the assessment is under review."))
    if any(a.assessor_id == user.id for a in team_of(assessment)):
        raise Conflict(_l("%(name)s is already on the team.", name=user.display_name))
    if role == AssignmentRole.LEAD and lead_of(assessment) is not None:
        raise Conflict(_l("The team already has a lead assessor; end that assignment first."))
    _check_no_conflict(user, assessment, settings_for(assessment.cycle))
    return _add_assignment(assessment, user, role, actor=actor)


def end_assignment(assignment: Assignment, reason: str, *, actor) -> Assignment:
    """End an assignment: by the officer (a change of team) or by the assessor (a declared
    conflict of interest). The row and any scores stay on record."""
    if not policies.can_end_assignment(actor, assignment):
        raise Forbidden(_l("You may not end this assignment."))
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_l("Say why the assignment ends."))
    if assignment.assessment.status in policies.AFTER_REVIEW:
        raise Invalid(_l("The review is over; its team stays as it was."))
    assignment.ended_at = utcnow()
    assignment.ended_by_id = _actor_id(actor)
    assignment.ended_reason = reason
    db.session.flush()
    record(actor, "review.assignment_ended", assignment.assessment,
           assessor_id=assignment.assessor_id, role=assignment.role.value, reason=reason)
    return assignment


# -- Independent scoring ------------------------------------------------------------------------

@dataclass(frozen=True)
class ScoreInput:
    """One criterion's score as an assessor or the lead gives it."""

    answer: scoring.Answer
    comment: str = ""
    evidence_checked: bool = False


def applicable_criteria(assessment: Assessment) -> list[EffectiveCriterion]:
    edition = assessments.edition_of(assessment)
    return [e for e in edition.criteria_for(assessment.lgo_type, assessment.area_tags or ())
            if e.applicable]


def _effective(assessment: Assessment, code: str) -> EffectiveCriterion:
    effective = next((e for e in applicable_criteria(assessment) if e.code == code), None)
    if effective is None:
        raise Invalid(_l("Criterion %(code)s does not apply to this assessment.", code=code))
    return effective


def check_answer(effective: EffectiveCriterion, answer: scoring.Answer) -> float | None:
    """The fraction ``answer`` earns, or Invalid when it does not fit the criterion."""
    if answer.not_applicable:
        if not effective.na_allowed:
            raise Invalid(_l("Criterion %(code)s cannot be marked as not applicable.",
                             code=effective.code))
        return None
    try:
        fraction = scoring.answer_fraction(effective, answer)
    except scoring.AnswerError as error:
        raise Invalid(_l("The score of %(code)s does not fit the criterion: %(why)s",
                         code=effective.code, why=str(error)))
    if fraction is None:
        raise Invalid(_l("Give a score for criterion %(code)s.", code=effective.code))
    return fraction


def _set_answer(row, answer: scoring.Answer) -> None:
    row.is_not_applicable = answer.not_applicable
    row.level = None if answer.not_applicable else answer.level
    row.checked = None if answer.not_applicable or answer.checked is None \
        else sorted(answer.checked)
    row.value = None if answer.not_applicable else answer.value
    row.yes = None if answer.not_applicable else answer.yes


def row_answer(row) -> scoring.Answer:
    return scoring.Answer(level=row.level,
                          checked=frozenset(row.checked) if row.checked is not None else None,
                          value=row.value, yes=row.yes, not_applicable=row.is_not_applicable)


def _scoring_assignment(assessment: Assessment, actor) -> Assignment:
    assignment = policies.active_assignment(actor, assessment)
    if assignment is None:
        raise Forbidden(_l("Only the assessors assigned to this assessment score it."))
    if assessment.status not in policies.REVIEW_STATES:
        raise Invalid(_l("Scores are given while the assessment is under review; it is "
                         "%(status)s.", status=assessment.status.title))
    return assignment


def own_scores(assessment: Assessment, user) -> dict[str, AssessorScore]:
    return {s.criterion_code: s for s in db.session.execute(select(AssessorScore).where(
        AssessorScore.assessment_id == assessment.id,
        AssessorScore.assessor_id == user.id)).scalars()}


def save_scores(assessment: Assessment, scores: dict[str, ScoreInput], *, actor) -> int:
    """Save some of the actor's own scores (a draft until ``submit_scoring``)."""
    assignment = _scoring_assignment(assessment, actor)
    if assignment.has_submitted:
        raise Conflict(_l("You have submitted your scores; they can no longer change."))
    existing = own_scores(assessment, actor)
    for code, given in scores.items():
        check_answer(_effective(assessment, code), given.answer)
        row = existing.get(code)
        if row is None:
            row = AssessorScore(assessment_id=assessment.id, assessor_id=actor.id,
                                criterion_code=code)
            db.session.add(row)
        _set_answer(row, given.answer)
        row.comment = (given.comment or "").strip()
        row.evidence_checked = bool(given.evidence_checked)
        row.updated_at = utcnow()
    db.session.flush()
    if scores:
        record(actor, "review.scores_saved", assessment, criteria=sorted(scores))
    return len(scores)


def unscored_criteria(assessment: Assessment, user) -> list[str]:
    mine = own_scores(assessment, user)
    return [e.code for e in applicable_criteria(assessment) if e.code not in mine]


def submit_scoring(assessment: Assessment, *, actor) -> Assignment:
    """Submit the actor's own scores: every applicable criterion must be scored. From now on
    they are frozen and the actor sees the scores of the others who have submitted."""
    assignment = _scoring_assignment(assessment, actor)
    if assignment.has_submitted:
        raise Conflict(_l("You have already submitted your scores."))
    missing = unscored_criteria(assessment, actor)
    if missing:
        raise Invalid(_l("Score every criterion before submitting; still to score: "
                         "%(codes)s.", codes=", ".join(missing)), missing=missing)
    assignment.scoring_submitted_at = utcnow()
    db.session.flush()
    record(actor, "review.scoring_submitted", assessment, assignment_id=assignment.id)
    return assignment


def team_scores(assessment: Assessment, *, viewer) -> dict[int, dict[str, AssessorScore]]:
    """Assessor id → criterion → score, for the members who have submitted. Refused to anyone
    who may not see them yet (a member who has not submitted their own)."""
    if not policies.can_see_team_scores(viewer, assessment):
        raise Forbidden(_l("Submit your own scores first: the team's scores stay hidden until "
                           "you have."))
    submitted = {a.assessor_id for a in team_of(assessment, include_ended=True)
                 if a.has_submitted}
    found: dict[int, dict[str, AssessorScore]] = {}
    for row in db.session.execute(select(AssessorScore).where(
            AssessorScore.assessment_id == assessment.id,
            AssessorScore.assessor_id.in_(submitted or {-1}))).scalars():
        found.setdefault(row.assessor_id, {})[row.criterion_code] = row
    return found


@dataclass(frozen=True)
class ComparisonRow:
    effective: EffectiveCriterion
    self_answer: scoring.Answer | None
    scores: list[tuple[Assignment, AssessorScore | None]]
    divergence: compare.Divergence | None
    consensus: ConsensusScore | None


def comparison(assessment: Assessment, *, viewer) -> list[ComparisonRow]:
    """Every applicable criterion with the LGO's answer, each submitted member's score side by
    side, the divergence flag and the consensus so far."""
    scores = team_scores(assessment, viewer=viewer)
    team = [a for a in team_of(assessment, include_ended=True) if a.assessor_id in scores]
    consensus = consensus_of(assessment)
    answers = assessments.answers_of(assessment)
    rows = []
    for effective in applicable_criteria(assessment):
        given = [(a, scores[a.assessor_id].get(effective.code)) for a in team]
        rows.append(ComparisonRow(
            effective, answers.get(effective.code), given,
            compare.divergence(effective, [row_answer(s) for _a, s in given if s is not None]),
            consensus.get(effective.code)))
    return rows


# -- Consensus and the final score --------------------------------------------------------------

def consensus_of(assessment: Assessment) -> dict[str, ConsensusScore]:
    return {c.criterion_code: c for c in db.session.execute(select(ConsensusScore).where(
        ConsensusScore.assessment_id == assessment.id)).scalars()}


def _lead_assignment(assessment: Assessment, actor) -> Assignment:
    assignment = policies.active_assignment(actor, assessment)
    if assignment is None or not assignment.is_lead:
        raise Forbidden(_l("Only the lead assessor of this assessment may do this."))
    return assignment


def record_consensus(assessment: Assessment, scores: dict[str, ScoreInput], *, actor,
                     source: str = "review") -> int:
    """The lead records the team's agreed score per criterion (after submitting their own, so
    that the lead's own view was independent too)."""
    assignment = _lead_assignment(assessment, actor)
    if assessment.status not in policies.REVIEW_STATES:
        raise Invalid(_l("The consensus is recorded while the assessment is under review; it "
                         "is %(status)s.", status=assessment.status.title))
    if not assignment.has_submitted:
        raise Invalid(_l("Submit your own scores before recording the consensus."))
    existing = consensus_of(assessment)
    for code, given in scores.items():
        check_answer(_effective(assessment, code), given.answer)
        row = existing.get(code)
        if row is None:
            row = ConsensusScore(assessment_id=assessment.id, criterion_code=code)
            db.session.add(row)
        _set_answer(row, given.answer)
        row.comment = (given.comment or "").strip()
        row.lead_id = actor.id
        row.recorded_at = utcnow()
        row.source = source
    db.session.flush()
    if scores:
        record(actor, "review.consensus_recorded", assessment, criteria=sorted(scores),
               source=source)
    return len(scores)


def consensus_answers(assessment: Assessment) -> dict[str, scoring.Answer]:
    return {code: row_answer(row) for code, row in consensus_of(assessment).items()}


def final_score(assessment: Assessment) -> scoring.ScoreCard:
    """The edition's rules applied to the consensus: the score the review recommends on. Each
    ``CriterionScore.points`` / ``max_points`` says what a criterion contributed."""
    return scoring.score(assessments.edition_of(assessment), assessment.lgo_type,
                         assessment.area_tags or (), consensus_answers(assessment))


def missing_consensus(assessment: Assessment) -> list[str]:
    agreed = consensus_of(assessment)
    return [e.code for e in applicable_criteria(assessment) if e.code not in agreed]


# -- Evidence requests --------------------------------------------------------------------------

def requests_of(assessment: Assessment, *, status: EvidenceRequestStatus | None = None
                ) -> list[EvidenceRequest]:
    query = select(EvidenceRequest).where(EvidenceRequest.assessment_id == assessment.id)
    if status is not None:
        query = query.where(EvidenceRequest.status == status)
    return list(db.session.execute(query.order_by(EvidenceRequest.id)).scalars())


def open_request_codes(assessment: Assessment) -> list[str]:
    """The criteria unlocked for the LGO (registered in ``OPEN_REQUEST_PROVIDERS``)."""
    return sorted({r.criterion_code for r in requests_of(
        assessment, status=EvidenceRequestStatus.OPEN)})


def _latest_snapshot(assessment: Assessment) -> AssessmentSnapshot | None:
    return db.session.execute(select(AssessmentSnapshot).where(
        AssessmentSnapshot.assessment_id == assessment.id)
        .order_by(AssessmentSnapshot.id.desc()).limit(1)).scalar_one_or_none()


def request_evidence(assessment: Assessment, criterion_code: str, reason: str, due_on: date, *,
                     actor, today: date | None = None) -> EvidenceRequest:
    """The lead asks the LGO for more on one criterion, with a reason and a due date. That
    criterion (and only the criteria under open requests) unlocks for the LGO; the first request
    moves the assessment in_review → evidence_requested."""
    _lead_assignment(assessment, actor)
    if assessment.status not in policies.REVIEW_STATES:
        raise Invalid(_l("Evidence is requested while the assessment is under review; it is "
                         "%(status)s.", status=assessment.status.title))
    _effective(assessment, criterion_code)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_l("Say what the LGO should add: the LGO sees the reason."))
    if due_on is None:
        raise Invalid(_l("Give the date by which the LGO should answer."))
    if due_on < (today or today_bangkok()):
        raise Invalid(_l("The due date cannot be in the past."))
    if criterion_code in open_request_codes(assessment):
        raise Conflict(_l("Criterion %(code)s already has an open request.",
                          code=criterion_code))
    base = _latest_snapshot(assessment)
    request = EvidenceRequest(assessment_id=assessment.id, criterion_code=criterion_code,
                              reason=reason, due_on=due_on, requested_by_id=actor.id,
                              base_snapshot_id=base.id if base else None)
    db.session.add(request)
    db.session.flush()
    record(actor, "review.evidence_requested", assessment, criterion=criterion_code,
           due_on=due_on.isoformat(), reason=reason)
    if assessment.status == S.IN_REVIEW:
        assessments.transition(assessment, S.EVIDENCE_REQUESTED, actor=actor,
                               reason=f"{criterion_code}: {reason}")
    return request


def answer_requests(assessment: Assessment, *, actor) -> AssessmentSnapshot:
    """The LGO sends its answer back (evidence_requested → in_review). A snapshot of kind
    ``evidence_answer`` freezes what it sent; the open requests become answered."""
    if not policies.can_answer_requests(actor, assessment):
        raise Forbidden(_l("Only the LGO's own staff answer its evidence requests."))
    if assessment.status != S.EVIDENCE_REQUESTED:
        raise Invalid(_l("Nothing is asked of the LGO now; the assessment is %(status)s.",
                         status=assessment.status.title))
    open_requests = requests_of(assessment, status=EvidenceRequestStatus.OPEN)
    assessments.transition(assessment, S.IN_REVIEW, actor=actor)
    extra: dict = {}
    for provider in assessments.SNAPSHOT_EXTRAS:
        extra.update(provider(assessment))
    snap = assessments.snapshot(assessment, "evidence_answer", actor=actor, extra=extra)
    now = utcnow()
    for request in open_requests:
        request.status = EvidenceRequestStatus.ANSWERED
        request.answered_at = now
        request.answered_by_id = actor.id
        request.answer_snapshot_id = snap.id
    db.session.flush()
    record(actor, "review.evidence_answered", assessment, snapshot_id=snap.id,
           criteria=sorted(r.criterion_code for r in open_requests))
    return snap


def current_payload(assessment: Assessment) -> dict:
    """The assessment as it stands now, shaped like a snapshot payload (for the diff)."""
    extra: dict = {}
    for provider in assessments.SNAPSHOT_EXTRAS:
        extra.update(provider(assessment))
    return {"responses": [assessments.response_payload(r) for r in assessment.responses],
            **extra}


@dataclass(frozen=True)
class RequestRound:
    """One round of evidence requests: what was asked, the state it was asked of, and what the
    LGO changed since (up to its answer, or up to now while the round is open)."""

    requests: list[EvidenceRequest]
    base: AssessmentSnapshot | None
    answer: AssessmentSnapshot | None
    changes: diffs.Changes

    @property
    def is_open(self) -> bool:
        return self.answer is None


def request_rounds(assessment: Assessment) -> list[RequestRound]:
    """Every round, newest first, each with the diff the reviewer reads."""
    groups: dict[int | None, list[EvidenceRequest]] = {}
    for request in requests_of(assessment):
        groups.setdefault(request.base_snapshot_id, []).append(request)
    order = [e.code for e in assessments.edition_of(assessment).criteria]
    now = None
    rounds = []
    for base_id, requests in groups.items():
        base = db.session.get(AssessmentSnapshot, base_id) if base_id else None
        answer_id = next((r.answer_snapshot_id for r in requests if r.answer_snapshot_id), None)
        answer = db.session.get(AssessmentSnapshot, answer_id) if answer_id else None
        if answer is None:
            now = now or current_payload(assessment)
            target = now
        else:
            target = answer.payload
        changes = diffs.diff(base.payload if base else {}, target, order)
        rounds.append(RequestRound(requests, base, answer, changes))
    rounds.sort(key=lambda r: -max(req.id for req in r.requests))
    return rounds


# -- Site visits --------------------------------------------------------------------------------

def visits_of(assessment: Assessment) -> list[SiteVisit]:
    return list(db.session.execute(select(SiteVisit).where(
        SiteVisit.assessment_id == assessment.id).order_by(SiteVisit.visit_on.desc(),
                                                           SiteVisit.id.desc())).scalars())


def current_visit(assessment: Assessment) -> SiteVisit | None:
    """The visit whose findings are to be recorded (the latest not cancelled)."""
    return next((v for v in visits_of(assessment) if v.status != SiteVisitStatus.CANCELLED),
                None)


def schedule_visit(assessment: Assessment, visit_on: date, team_ids: list[int],
                   lgo_contacts: str, *, actor, today: date | None = None) -> SiteVisit:
    _lead_assignment(assessment, actor)
    if assessment.status not in policies.REVIEW_STATES:
        raise Invalid(_l("Visits are scheduled while the assessment is under review."))
    if visit_on is None or visit_on < (today or today_bangkok()):
        raise Invalid(_l("Choose a visit date from today on."))
    team = {a.assessor_id for a in team_of(assessment)}
    chosen = sorted(set(team_ids or ()) | {actor.id})
    if not set(chosen) <= team:
        raise Invalid(_l("Only members of the review team go on the visit."))
    visit = SiteVisit(assessment_id=assessment.id, visit_on=visit_on, team_ids=chosen,
                      lgo_contacts=(lgo_contacts or "").strip(), scheduled_by_id=actor.id)
    db.session.add(visit)
    db.session.flush()
    record(actor, "review.visit_scheduled", assessment, visit_id=visit.id,
           visit_on=visit_on.isoformat(), team=chosen)
    return visit


def cancel_visit(visit: SiteVisit, reason: str, *, actor) -> SiteVisit:
    assessment = db.session.get(Assessment, visit.assessment_id)
    _lead_assignment(assessment, actor)
    if visit.status != SiteVisitStatus.SCHEDULED:
        raise Invalid(_l("Only a scheduled visit can be cancelled."))
    if not (reason or "").strip():
        raise Invalid(_l("Say why the visit is cancelled."))
    visit.status = SiteVisitStatus.CANCELLED
    db.session.flush()
    record(actor, "review.visit_cancelled", assessment, visit_id=visit.id, reason=reason.strip())
    return visit


@dataclass(frozen=True)
class FindingInput:
    finding: str
    evidence_item_ids: tuple[int, ...] = ()
    score: ScoreInput | None = None      # recorded as the consensus, source "site_visit"


def _check_evidence_items(assessment: Assessment, ids) -> list[int]:
    ids = sorted({int(i) for i in ids or ()})
    if not ids:
        return []
    from lgo_assess.evidence.models import EvidenceItem
    found = {item.id: item for item in db.session.execute(
        select(EvidenceItem).where(EvidenceItem.id.in_(ids))).scalars()}
    for item_id in ids:
        item = found.get(item_id)
        if item is None or item.is_deleted or item.lgo_id != assessment.lgo_id \
                or item.fiscal_year != assessment.cycle.fiscal_year:
            raise Invalid(_l("Evidence item %(id)s is not in this LGO's library for the "
                             "cycle's fiscal year.", id=item_id))
    return ids


def record_findings(visit: SiteVisit, summary: str, findings: dict[str, FindingInput], *,
                    actor) -> SiteVisit:
    """After the visit, the lead records what the team found per criterion (with photos from
    the evidence library, by item number) and, where given, the score agreed on site."""
    assessment = db.session.get(Assessment, visit.assessment_id)
    _lead_assignment(assessment, actor)
    if visit.status == SiteVisitStatus.CANCELLED:
        raise Invalid(_l("This visit was cancelled."))
    summary = (summary or "").strip()
    if not summary:
        raise Invalid(_l("Summarise what the visit found."))
    scores = {}
    for code, given in findings.items():
        _effective(assessment, code)
        text = (given.finding or "").strip()
        ids = _check_evidence_items(assessment, given.evidence_item_ids)
        row = visit.finding_for(code)
        if not text:
            if row is not None:
                visit.findings.remove(row)
            continue
        if row is None:
            row = SiteVisitFinding(criterion_code=code, finding=text)
            visit.findings.append(row)
        row.finding, row.evidence_item_ids = text, ids
        if given.score is not None:
            scores[code] = given.score
    visit.summary = summary
    visit.status = SiteVisitStatus.DONE
    visit.recorded_at = utcnow()
    visit.recorded_by_id = actor.id
    db.session.flush()
    record(actor, "review.visit_findings_recorded", assessment, visit_id=visit.id,
           criteria=sorted(findings))
    if scores:
        record_consensus(assessment, scores, actor=actor, source="site_visit")
    return visit


def add_visit_photos(visit: SiteVisit, criterion_code: str, uploads: list, *, actor,
                     settings) -> list[int]:
    """Store photos taken on site in the LGO's evidence library (through the evidence
    services) and cite them in the visit's finding for ``criterion_code``."""
    from lgo_assess.evidence import services as evidence
    assessment = db.session.get(Assessment, visit.assessment_id)
    _lead_assignment(assessment, actor)
    row = visit.finding_for(criterion_code)
    if row is None:
        raise Invalid(_l("Record the finding for %(code)s before adding its photos.",
                         code=criterion_code))
    added = evidence.add_files(assessment.lgo, assessment.cycle.fiscal_year, uploads,
                               actor=actor, settings=settings)
    row.evidence_item_ids = sorted(set(row.evidence_item_ids or ()) | {a.item.id for a in added})
    db.session.flush()
    record(actor, "review.visit_photos_added", assessment, visit_id=visit.id,
           criterion=criterion_code, items=[a.item.id for a in added])
    return [a.item.id for a in added]


# -- Completing the review and recommending -----------------------------------------------------

def complete_review(assessment: Assessment, *, actor) -> None:
    """The lead closes the review (in_review → reviewed): every applicable criterion needs a
    consensus score, and no evidence request may be open."""
    _lead_assignment(assessment, actor)
    missing = missing_consensus(assessment)
    if missing:
        raise Invalid(_l("Record the consensus for every criterion first; still missing: "
                         "%(codes)s.", codes=", ".join(missing)), missing=missing)
    assessments.transition(assessment, S.REVIEWED, actor=actor)


def reopen_review(assessment: Assessment, *, actor) -> None:
    _lead_assignment(assessment, actor)
    if assessment.status != S.REVIEWED:
        raise Invalid(_l("Only a reviewed assessment can be reopened; this one is %(status)s.",
                         status=assessment.status.title))
    assessments.transition(assessment, S.IN_REVIEW, actor=actor)


def recommendation_of(assessment: Assessment) -> Recommendation | None:
    """The team's recommendation, with who made it (read with it: the approver's page and the
    decision show the name; the author's role grants load only if someone asks for them)."""
    return db.session.execute(_recommendation_statement(),
                              {"id": assessment.id}).scalar_one_or_none()


@cache
def _recommendation_statement():
    return select(Recommendation).where(Recommendation.assessment_id == bindparam("id")).options(
        joinedload(Recommendation.recommended_by).lazyload(User.grants))


def recommend(assessment: Assessment, outcome: RecommendationOutcome,
              result_level_code: str | None, justification: str | None, *,
              actor) -> Recommendation:
    """The lead recommends to DLA (reviewed → recommended): pass at a result level, or fail.
    A recommendation that differs from what the edition's rules compute on the consensus needs
    a written justification and is flagged to DLA."""
    _lead_assignment(assessment, actor)
    if assessment.status != S.REVIEWED:
        raise Invalid(_l("Complete the review before recommending."))
    card = final_score(assessment)
    computed = card.result_level.code if card.result_level else None
    if outcome == RecommendationOutcome.PASS:
        edition = assessments.edition_of(assessment)
        if not result_level_code or edition.result.level(result_level_code) is None:
            raise Invalid(_l("Choose the result level you recommend."))
    else:
        result_level_code = None
    justification = (justification or "").strip() or None
    differs = (result_level_code or "") != (computed or "")
    if differs and not justification:
        raise Invalid(_l("Your recommendation differs from the result the rules give "
                         "(%(computed)s): explain why in writing; DLA will see it.",
                         computed=computed or _l("not certified")))
    recommendation = Recommendation(
        assessment_id=assessment.id, outcome=outcome, result_level_code=result_level_code,
        computed_result_code=computed, computed_percent=round(card.overall_percent, 4),
        is_flagged_to_dla=differs, justification=justification, recommended_by_id=actor.id)
    db.session.add(recommendation)
    db.session.flush()
    record(actor, "review.recommended", assessment, outcome=outcome.value,
           result_level=result_level_code, computed=computed, flagged=differs)
    assessments.transition(assessment, S.RECOMMENDED, actor=actor)
    return recommendation


# -- Who may not decide -------------------------------------------------------------------------

def scorers_of(assessment: Assessment) -> set[int]:
    """Everyone who scored the assessment: its assessors (own scores), the lead who recorded
    the consensus and whoever recommended. None of them may also decide it."""
    ids = set(db.session.execute(_scorers_statement(), {"id": assessment.id}).scalars())
    ids.discard(None)
    return ids


@cache
def _scorers_statement():
    """``scorers_of``'s one query, built once (each decision runs it twice: both guards)."""
    assessment_id = bindparam("id")
    return union(
        select(AssessorScore.assessor_id).where(AssessorScore.assessment_id == assessment_id),
        select(ConsensusScore.lead_id).where(ConsensusScore.assessment_id == assessment_id),
        select(Recommendation.recommended_by_id).where(
            Recommendation.assessment_id == assessment_id))


# -- Calibration --------------------------------------------------------------------------------

def calibration_observations(cycle: Cycle) -> list[Observation]:
    """Each submitted independent score of the cycle that has a consensus to compare with,
    both as fractions under the criterion's scoring (N/A on either side is left out)."""
    rows = db.session.execute(
        select(AssessorScore, ConsensusScore, Assessment)
        .join(ConsensusScore, (ConsensusScore.assessment_id == AssessorScore.assessment_id)
              & (ConsensusScore.criterion_code == AssessorScore.criterion_code))
        .join(Assessment, Assessment.id == AssessorScore.assessment_id)
        .join(Assignment, (Assignment.assessment_id == AssessorScore.assessment_id)
              & (Assignment.assessor_id == AssessorScore.assessor_id))
        .where(Assessment.cycle_id == cycle.id, Assignment.scoring_submitted_at.is_not(None))
        .order_by(AssessorScore.id)).all()
    observations, seen = [], set()
    effective_cache: dict[tuple[int, str], EffectiveCriterion | None] = {}
    for own, agreed, assessment in rows:
        if own.id in seen:
            continue                       # an assessor assigned twice (ended, then again)
        seen.add(own.id)
        if own.is_not_applicable or agreed.is_not_applicable:
            continue
        key = (assessment.id, own.criterion_code)
        if key not in effective_cache:
            effective_cache[key] = next((e for e in applicable_criteria(assessment)
                                         if e.code == own.criterion_code), None)
        effective = effective_cache[key]
        if effective is None:
            continue
        try:
            mine = scoring.answer_fraction(effective, row_answer(own))
            team = scoring.answer_fraction(effective, row_answer(agreed))
        except scoring.AnswerError:
            continue
        if mine is None or team is None:
            continue
        observations.append(Observation(own.assessor_id, assessment.id, own.criterion_code,
                                        mine, team))
    return observations


def calibration_for(cycle: Cycle) -> CalibrationReport:
    return calibrate(calibration_observations(cycle))


# -- Hooks --------------------------------------------------------------------------------------

def _guard(move, assessment: Assessment, actor) -> None:
    """Checks that hold whoever calls ``transition``."""
    if move.name in ("approve", "reject") and _actor_id(actor) in scorers_of(assessment):
        raise Forbidden(_l("You scored this assessment, so you cannot also decide it: another "
                           "DLA approver must."))
    if move.name == "assign" and lead_of(assessment) is None:
        raise Invalid(_l("Assign a lead assessor to start the review."))
    if move.name == "complete_review" and missing_consensus(assessment):
        raise Invalid(_l("Every criterion needs a consensus score before the review is "
                         "complete."))
    if move.name == "recommend" and recommendation_of(assessment) is None:
        raise Invalid(_l("The lead assessor's recommendation is missing."))
    if move.name == "request_evidence" and not open_request_codes(assessment):
        raise Invalid(_l("Name the criteria that need more evidence."))


def register_hooks() -> None:
    if _guard not in assessments.TRANSITION_GUARDS:
        assessments.TRANSITION_GUARDS.append(_guard)
    if open_request_codes not in assessments.OPEN_REQUEST_PROVIDERS:
        assessments.OPEN_REQUEST_PROVIDERS.append(open_request_codes)


register_hooks()
