"""Comparing two editions: criteria matched by code (or by a crosswalk when renumbered), each
change named down to its field."""
from __future__ import annotations

import copy
from pathlib import Path

from lgo_assess.criteria.diff import MISSING, diff_editions
from lgo_assess.criteria.loader import load_file

VALID_FILE = (Path(__file__).resolve().parents[1] / "criteria_fixtures" / "valid" / "TST"
              / "2569.yaml")


def _doc():
    return copy.deepcopy(load_file(VALID_FILE).document)


def _criterion(doc, code):
    return next(c for s in doc["sections"] for c in s["criteria"] if c["code"] == code)


def test_an_edition_compared_with_itself_has_no_changes():
    diff = diff_editions(_doc(), _doc())
    assert diff.is_empty and diff.unchanged == 7


def test_field_level_changes_added_and_removed_criteria():
    old, new = _doc(), _doc()
    new["edition"]["code"] = "2570"
    _criterion(new, "1.1")["title"]["en"] = "Ordinances"
    _criterion(new, "1.2")["scoring"]["items"][2]["text"]["th"] = "เผยแพร่ผลการจัดจ้าง"
    del _criterion(new, "2.1")["must_pass"]
    _criterion(new, "3.1")["weight"] = 3
    new["sections"][1]["criteria"].pop()                     # 2.2 removed
    added = copy.deepcopy(_criterion(new, "3.1"))
    added["code"] = "3.3"
    new["sections"][2]["criteria"].append(added)
    new["result"]["levels"][0]["min_percent"] = 65
    diff = diff_editions(old, new)
    assert [c.code for c in diff.added] == ["3.3"] and [c.code for c in diff.removed] == ["2.2"]
    changes = {c.code: {f.path: (f.old, f.new) for f in c.changes} for c in diff.changed}
    assert changes["1.1"] == {"title": ({"th": "การจัดทำข้อบัญญัติท้องถิ่น",
                                         "en": "Drafting local ordinances"},
                                        {"th": "การจัดทำข้อบัญญัติท้องถิ่น", "en": "Ordinances"})}
    assert list(changes["1.2"]) == ["scoring.items[2].text"]
    assert changes["2.1"] == {"must_pass.min_fraction": (0.5, MISSING)}
    assert changes["3.1"] == {"weight": (MISSING, 3)}
    assert [(f.path, f.old, f.new) for f in diff.settings] == [
        ("result.levels[0].min_percent", 60, 65)]
    assert diff.unchanged == 2


def test_a_renumbered_criterion_is_matched_through_its_crosswalk():
    old, new = _doc(), _doc()
    moved = _criterion(new, "1.2")
    moved["code"] = "1.9"
    moved["crosswalk"] = [{"standard": "TST", "criterion": "1.2"}]
    diff = diff_editions(old, new)
    assert not diff.added and not diff.removed
    (change,) = diff.changed
    assert (change.code, change.old_code) == ("1.9", "1.2")
    assert [f.path for f in change.changes] == ["crosswalk[0].standard", "crosswalk[0].criterion"]


def test_a_criterion_moved_to_another_section_says_so():
    old, new = _doc(), _doc()
    criterion = new["sections"][0]["criteria"].pop()
    new["sections"][1]["criteria"].append(criterion)
    diff = diff_editions(old, new)
    (change,) = diff.changed
    assert change.code == "1.2" and change.changes[0].path == "section"
    assert (change.changes[0].old, change.changes[0].new) == ("1", "2")
