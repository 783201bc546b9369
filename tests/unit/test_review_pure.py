"""The review's pure modules: divergence of independent scores, the diff of what an LGO changed,
assessor calibration arithmetic and the on-site sheet PDF."""
from __future__ import annotations

import re
import subprocess
import unicodedata
from datetime import date
from pathlib import Path

import pytest

from lgo_assess.assessments.scoring import Answer
from lgo_assess.criteria.loader import load_file
from lgo_assess.review import calibration, comparison, diff, pdf

TST = Path(__file__).resolve().parent.parent / "criteria_fixtures" / "valid" / "TST" / "2569.yaml"


@pytest.fixture(scope="module")
def edition():
    loaded = load_file(TST)
    assert not loaded.problems
    return loaded.edition


def _effective(edition, code, lgo_type="sao"):
    return next(e for e in edition.criteria_for(lgo_type, ()) if e.code == code)


# -- Divergence --------------------------------------------------------------------------------

@pytest.mark.parametrize("code, answers, kind", [
    ("1.1", [Answer(level=4), Answer(level=2)], "levels"),          # 0–4 scale, 2 apart
    ("1.1", [Answer(level=4), Answer(level=3), Answer(level=3)], None),
    ("1.2", [Answer(checked=frozenset("ab")), Answer(checked=frozenset())], "fraction"),
    ("1.2", [Answer(checked=frozenset("a")), Answer(checked=frozenset("ab"))], "fraction"),
    ("2.1", [Answer(value=85.0), Answer(value=95.0)], None),         # same band
    ("2.1", [Answer(value=40.0), Answer(value=95.0)], "fraction"),   # bands 0 and 1
    ("3.1", [Answer(yes=True), Answer(yes=False)], "fraction"),
    ("3.1", [Answer(yes=True), Answer(yes=True)], None),
    ("4.1", [Answer(not_applicable=True), Answer(checked=frozenset("abc"))], "applicability"),
    ("1.1", [Answer(level=1)], None),                                # one assessor: nothing
])
def test_divergence_by_scoring_method(edition, code, answers, kind):
    found = comparison.divergence(_effective(edition, code), answers)
    assert (found.kind if found else None) == kind


def test_levels_count_as_positions_on_the_scale(edition):
    # 4.1 for a city municipality is scored on the 1–3 sep3 scale: 1 and 3 are two apart.
    effective = _effective(edition, "4.1", "city_municipality")
    assert comparison.divergence(effective, [Answer(level=1), Answer(level=3)]).spread == 2
    assert comparison.divergence(effective, [Answer(level=2), Answer(level=3)]) is None


# -- Diff --------------------------------------------------------------------------------------

def _payload(responses, evidence=None):
    return {"responses": [{"criterion_code": code, **data} for code, data in responses.items()],
            **({"evidence": evidence} if evidence is not None else {})}


def test_diff_finds_answers_narratives_and_evidence_added_or_removed():
    old = _payload({"1.1": {"level": 2, "narrative": "เดิม"}, "1.2": {"checked": ["b", "a"]},
                    "2.1": {"value": 50.0, "narrative": "x"}},
                   {"1.1": [{"evidence_item_id": 1, "title": "เก่า"}],
                    "2.1": [{"evidence_item_id": 5, "title": "ทะเบียน"}]})
    new = _payload({"1.1": {"level": 3, "narrative": "เดิม"}, "1.2": {"checked": ["a", "b"]},
                    "2.1": {"value": 50.0, "narrative": "ใหม่"}},
                   {"1.1": [{"evidence_item_id": 2, "title": "ใหม่"}],
                    "2.1": [{"evidence_item_id": 5, "title": "ทะเบียน"}],
                    "3.1": [{"evidence_item_id": 7, "title": "ภาพ"}]})
    changes = diff.diff(old, new, ["1.1", "1.2", "2.1", "3.1"])
    assert changes.codes == ["1.1", "2.1", "3.1"]        # 1.2: same items in another order
    one = changes.get("1.1")
    assert (one.old_answer["level"], one.new_answer["level"]) == (2, 3)
    assert not one.narrative_changed
    assert [e.label for e in one.evidence_added] == ["ใหม่"]
    assert [e.label for e in one.evidence_removed] == ["เก่า"]
    two = changes.get("2.1")
    assert not two.answer_changed and (two.old_narrative, two.new_narrative) == ("x", "ใหม่")
    assert [e.key for e in changes.get("3.1").evidence_added] == ["7"]


def test_diff_of_identical_payloads_is_empty_and_reads_list_shaped_evidence():
    same = _payload({"1.1": {"level": 2}}, [{"criterion_code": "1.1", "sha256": "ab",
                                            "original_filename": "a.pdf"}])
    assert not diff.diff(same, same)
    gone = _payload({"1.1": {"level": 2}}, [])
    [change] = diff.diff(same, gone).criteria
    assert [e.label for e in change.evidence_removed] == ["a.pdf"]


# -- Calibration -------------------------------------------------------------------------------

def test_calibration_means_and_leniency_against_the_national_mean():
    obs = [calibration.Observation(1, 10, f"c{i}", 1.0, 0.5) for i in range(6)]     # +0.5
    obs += [calibration.Observation(2, 10, f"c{i}", 0.5, 0.5) for i in range(6)]    # 0
    obs += [calibration.Observation(3, 11, f"c{i}", 0.25, 0.5) for i in range(6)]   # −0.25
    report = calibration.calibrate(obs)
    assert report.national_mean_signed_difference == pytest.approx(0.25 / 3)
    generous, exact, strict = (report.for_assessor(i) for i in (1, 2, 3))
    assert generous.mean_difference == pytest.approx(0.5)
    assert generous.leniency == pytest.approx(0.5 - 0.25 / 3)
    assert generous.flagged and generous.tendency == "lenient"
    assert exact.exact_share == 1 and not exact.flagged
    assert strict.tendency == "strict" and strict.flagged
    assert report.assessors[0].assessor_id == 1       # the most lenient first


def test_few_observations_are_never_flagged():
    report = calibration.calibrate([calibration.Observation(1, 1, "a", 1.0, 0.0)])
    assert not report.assessors[0].flagged
    assert calibration.calibrate([]).observations == 0


# -- The on-site sheet -------------------------------------------------------------------------

def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_onsite_sheet_lists_the_criteria_marked_for_interview_or_observation(edition, tmp_path):
    rows = pdf.sheet_criteria(edition, "sao", [], {"1.1": Answer(level=3)})
    # 2.1 and 2.2 are document review only; 3.2 does not apply to an LGO without a border.
    assert [r.code for r in rows] == ["1.1", "1.2", "3.1", "4.1"]
    header = pdf.SheetHeader("องค์การบริหารส่วนตำบลบ้านค้อ", "มาตรฐานทดสอบท้องถิ่น 2569",
                             date(2026, 2, 3), ("กิตติพงษ์ สายสุวรรณ",), "ปลัด อบต.", "#7")
    target = tmp_path / "sheet.pdf"
    pdf.build_onsite_sheet(str(target), header, rows, language="th")
    text = squash(subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(target), "-"],
                                 check=True, capture_output=True, text=True).stdout)
    for row in rows:
        assert squash(row.title.th) in text, f"{row.code} is not on the sheet"
    assert squash("สัมภาษณ์ผู้นำชุมชนอย่างน้อย 2 ชุมชน") in text     # the edition's note
    assert squash("3 ดำเนินการแล้ว") in text                           # what the LGO answered
    assert squash("3 กุมภาพันธ์ 2569") in text                         # B.E. visit date
    assert squash("ร้อยละของเรื่องร้องเรียนที่แก้ไขแล้วเสร็จ") not in text   # 2.1 stays off
