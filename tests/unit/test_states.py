"""The transition table: every legal move is listed once; everything else is refused."""
import itertools

from lgo_assess.assessments.states import (FINAL_STATES, TRANSITIONS, Actor, AssessmentStatus,
                                           find_transition, transitions_from)

S = AssessmentStatus


def test_each_edge_is_listed_once():
    edges = [(t.source, t.target) for t in TRANSITIONS]
    assert len(edges) == len(set(edges))


def test_final_states_lead_nowhere():
    for state in FINAL_STATES:
        assert transitions_from(state) == [], f"{state} should be final"


def test_every_non_final_state_can_be_withdrawn_by_the_lgo_executive():
    for state in S:
        if state in FINAL_STATES:
            continue
        move = find_transition(state, S.WITHDRAWN)
        assert move is not None and move.actor == Actor.LGO_EXECUTIVE and move.needs_reason


def test_states_cannot_be_skipped():
    legal = {(t.source, t.target) for t in TRANSITIONS}
    for source, target in itertools.product(S, S):
        if (source, target) not in legal:
            assert find_transition(source, target) is None
    # The ones a careless table would allow:
    assert find_transition(S.DRAFT, S.APPROVED) is None
    assert find_transition(S.SUBMITTED, S.IN_REVIEW) is None
    assert find_transition(S.IN_REVIEW, S.RECOMMENDED) is None
    assert find_transition(S.APPROVED, S.WITHDRAWN) is None


def test_who_moves_what():
    assert find_transition(S.DRAFT, S.SUBMITTED).actor == Actor.LGO_EXECUTIVE
    assert find_transition(S.SUBMITTED, S.RETURNED).actor == Actor.PROVINCIAL_OFFICER
    assert find_transition(S.SUBMITTED, S.RETURNED).needs_reason
    assert find_transition(S.REVIEWED, S.RECOMMENDED).actor == Actor.LEAD_ASSESSOR
    assert find_transition(S.RECOMMENDED, S.APPROVED).actor == Actor.DLA_APPROVER
    assert find_transition(S.RECOMMENDED, S.REJECTED).needs_reason


def test_every_state_is_reachable_from_draft():
    seen, frontier = {S.DRAFT}, [S.DRAFT]
    while frontier:
        for move in transitions_from(frontier.pop()):
            if move.target not in seen:
                seen.add(move.target)
                frontier.append(move.target)
    assert seen == set(S)
