"""What an LGO changed between two states of its assessment: answers, narratives and the
evidence cited per criterion. Pure: it compares two payloads shaped like
``assessments.services.snapshot`` payloads (the submission or a previous evidence answer, and
now), so the reviewer sees exactly what the LGO did with an evidence request.

The evidence part reads the snapshot's ``evidence`` entry, which the evidence package adds
through ``SNAPSHOT_EXTRAS`` (``{criterion code: [item, …]}``; a list of items each with a
``criterion_code`` is read too). An item is known by its ``evidence_item_id`` (else ``id``,
``sha256`` or ``url``) and shown by its ``title`` (or file name, or address).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

ANSWER_KEYS = ("level", "checked", "value", "yes", "is_not_applicable", "not_applicable_reason")


@dataclass(frozen=True)
class EvidenceRef:
    key: str
    label: str


@dataclass(frozen=True)
class CriterionChange:
    code: str
    old_answer: dict | None = None        # the ANSWER_KEYS values, when the answer changed
    new_answer: dict | None = None
    old_narrative: str | None = None      # when the narrative changed
    new_narrative: str | None = None
    evidence_added: tuple[EvidenceRef, ...] = ()
    evidence_removed: tuple[EvidenceRef, ...] = ()

    @property
    def answer_changed(self) -> bool:
        return self.old_answer != self.new_answer

    @property
    def narrative_changed(self) -> bool:
        return self.old_narrative != self.new_narrative


@dataclass(frozen=True)
class Changes:
    criteria: tuple[CriterionChange, ...] = field(default_factory=tuple)

    @property
    def codes(self) -> list[str]:
        return [c.code for c in self.criteria]

    def get(self, code: str) -> CriterionChange | None:
        return next((c for c in self.criteria if c.code == code), None)

    def __bool__(self) -> bool:
        return bool(self.criteria)


def _responses(payload: Mapping) -> dict[str, Mapping]:
    return {r["criterion_code"]: r for r in payload.get("responses") or ()}


def _answer(response: Mapping | None) -> dict:
    response = response or {}
    answer = {key: response.get(key) for key in ANSWER_KEYS}
    answer["is_not_applicable"] = bool(answer["is_not_applicable"])
    if answer["checked"] is not None:
        answer["checked"] = sorted(answer["checked"])
    return answer


def _ref(item: Mapping) -> EvidenceRef:
    key = next((str(item[k]) for k in ("evidence_item_id", "id", "sha256", "url")
                if item.get(k) is not None), repr(sorted(item.items())))
    label = next((str(item[k]) for k in ("title", "original_filename", "filename", "url",
                                         "sha256") if item.get(k)), key)
    return EvidenceRef(key, label)


def evidence_by_criterion(payload: Mapping) -> dict[str, dict[str, EvidenceRef]]:
    """Criterion code → {item key: reference} from a payload's ``evidence`` entry."""
    raw = payload.get("evidence")
    found: dict[str, dict[str, EvidenceRef]] = {}
    if isinstance(raw, Mapping):
        pairs = [(code, item) for code, items in raw.items() for item in items or ()]
    elif isinstance(raw, list):
        pairs = [(item.get("criterion_code"), item) for item in raw if isinstance(item, Mapping)]
    else:
        pairs = []
    for code, item in pairs:
        if code is None:
            continue
        ref = _ref(item) if isinstance(item, Mapping) else EvidenceRef(str(item), str(item))
        found.setdefault(str(code), {})[ref.key] = ref
    return found


def diff(old: Mapping, new: Mapping, order: list[str] | None = None) -> Changes:
    """The criteria whose answer, narrative or cited evidence differ from ``old`` to ``new``,
    in ``order`` (criterion codes in edition order; others follow, sorted)."""
    old_responses, new_responses = _responses(old), _responses(new)
    old_evidence, new_evidence = evidence_by_criterion(old), evidence_by_criterion(new)
    codes = set(old_responses) | set(new_responses) | set(old_evidence) | set(new_evidence)
    position = {code: i for i, code in enumerate(order or [])}
    changes = []
    for code in sorted(codes, key=lambda c: (position.get(c, len(position)), c)):
        before, after = old_responses.get(code), new_responses.get(code)
        old_answer, new_answer = _answer(before), _answer(after)
        old_narrative = (before or {}).get("narrative") or ""
        new_narrative = (after or {}).get("narrative") or ""
        was, now = old_evidence.get(code, {}), new_evidence.get(code, {})
        added = tuple(now[k] for k in sorted(now.keys() - was.keys()))
        removed = tuple(was[k] for k in sorted(was.keys() - now.keys()))
        answer_changed = old_answer != new_answer
        narrative_changed = old_narrative != new_narrative
        if not (answer_changed or narrative_changed or added or removed):
            continue
        changes.append(CriterionChange(
            code,
            old_answer=old_answer if answer_changed else None,
            new_answer=new_answer if answer_changed else None,
            old_narrative=old_narrative if narrative_changed else None,
            new_narrative=new_narrative if narrative_changed else None,
            evidence_added=added, evidence_removed=removed))
    return Changes(tuple(changes))
