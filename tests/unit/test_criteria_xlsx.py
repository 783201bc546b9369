"""The Excel round trip: every edition survives export and import unchanged, and problems in a
workbook name their sheet, row and column."""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook

from lgo_assess.criteria.edition import Edition
from lgo_assess.criteria.loader import expand, load_file, load_text
from lgo_assess.criteria.writer import dump_yaml
from lgo_assess.criteria.xlsx import (HEADER_FIELDS, SHEETS, document_from_workbook,
                                      write_workbook)

ROOT = Path(__file__).resolve().parents[2]
VALID_FILE = ROOT / "tests" / "criteria_fixtures" / "valid" / "TST" / "2569.yaml"
EDITIONS = [VALID_FILE] + [p for p in expand([ROOT / "criteria"]) if p.parent.name != "kpis"]


@pytest.mark.parametrize("path", EDITIONS, ids=[f"{p.parent.name}/{p.name}" for p in EDITIONS])
def test_edition_survives_the_excel_round_trip(path, tmp_path):
    loaded = load_file(path)
    assert loaded.problems == [], [str(p) for p in loaded.problems]
    target = tmp_path / "edition.xlsx"
    write_workbook(loaded.document, target)
    document, problems = document_from_workbook(target)
    assert [str(p) for p in problems] == []
    assert document == loaded.document
    assert Edition.from_document(document) == loaded.edition


@pytest.mark.parametrize("path", EDITIONS, ids=[f"{p.parent.name}/{p.name}" for p in EDITIONS])
def test_edition_survives_the_yaml_export(path):
    loaded = load_file(path)
    again = load_text(dump_yaml(loaded.document), str(path), path=path)
    assert again.problems == [] and again.document == loaded.document


def test_workbook_has_one_sheet_per_part_with_thai_and_english_columns(tmp_path):
    target = tmp_path / "e.xlsx"
    write_workbook(load_file(VALID_FILE).document, target)
    workbook = load_workbook(target)
    assert workbook.sheetnames == ["README", "edition", *SHEETS]
    header = [c.value for c in workbook["criteria"][1]]
    assert {"title_th", "title_en", "guidance_th", "guidance_en", "method"} <= set(header)
    assert workbook["criteria"]["B2"].value == "1.1"


def _edit(tmp_path, change) -> Path:
    target = tmp_path / "e.xlsx"
    write_workbook(load_file(VALID_FILE).document, target)
    workbook = load_workbook(target)
    change(workbook)
    workbook.save(target)
    return target


def _column(ws, name) -> int:
    return [c.value for c in ws[1]].index(name) + 1


def test_problems_in_a_workbook_name_sheet_row_and_column(tmp_path):
    def change(workbook):
        criteria = workbook["criteria"]
        criteria.cell(row=3, column=_column(criteria, "title_th")).value = None      # 1.2
        criteria.cell(row=4, column=_column(criteria, "method")).value = "levle"     # 2.1
        criteria.cell(row=1, column=criteria.max_column + 1).value = "colour"
        evidence = workbook["evidence"]
        evidence.cell(row=2, column=_column(evidence, "criterion")).value = "9.9"
        header = workbook["edition"]
        header.append(["edition.titel", "x"])
    target = _edit(tmp_path, change)
    _, problems = document_from_workbook(target, "e.xlsx")
    found = {f"{p.loc.cell}: {p.path + ': ' if p.path else ''}{p.text()}" for p in problems}
    assert found == {
        "criteria!AC1: unknown column colour in sheet criteria; allowed: " + ", ".join(
            c.name for c in SHEETS["criteria"]),
        "criteria!C3: sections[0].criteria[1].title.th: Thai text (th) is required",
        "criteria!H4: sections[1].criteria[0].scoring.method: levle is not one of: level, "
        "checklist, numeric, yes_no (did you mean level?)",
        "evidence!A2: no criterion 9.9 in sheet criteria",
        "criteria!A2: sections[0].criteria[0].evidence: is required but missing",
        "edition!A15: unknown field edition.titel; allowed: " + ", ".join(
            HEADER_FIELDS),
    }
    assert str(problems[0]).startswith("e.xlsx:")


def test_values_typed_the_excel_way_are_understood(tmp_path):
    def change(workbook):
        criteria = workbook["criteria"]
        criteria.cell(row=2, column=_column(criteria, "code")).value = 1.1          # a number
        criteria.cell(row=2, column=_column(criteria, "must_pass")).value = None
        criteria.cell(row=2, column=_column(criteria, "must_pass_min_level")).value = "2"
        criteria.cell(row=5, column=_column(criteria, "lgo_types")).value = "sao , pao"
        criteria.cell(row=5, column=_column(criteria, "higher_is_better")).value = "FALSE"
        for row in workbook["descriptors"].iter_rows(min_row=2):
            row[0].value = 1.1
        for row in workbook["evidence"].iter_rows(min_row=2, max_row=2):
            row[0].value = 1.1
    target = _edit(tmp_path, change)
    document, problems = document_from_workbook(target)
    assert [str(p) for p in problems] == []
    first = document["sections"][0]["criteria"][0]
    assert first["code"] == "1.1" and first["must_pass"] == {"min_level": 2}
    second = document["sections"][1]["criteria"][1]
    assert second["applies_to"] == {"lgo_types": ["sao", "pao"]}


def test_a_file_that_is_not_a_workbook_is_one_problem(tmp_path):
    target = tmp_path / "fake.xlsx"
    target.write_text("not a zip", encoding="utf-8")
    _, problems = document_from_workbook(target)
    assert len(problems) == 1 and problems[0].text().startswith("not an Excel workbook")
    assert load_file(target).problems[0].text().startswith("not an Excel workbook")


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    loaded = load_file(VALID_FILE)
    document = loaded.document
    document["sections"][0]["criteria"][0]["title"]["en"] = "=SUM(A1:A2) is not a formula"
    target = tmp_path / "e.xlsx"
    write_workbook(document, target)
    again, problems = document_from_workbook(target)
    assert problems == [] and again == document
