"""Importing, publishing and retiring editions; published editions never change."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.errors import Conflict, Invalid
from lgo_assess.criteria import queries, services
from lgo_assess.criteria.loader import load_file, load_text
from lgo_assess.criteria.models import Criterion, EditionStatus, ScoringMethod, StandardEdition

FIXTURES = Path(__file__).resolve().parents[1] / "criteria_fixtures"
VALID_FILE = FIXTURES / "valid" / "TST" / "2569.yaml"


def _loaded(replace: tuple[str, str] | None = None):
    if replace is None:
        return load_file(VALID_FILE)
    text_ = VALID_FILE.read_text(encoding="utf-8")
    assert replace[0] in text_
    loaded = load_text(text_.replace(*replace), str(VALID_FILE), path=VALID_FILE)
    assert loaded.problems == []
    return loaded


def test_import_creates_a_draft_with_queryable_rows(db_session):
    result = services.import_edition(_loaded(), source_path="tests/TST/2569.yaml")
    edition = result.edition
    assert result.outcome == "created"
    assert edition.status == EditionStatus.DRAFT and edition.published_at is None
    assert edition.standard.code == "TST" and edition.standard.name_en == "Test Locality Standard"
    assert [s.code for s in edition.sections] == ["1", "2", "3", "4"]
    assert [c.code for c in edition.criteria] == ["1.1", "1.2", "2.1", "2.2", "3.1", "3.2", "4.1"]
    assert edition.kpis == ["SI9-G1-K1"]
    assert edition.fiscal_years == [2569] and edition.first_fiscal_year == 2569
    by_code = {c.code: c for c in edition.criteria}
    assert by_code["1.1"].scoring_method == ScoringMethod.LEVEL and by_code["1.1"].must_pass
    assert by_code["3.2"].applicability == {"lgo_types": ["pao", "town_municipality",
                                                          "subdistrict_municipality", "sao"],
                                            "area_tags_any": ["border"]}
    assert by_code["1.1"].section.code == "1" and by_code["2.1"].weight == 1
    assert edition.to_edition() == _loaded().edition  # the stored JSON rebuilds it exactly
    actions = db_session.execute(select(AuditEvent.action)).scalars().all()
    assert "criteria.edition_imported" in actions


def test_reimporting_an_unchanged_file_does_nothing(db_session):
    first = services.import_edition(_loaded()).edition
    imported_at = first.imported_at
    events = db_session.query(AuditEvent).count()
    again = services.import_edition(_loaded())
    assert again.outcome == "unchanged" and again.edition.id == first.id
    assert again.edition.imported_at == imported_at
    assert db_session.query(AuditEvent).count() == events


def test_a_changed_draft_is_updated_in_place_keeping_criterion_ids(db_session):
    edition = services.import_edition(_loaded()).edition
    ids = {c.code: c.id for c in edition.criteria}
    old_hash = edition.content_hash
    changed = _loaded(("Drafting local ordinances", "Drafting and reviewing local ordinances"))
    result = services.import_edition(changed)
    assert result.outcome == "updated" and result.edition.id == edition.id
    assert result.edition.content_hash != old_hash
    assert {c.code: c.id for c in result.edition.criteria} == ids
    assert db_session.get(Criterion, ids["1.1"]).title_en == \
        "Drafting and reviewing local ordinances"


def test_a_draft_can_lose_and_gain_criteria(db_session):
    edition = services.import_edition(_loaded()).edition
    changed = _loaded(('      - code: "1.2"', '      - code: "1.3"'))
    services.import_edition(changed)
    db_session.expire_all()
    assert [c.code for c in edition.criteria] == ["1.1", "1.3", "2.1", "2.2", "3.1", "3.2", "4.1"]


def test_changing_a_published_edition_is_refused_with_advice(db_session):
    edition = services.import_edition(_loaded()).edition
    services.publish_edition(edition)
    assert edition.status == EditionStatus.PUBLISHED and edition.published_at is not None
    assert services.import_edition(_loaded()).outcome == "unchanged"
    with pytest.raises(Conflict) as refused:
        services.import_edition(_loaded(("weight: 2\n        scoring:\n          method: level",
                                         "weight: 3\n        scoring:\n          method: level")))
    message = str(refused.value.message)
    assert "never changes" in message and "2570.yaml" in message and 'supersedes: "2569"' in message


def test_publish_and_retire_follow_the_status_order(db_session):
    edition = services.import_edition(_loaded()).edition
    with pytest.raises(Conflict):
        services.retire_edition(edition)
    services.publish_edition(edition)
    with pytest.raises(Conflict):
        services.publish_edition(edition)
    services.retire_edition(edition)
    assert edition.status == EditionStatus.RETIRED and edition.retired_at is not None
    actions = db_session.execute(select(AuditEvent.action)).scalars().all()
    assert {"criteria.edition_published", "criteria.edition_retired"} <= set(actions)


def test_a_file_with_problems_is_not_imported(db_session):
    loaded = load_file(FIXTURES / "broken" / "unknown_scale" / "TST" / "2569.yaml")
    with pytest.raises(Invalid):
        services.import_edition(loaded)


def _refused(db_session, sql: str, **params) -> None:
    savepoint = db_session.begin_nested()
    with pytest.raises(DBAPIError) as error:
        db_session.execute(text(sql), params)
        db_session.flush()
    savepoint.rollback()
    assert "published edition never changes" in str(error.value)


def test_the_database_refuses_changes_to_a_published_edition(db_session):
    edition = services.import_edition(_loaded()).edition
    services.publish_edition(edition)
    db_session.flush()
    criterion_id = edition.criteria[0].id
    _refused(db_session, "UPDATE criteria SET title_en = 'changed' WHERE id = :id", id=criterion_id)
    _refused(db_session, "DELETE FROM criteria WHERE id = :id", id=criterion_id)
    _refused(db_session, "UPDATE edition_sections SET weight = 9 WHERE edition_id = :id",
             id=edition.id)
    _refused(db_session, "DELETE FROM edition_kpis WHERE edition_id = :id", id=edition.id)
    _refused(db_session, "UPDATE standard_editions SET content_hash = 'x' WHERE id = :id",
             id=edition.id)
    _refused(db_session, "UPDATE standard_editions SET status = 'draft', published_at = NULL "
                         "WHERE id = :id", id=edition.id)
    _refused(db_session, "DELETE FROM standard_editions WHERE id = :id", id=edition.id)
    # Retiring is allowed: the content stays the same.
    services.retire_edition(edition)
    db_session.flush()
    assert db_session.get(StandardEdition, edition.id).status == EditionStatus.RETIRED


def test_the_database_allows_changes_to_a_draft(db_session):
    edition = services.import_edition(_loaded()).edition
    db_session.execute(text("UPDATE criteria SET weight = 5 WHERE edition_id = :id"),
                       {"id": edition.id})
    db_session.flush()


def test_search_finds_criteria_by_thai_or_english_words(db_session):
    edition = services.import_edition(_loaded()).edition
    services.publish_edition(edition)
    assert [c.code for c in queries.search_criteria("ประชาคม")] == ["4.1"]
    assert [c.code for c in queries.search_criteria("PUBLIC forum")] == ["4.1"]
    assert [c.code for c in queries.search_criteria("forum", edition=edition)] == ["4.1"]
    assert queries.search_criteria("forum nowhere-to-be-found") == []
    assert queries.search_criteria("   ") == []
    assert [c.code for c in queries.search_criteria("100%")] == []  # % is a letter here


def test_drafts_stay_out_of_public_lists_and_search(db_session):
    edition = services.import_edition(_loaded()).edition
    assert queries.search_criteria("forum") == []
    assert [c.code for c in queries.search_criteria("forum", include_drafts=True)] == ["4.1"]
    assert all(s.code != "TST" for s, _ in queries.list_standards())
    assert any(s.code == "TST" for s, _ in queries.list_standards(include_drafts=True))
    services.publish_edition(edition)
    assert any(s.code == "TST" for s, _ in queries.list_standards())


def test_editions_feeding_a_kpi(db_session):
    edition = services.import_edition(_loaded()).edition
    services.publish_edition(edition)
    assert queries.editions_feeding("SI9-G1-K1") == [edition]
    assert queries.editions_feeding("SI9-G1-K2") == []


def test_demo_step_imports_and_publishes_every_edition_once(app, monkeypatch, db_session):
    from lgo_assess.demo import criteria as demo_criteria
    monkeypatch.setitem(app.config, "CRITERIA_DIR", FIXTURES / "valid")
    said = []

    class Ctx:
        echo = said.append

    with app.app_context():
        assert demo_criteria.load(Ctx) == 2          # imported, then published
        assert demo_criteria.load(Ctx) == 0          # a second run changes nothing
        edition = queries.get_edition("TST", "2569")
        assert edition.status == EditionStatus.PUBLISHED and said == []
