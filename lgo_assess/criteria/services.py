"""Criteria services: import editions from loaded files, publish and retire them. The only code
that writes these tables (flush, never commit). Reads live in ``queries``."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lgo_assess.core.audit import record
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.errors import Conflict, Invalid
from lgo_assess.criteria.loader import EDITION, LoadedFile
from lgo_assess.criteria.models import (Criterion, EditionKpi, EditionStatus, ScoringMethod,
                                        Section, Standard, StandardEdition)

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"


@dataclass(frozen=True)
class ImportResult:
    edition: StandardEdition
    outcome: str            # created | updated | unchanged


def _next_code(code: str) -> str:
    return str(int(code) + 1) if code.isdigit() else f"{code}-2"


def import_edition(loaded: LoadedFile, *, source_path: str | None = None,
                   actor=None) -> ImportResult:
    """Store a loaded edition: create it as a draft, replace a draft's content, or do nothing if
    the content is unchanged. A published or retired edition whose content differs is refused:
    it never changes, a new edition must be made."""
    if loaded.kind != EDITION or loaded.edition is None or loaded.problems:
        raise Invalid(_l("%(file)s has problems; run flask criteria validate.",
                         file=loaded.path))
    edition = loaded.edition
    standard = db.session.execute(
        select(Standard).where(Standard.code == edition.standard.code)).scalar_one_or_none()
    row = None
    if standard is not None:
        row = db.session.execute(select(StandardEdition).where(
            StandardEdition.standard_id == standard.id,
            StandardEdition.code == edition.code)).scalar_one_or_none()
    if row is not None and row.content_hash == loaded.content_hash:
        return ImportResult(row, UNCHANGED)
    if row is not None and row.is_immutable:
        raise Conflict(_l(
            "Edition %(edition)s of %(standard)s is %(status)s and never changes: publish a new "
            "edition instead. Copy the file to a new edition (e.g. %(next)s.yaml), set "
            "supersedes: \"%(edition)s\" there, make your changes, then import and publish it.",
            edition=edition.code, standard=edition.standard.code, status=row.status.title,
            next=_next_code(edition.code)))

    if standard is None:
        standard = Standard(code=edition.standard.code)
        db.session.add(standard)
    standard.plan_ref = edition.standard.plan_ref
    standard.name_th, standard.name_en = edition.standard.name.th, edition.standard.name.en
    standard.owner_th, standard.owner_en = edition.standard.owner.th, edition.standard.owner.en

    outcome = UPDATED if row is not None else CREATED
    if row is None:
        row = StandardEdition(standard=standard, code=edition.code, status=EditionStatus.DRAFT)
        db.session.add(row)
    row.title_th, row.title_en = edition.title.th, edition.title.en
    row.fiscal_years = list(edition.fiscal_years)
    row.first_fiscal_year, row.last_fiscal_year = min(edition.fiscal_years), max(
        edition.fiscal_years)
    row.supersedes = edition.supersedes
    row.certificate_validity_months = edition.certificate_validity_months
    row.not_applicable_default = edition.not_applicable_default
    row.content_hash = loaded.content_hash
    row.source_path = (source_path or loaded.path)[-300:]
    row.document = loaded.document
    row.imported_at = utcnow()
    db.session.flush()
    _write_rows(row, loaded)
    db.session.flush()
    record(actor, "criteria.edition_imported", row, standard=standard.code, edition=row.code,
           content_hash=row.content_hash, outcome=outcome, source=row.source_path)
    return ImportResult(row, outcome)


def _write_rows(row: StandardEdition, loaded: LoadedFile) -> None:
    """Bring the edition's section, criterion and KPI rows in line with the document, keeping
    the ids of codes that stay (a draft may already be referenced while it is prepared)."""
    edition, document = loaded.edition, loaded.document
    sections = {s.code: s for s in row.sections}
    criteria = {c.code: c for c in row.criteria}
    documents = {c["code"]: c for s in document["sections"] for c in s["criteria"]}
    keep_sections, keep_criteria = set(), set()
    for position, section in enumerate(edition.sections):
        srow = sections.get(section.code)
        if srow is None:
            srow = Section(edition=row, code=section.code)
            db.session.add(srow)
        srow.position = position
        srow.title_th, srow.title_en = section.title.th, section.title.en
        srow.weight = section.weight
        srow.section_minimum_percent = section.section_minimum_percent
        keep_sections.add(section.code)
        for criterion in section.criteria:
            crow = criteria.get(criterion.code)
            if crow is None:
                crow = Criterion(edition=row, code=criterion.code)
                db.session.add(crow)
            crow.section = srow
            crow.position = criterion.order
            crow.title_th, crow.title_en = criterion.title.th, criterion.title.en
            crow.weight = criterion.weight
            crow.scoring_method = ScoringMethod(criterion.scoring.method)
            crow.must_pass = criterion.must_pass is not None
            crow.definition = documents[criterion.code]
            crow.applicability = documents[criterion.code].get("applies_to")
            crow.search_text = criterion.text_for_search.lower()
            keep_criteria.add(criterion.code)
    for code, crow in criteria.items():
        if code not in keep_criteria:
            db.session.delete(crow)
    db.session.flush()
    for code, srow in sections.items():
        if code not in keep_sections:
            db.session.delete(srow)
    links = {link.kpi_id: link for link in row.kpi_links}
    for kpi_id in edition.kpis:
        if kpi_id not in links:
            row.kpi_links.append(EditionKpi(kpi_id=kpi_id))
    for kpi_id, link in links.items():
        if kpi_id not in edition.kpis:
            row.kpi_links.remove(link)


def publish_edition(edition: StandardEdition, *, actor=None) -> StandardEdition:
    if edition.status != EditionStatus.DRAFT:
        raise Conflict(_l("Only a draft edition can be published; %(edition)s is %(status)s.",
                          edition=edition.label, status=edition.status.title))
    edition.status = EditionStatus.PUBLISHED
    edition.published_at = utcnow()
    db.session.flush()
    record(actor, "criteria.edition_published", edition, standard=edition.standard.code,
           edition=edition.code, content_hash=edition.content_hash)
    return edition


def retire_edition(edition: StandardEdition, *, actor=None) -> StandardEdition:
    if edition.status != EditionStatus.PUBLISHED:
        raise Conflict(_l("Only a published edition can be retired; %(edition)s is "
                          "%(status)s.", edition=edition.label, status=edition.status.title))
    edition.status = EditionStatus.RETIRED
    edition.retired_at = utcnow()
    db.session.flush()
    record(actor, "criteria.edition_retired", edition, standard=edition.standard.code,
           edition=edition.code)
    return edition


__all__ = ["CREATED", "UNCHANGED", "UPDATED", "ImportResult", "import_edition",
           "publish_edition", "retire_edition"]
