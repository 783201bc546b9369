"""``flask criteria …``: validate exits 1 on any problem; import is idempotent and refuses to
change a published edition; the Excel export imports back as the same content."""
from __future__ import annotations

from pathlib import Path

import pytest

from lgo_assess.criteria.models import EditionStatus
from lgo_assess.criteria.queries import get_edition

FIXTURES = Path(__file__).resolve().parents[1] / "criteria_fixtures"
VALID = FIXTURES / "valid"


@pytest.fixture
def run(app, monkeypatch):
    """Run ``flask criteria …`` with the fixtures as the criteria folder."""
    monkeypatch.setitem(app.config, "CRITERIA_DIR", VALID)
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=["criteria", *map(str, args)])
    return invoke


def test_validate_passes_on_valid_files_and_fails_on_broken_ones(run):
    ok = run("validate", VALID)
    assert ok.exit_code == 0, ok.output
    assert "2 files checked (1 editions, 1 KPI catalogues): 0 problems" in ok.output
    broken = run("validate", FIXTURES / "broken" / "unknown_scale", "--lang", "en")
    assert broken.exit_code == 1
    assert "unknown_scale/TST/2569.yaml:34: sections[0].criteria[0].scoring.scale: unknown " \
           "scale maturity9" in broken.output


def test_validate_defaults_to_the_criteria_folder(run):
    result = run("validate")
    assert result.exit_code == 0, result.output
    assert "2 files checked" in result.output


def test_import_publish_and_idempotent_reimport(run):
    first = run("import")
    assert first.exit_code == 0, first.output
    assert "created   TST 2569 (draft, 7 criteria)" in first.output
    again = run("import", VALID / "TST" / "2569.yaml")
    assert again.exit_code == 0 and "unchanged TST 2569" in again.output
    published = run("publish", "TST", "2569")
    assert published.exit_code == 0 and "published TST 2569" in published.output
    edition = get_edition("TST", "2569")
    assert edition.status == EditionStatus.PUBLISHED
    assert edition.source_path == "valid/TST/2569.yaml"  # relative to the criteria folder's parent
    assert run("publish", "TST", "2569").exit_code == 1
    assert "no edition 2570" in run("publish", "TST", "2570").output


def test_import_of_a_changed_published_edition_is_refused(run, tmp_path):
    assert run("import").exit_code == 0
    assert run("publish", "TST", "2569").exit_code == 0
    changed = tmp_path / "TST" / "2569.yaml"
    changed.parent.mkdir()
    changed.write_text((VALID / "TST" / "2569.yaml").read_text(encoding="utf-8").replace(
        "Drafting local ordinances", "Drafting ordinances"), encoding="utf-8")
    result = run("import", changed)
    assert result.exit_code == 1
    assert "never changes" in result.output and "new edition" in result.output
    assert get_edition("TST", "2569").document["sections"][0]["criteria"][0]["title"]["en"] == \
        "Drafting local ordinances"


def test_import_with_problems_imports_nothing(run):
    result = run("import", FIXTURES / "broken" / "many_problems")
    assert result.exit_code == 1 and "nothing imported" in result.output


def test_excel_export_imports_back_unchanged(run, tmp_path):
    assert run("import").exit_code == 0
    assert run("publish", "TST", "2569").exit_code == 0
    workbook = tmp_path / "TST-2569.xlsx"
    exported = run("export", "--xlsx", "TST", "2569", "-o", workbook)
    assert exported.exit_code == 0 and workbook.exists()
    checked = run("validate", workbook)
    assert checked.exit_code == 0, checked.output
    imported = run("import", "--xlsx", workbook)
    assert imported.exit_code == 0, imported.output
    assert "unchanged TST 2569" in imported.output  # same content hash as the YAML file


def test_yaml_export_and_retire(run, tmp_path):
    assert run("import").exit_code == 0
    target = tmp_path / "TST" / "2569.yaml"
    target.parent.mkdir()
    assert run("export", "--yaml", "TST", "2569", "-o", target).exit_code == 0
    assert run("validate", target).exit_code == 0
    assert run("retire", "TST", "2569").exit_code == 1  # a draft cannot be retired
    assert run("publish", "TST", "2569").exit_code == 0
    assert run("retire", "TST", "2569").exit_code == 0
    listing = run("list")
    assert "TST    2569     retired" in listing.output


def test_pdf_command_writes_the_book(run, tmp_path):
    assert run("import").exit_code == 0
    target = tmp_path / "TST-2569.pdf"
    result = run("pdf", "TST", "2569", "-o", target, "--lang", "en")
    assert result.exit_code == 0, result.output
    assert target.read_bytes().startswith(b"%PDF")
