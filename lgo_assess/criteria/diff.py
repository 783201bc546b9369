"""What changed between two editions of one standard: criteria added, removed and changed, each
change down to the field (``scoring.items[2].text.en``). Pure: works on stored documents.

Criteria are matched by code. A new criterion whose crosswalk points at a code of the same
standard that the new edition no longer has is taken as that criterion renumbered.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator

from lgo_assess.criteria.validation import format_path

Missing = type("Missing", (), {"__repr__": lambda self: "—", "__bool__": lambda self: False})
MISSING = Missing()


@dataclass(frozen=True)
class FieldChange:
    path: str
    old: Any      # MISSING when the field was added
    new: Any      # MISSING when the field was removed


@dataclass(frozen=True)
class CriterionChange:
    code: str
    old_code: str                 # differs from ``code`` when the criterion was renumbered
    title: dict
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class CriterionEntry:
    code: str
    section: str
    title: dict


@dataclass
class EditionDiff:
    old_code: str
    new_code: str
    settings: list[FieldChange] = field(default_factory=list)    # header, scales, result, sections
    added: list[CriterionEntry] = field(default_factory=list)
    removed: list[CriterionEntry] = field(default_factory=list)
    changed: list[CriterionChange] = field(default_factory=list)
    unchanged: int = 0

    @property
    def is_empty(self) -> bool:
        return not (self.settings or self.added or self.removed or self.changed)


def _flatten(value, path=()) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict) and value and not (set(value) <= {"th", "en"}):
        for key, item in value.items():
            yield from _flatten(item, path + (str(key),))
    elif isinstance(value, list) and value and any(isinstance(v, dict) for v in value):
        for index, item in enumerate(value):
            yield from _flatten(item, path + (index,))
    else:
        yield format_path(path), value


def field_changes(old, new, prefix=()) -> list[FieldChange]:
    """Leaf-level differences between two documents (texts compared as {th, en} pairs)."""
    before, after = dict(_flatten(old, prefix)), dict(_flatten(new, prefix))
    changes = []
    for path in list(before) + [p for p in after if p not in before]:
        a, b = before.get(path, MISSING), after.get(path, MISSING)
        if a != b:
            changes.append(FieldChange(path, a, b))
    return changes


def _criteria(doc: dict) -> dict[str, tuple[str, dict]]:
    return {c["code"]: (s["code"], c) for s in doc.get("sections", []) for c in s["criteria"]}


def diff_editions(old: dict, new: dict) -> EditionDiff:
    result = EditionDiff(old["edition"]["code"], new["edition"]["code"])
    for part in ("standard", "edition", "scales", "result"):
        changes = field_changes(old.get(part, {}), new.get(part, {}), (part,))
        result.settings += [c for c in changes if c.path != "edition.code"]
    old_sections = {s["code"]: {k: v for k, v in s.items() if k != "criteria"}
                    for s in old.get("sections", [])}
    new_sections = {s["code"]: {k: v for k, v in s.items() if k != "criteria"}
                    for s in new.get("sections", [])}
    for code in list(old_sections) + [c for c in new_sections if c not in old_sections]:
        result.settings += field_changes(old_sections.get(code, {}), new_sections.get(code, {}),
                                         ("sections", code))

    before, after = _criteria(old), _criteria(new)
    standard = new["standard"]["code"]
    renumbered: dict[str, str] = {}
    for code, (_, criterion) in after.items():
        if code in before:
            continue
        for link in criterion.get("crosswalk", []):
            target = link.get("criterion")
            if link.get("standard") == standard and target in before and target not in after \
                    and target not in renumbered.values():
                renumbered[code] = target
                break
    matched = set()
    for code, (section, criterion) in after.items():
        old_code = code if code in before else renumbered.get(code)
        if old_code is None:
            result.added.append(CriterionEntry(code, section, criterion["title"]))
            continue
        matched.add(old_code)
        old_section, old_criterion = before[old_code]
        changes = field_changes(old_criterion, criterion)
        changes = [c for c in changes if not (c.path == "code" and old_code != code)]
        if section != old_section:
            changes.insert(0, FieldChange("section", old_section, section))
        if changes or old_code != code:
            result.changed.append(CriterionChange(code, old_code, criterion["title"],
                                                  tuple(changes)))
        else:
            result.unchanged += 1
    for code, (section, criterion) in before.items():
        if code not in matched:
            result.removed.append(CriterionEntry(code, section, criterion["title"]))
    return result
