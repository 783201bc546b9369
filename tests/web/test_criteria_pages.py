"""The public criteria browser: standards, editions, criteria, search, comparison and the PDF,
in Thai and in English; drafts only for those who manage criteria."""
from __future__ import annotations

import re
import subprocess
import unicodedata

import pytest

from lgo_assess.core.security import Role
from lgo_assess.criteria import services
from lgo_assess.criteria.loader import load_text
from tests.factories import CRITERIA_FIXTURE, make_edition, make_user


def _set_language(client, language: str) -> None:
    client.post("/language", data={"lang": language, "next": "/"})


def _page(client, url: str, language: str = "th") -> str:
    _set_language(client, language)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


@pytest.fixture
def edition(db_session):
    edition = make_edition()
    db_session.commit()
    return edition


def _second_edition(db_session):
    """Edition 2570 of TST: 1.2 renumbered 1.5 (with a crosswalk to its old code), 2.2
    removed, 4.2 added, and a title and a required count changed."""
    text = CRITERIA_FIXTURE.read_text(encoding="utf-8")
    replacements = [
        ('code: "2569"', 'code: "2570"'), ("fiscal_years: [2569]", "fiscal_years: [2570]"),
        ("supersedes: null", 'supersedes: "2569"'),
        ('      - code: "1.2"', '      - code: "1.5"\n        crosswalk: [{standard: TST, '
                                'criterion: "1.2"}]'),
        ("Drafting local ordinances", "Drafting and reviewing local ordinances"),
        ("          required_count: 2", "          required_count: 3"),
    ]
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    start = text.index('      - code: "2.2"')
    end = text.index('  - code: "3"')
    text = text[:start] + text[end:]
    text = text.replace('        kpis: [SI9-G1-K2]\n', '        kpis: [SI9-G1-K2]\n'
                        '      - code: "4.2"\n'
                        '        title: {th: การประชุมสภาท้องถิ่นแบบเปิด, en: Open council meetings}\n'
                        '        guidance: {th: เปิดให้ประชาชนเข้าฟัง, en: Open to the public}\n'
                        '        scoring: {method: yes_no}\n'
                        '        evidence:\n'
                        '          - {kind: url, description: {th: ประกาศ, en: The notice}}\n'
                        '        onsite: {methods: [observation]}\n')
    loaded = load_text(text, "TST/2570.yaml")
    assert loaded.ok, [str(p) for p in loaded.problems]
    result = services.import_edition(loaded)
    services.publish_edition(result.edition)
    db_session.commit()
    return result.edition


def test_index_lists_published_standards_and_hides_drafts(client, edition, db_session):
    html = _page(client, "/criteria/")
    assert "มาตรฐานทดสอบท้องถิ่น" in html and "/criteria/TST/2569/" in html
    assert 'href="/criteria/"' in html  # the menu entry
    draft = services.import_edition(load_text(
        CRITERIA_FIXTURE.read_text(encoding="utf-8").replace('code: "2569"', 'code: "2571"', 1)
        .replace("fiscal_years: [2569]", "fiscal_years: [2571]"), "TST/2571.yaml")).edition
    db_session.commit()
    assert draft.status.value == "draft"
    assert "/criteria/TST/2571/" not in _page(client, "/criteria/TST/")
    assert client.get("/criteria/TST/2571/").status_code == 404


def test_drafts_are_shown_to_those_who_manage_criteria(client, login, db_session):
    services.import_edition(load_text(CRITERIA_FIXTURE.read_text(encoding="utf-8"),
                                      "TST/2569.yaml"))
    db_session.commit()
    assert client.get("/criteria/TST/2569/").status_code == 404
    login(make_user(Role.DLA_ADMIN))
    html = _page(client, "/criteria/TST/2569/")
    assert "ร่าง" in html or "Draft" in html


@pytest.mark.parametrize("language, title, guidance", [
    ("th", "การจัดทำข้อบัญญัติท้องถิ่น", "องค์กรปกครองส่วนท้องถิ่นจัดทำข้อบัญญัติ"),
    ("en", "Drafting local ordinances", "The LGO drafts ordinances following the steps"),
])
def test_edition_page_shows_the_tree_in_the_current_language(client, edition, language, title,
                                                              guidance):
    html = _page(client, "/criteria/TST/2569/", language)
    assert f'<html lang="{language}">' in html
    assert title in html and guidance in html
    assert 'id="c-3.2"' in html and 'id="s-4"' in html
    other = "Drafting local ordinances" if language == "th" else "การจัดทำข้อบัญญัติท้องถิ่น"
    assert other not in html
    for text in (("ข้อบัญญัติผ่านการรับฟังความเห็นประชาชน", "Ordinances go through public hearing"),
                 ("สำเนาข้อบัญญัติ", "Copy of the ordinance"),
                 ("สัมภาษณ์ปลัด", "Interview the chief administrator")):
        assert text[0 if language == "th" else 1] in html


def test_edition_page_applies_an_lgo_type_and_areas(client, edition):
    city = _page(client, "/criteria/TST/2569/?lgo_type=city_municipality", "en")
    section = city[city.index('id="c-3.2"'):city.index('id="s-4"')]
    assert "does not apply to this LGO" in section
    assert "6 of 7 apply" in city
    sao = _page(client, "/criteria/TST/2569/?lgo_type=sao&area_tag=border", "en")
    assert "7 of 7 apply" in sao
    variant = sao[sao.index('id="c-4.1"'):]
    assert "variant for this LGO" in variant
    assert "Hold a forum in at least 80% of villages" in variant
    junk = _page(client, "/criteria/TST/2569/?lgo_type=village", "en")
    assert "apply." not in junk


def test_criterion_page(client, edition):
    html = _page(client, "/criteria/TST/2569/criteria/4.1", "en")
    assert "Public participation in planning" in html
    assert "Variant 1" in html and "Variant 2" in html
    assert "Participation of province-wide partners" in html
    assert "The LGO has no villages" in html and "counts as full marks" in html
    assert client.get("/criteria/TST/2569/criteria/9.9").status_code == 404


@pytest.mark.parametrize("query, language", [("ประชาคม", "th"), ("public FORUM", "en")])
def test_search_across_standards_and_within_an_edition(client, edition, query, language):
    html = _page(client, f"/criteria/search?q={query}", language)
    assert "/criteria/TST/2569/#c-4.1" in html
    scoped = _page(client, f"/criteria/search?q={query}&standard=TST&edition=2569", language)
    assert "/criteria/TST/2569/#c-4.1" in scoped and 'name="edition" value="2569"' in scoped
    none = _page(client, "/criteria/search?q=zzzz-nothing", "en")
    assert "0 criteria found" in none


def test_compare_shows_added_removed_renumbered_and_changed_fields(client, edition, db_session):
    _second_edition(db_session)
    html = _page(client, "/criteria/TST/compare?from=2569&to=2570", "en")
    assert "1 added, 1 removed, 2 changed" in html
    assert "Open council meetings" in html                        # added 4.2
    assert "Average time to issue a permit" in html               # removed 2.2
    assert "was 1.2" in html                                      # renumbered to 1.5
    assert "<code>title</code>" in html and "Drafting and reviewing local ordinances" in html
    assert "<code>scoring.required_count</code>" in html
    assert "<code>edition.fiscal_years</code>" in html
    assert client.get("/criteria/TST/compare?from=1999&to=2570").status_code == 302


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.mark.parametrize("language, title", [
    ("th", "เกณฑ์มาตรฐานทดสอบท้องถิ่น ประจำปี ๒๕๖๙"),
    ("en", "Test Locality Standard, edition 2569"),
])
def test_pdf_of_an_edition_has_its_title_extractable(client, edition, language, title, tmp_path):
    _set_language(client, language)
    response = client.get("/criteria/TST/2569/pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "edition.pdf"
    pdf.write_bytes(response.get_data())
    text = subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"], check=True,
                          capture_output=True, text=True).stdout
    assert _squash(title) in _squash(text)
    assert _squash("มาตรฐานทดสอบท้องถิ่น") in _squash(text)   # the standard's name
    again = client.get("/criteria/TST/2569/pdf")                 # served from the cache
    assert again.get_data() == response.get_data()
