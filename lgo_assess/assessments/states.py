"""The assessment workflow: states, who may move an assessment between them, and what each move
needs. Pure Python; ``services.transition`` is the one place that applies it.

    draft ─submit─▶ submitted ─accept─▶ accepted ─assign─▶ in_review ─complete─▶ reviewed
      ▲               │ return                         ▲   │ request evidence      │ recommend
      └── returned ◀──┘                    answer ─────┘   ▼                       ▼
                                                   evidence_requested        recommended
                                                                         approve │ reject
                                                                      approved ◀─┴─▶ rejected
    any state before a decision ─withdraw─▶ withdrawn
"""
from __future__ import annotations

import enum
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


class AssessmentStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    RETURNED = "returned"
    ACCEPTED = "accepted"
    IN_REVIEW = "in_review"
    EVIDENCE_REQUESTED = "evidence_requested"
    REVIEWED = "reviewed"
    RECOMMENDED = "recommended"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"

    @property
    def title(self) -> str:
        return str(STATUS_TITLES[self])

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATES

    @property
    def lgo_can_edit(self) -> bool:
        """The LGO may change answers freely (under an evidence request only the unlocked
        criteria open, which the service checks per criterion)."""
        return self in (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)


STATUS_TITLES = {
    AssessmentStatus.DRAFT: _l("Draft"),
    AssessmentStatus.SUBMITTED: _l("Submitted"),
    AssessmentStatus.RETURNED: _l("Returned to the LGO"),
    AssessmentStatus.ACCEPTED: _l("Accepted for review"),
    AssessmentStatus.IN_REVIEW: _l("Under review"),
    AssessmentStatus.EVIDENCE_REQUESTED: _l("More evidence requested"),
    AssessmentStatus.REVIEWED: _l("Reviewed"),
    AssessmentStatus.RECOMMENDED: _l("Recommended to DLA"),
    AssessmentStatus.APPROVED: _l("Approved"),
    AssessmentStatus.REJECTED: _l("Not approved"),
    AssessmentStatus.WITHDRAWN: _l("Withdrawn"),
}

FINAL_STATES = frozenset({AssessmentStatus.APPROVED, AssessmentStatus.REJECTED,
                          AssessmentStatus.WITHDRAWN})


class Actor(enum.StrEnum):
    """Who performs a transition, in workflow terms (checked against roles and scope by the
    service: the LGO executive of this LGO, the officer of its province, its lead assessor…)."""
    LGO_EXECUTIVE = "lgo_executive"
    LGO_MEMBER = "lgo_member"              # editor or executive of the LGO
    PROVINCIAL_OFFICER = "provincial_officer"
    LEAD_ASSESSOR = "lead_assessor"
    DLA_APPROVER = "dla_approver"


@dataclass(frozen=True)
class Transition:
    name: str
    source: AssessmentStatus
    target: AssessmentStatus
    actor: Actor
    needs_reason: bool = False


S = AssessmentStatus
_BEFORE_DECISION = (S.DRAFT, S.SUBMITTED, S.RETURNED, S.ACCEPTED, S.IN_REVIEW,
                    S.EVIDENCE_REQUESTED, S.REVIEWED, S.RECOMMENDED)

TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", S.DRAFT, S.SUBMITTED, Actor.LGO_EXECUTIVE),
    Transition("resubmit", S.RETURNED, S.SUBMITTED, Actor.LGO_EXECUTIVE),
    Transition("return", S.SUBMITTED, S.RETURNED, Actor.PROVINCIAL_OFFICER, needs_reason=True),
    Transition("accept", S.SUBMITTED, S.ACCEPTED, Actor.PROVINCIAL_OFFICER),
    Transition("assign", S.ACCEPTED, S.IN_REVIEW, Actor.PROVINCIAL_OFFICER),
    Transition("request_evidence", S.IN_REVIEW, S.EVIDENCE_REQUESTED, Actor.LEAD_ASSESSOR,
               needs_reason=True),
    Transition("answer_evidence", S.EVIDENCE_REQUESTED, S.IN_REVIEW, Actor.LGO_MEMBER),
    Transition("complete_review", S.IN_REVIEW, S.REVIEWED, Actor.LEAD_ASSESSOR),
    Transition("reopen_review", S.REVIEWED, S.IN_REVIEW, Actor.LEAD_ASSESSOR),
    Transition("recommend", S.REVIEWED, S.RECOMMENDED, Actor.LEAD_ASSESSOR),
    Transition("approve", S.RECOMMENDED, S.APPROVED, Actor.DLA_APPROVER),
    Transition("reject", S.RECOMMENDED, S.REJECTED, Actor.DLA_APPROVER, needs_reason=True),
) + tuple(Transition("withdraw", source, S.WITHDRAWN, Actor.LGO_EXECUTIVE, needs_reason=True)
          for source in _BEFORE_DECISION)

_BY_EDGE = {(t.source, t.target): t for t in TRANSITIONS}


def find_transition(source: AssessmentStatus, target: AssessmentStatus) -> Transition | None:
    return _BY_EDGE.get((source, target))


def transitions_from(source: AssessmentStatus) -> list[Transition]:
    return [t for t in TRANSITIONS if t.source == source]
