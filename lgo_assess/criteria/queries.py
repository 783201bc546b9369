"""Criteria reads for the pages, the CLI and other packages: scoped (drafts only when asked, i.e.
for those who may manage criteria), and search over both languages."""
from __future__ import annotations

import re

from sqlalchemy import and_, select
from sqlalchemy.orm import joinedload

from lgo_assess.core.db import db
from lgo_assess.core.errors import NotFound
from lgo_assess.criteria.models import (Criterion, EditionKpi, EditionStatus, Standard,
                                        StandardEdition)


def _visible(include_drafts: bool):
    return None if include_drafts else StandardEdition.status != EditionStatus.DRAFT


def list_standards(*, include_drafts: bool = False) -> list[tuple[Standard, list[StandardEdition]]]:
    query = select(StandardEdition).options(joinedload(StandardEdition.standard))
    condition = _visible(include_drafts)
    if condition is not None:
        query = query.where(condition)
    by_standard: dict[int, tuple[Standard, list[StandardEdition]]] = {}
    for edition in db.session.execute(query.order_by(StandardEdition.code)).scalars():
        by_standard.setdefault(edition.standard_id, (edition.standard, []))[1].append(edition)
    return sorted(by_standard.values(), key=lambda pair: pair[0].code)


def get_standard(code: str, *,
                 include_drafts: bool = False) -> tuple[Standard, list[StandardEdition]]:
    standard = db.session.execute(
        select(Standard).where(Standard.code == code)).scalar_one_or_none()
    editions = [e for e in standard.editions
                if include_drafts or e.status != EditionStatus.DRAFT] if standard else []
    if standard is None or not editions:
        raise NotFound()
    return standard, editions


def get_edition(standard_code: str, edition_code: str, *,
                include_drafts: bool = True) -> StandardEdition:
    edition = db.session.execute(
        select(StandardEdition).join(Standard).where(Standard.code == standard_code,
                                                     StandardEdition.code == edition_code)
    ).scalar_one_or_none()
    if edition is None or (edition.status == EditionStatus.DRAFT and not include_drafts):
        raise NotFound()
    return edition


_WORDS = re.compile(r"\S+")


def _like(word: str) -> str:
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search_criteria(text: str, *, edition: StandardEdition | None = None,
                    include_drafts: bool = False, limit: int = 200) -> list[Criterion]:
    """Criteria whose texts (Thai or English) hold every word of ``text``, in one edition or
    across every visible edition of every standard."""
    words = _WORDS.findall(text.lower())[:8]
    if not words:
        return []
    conditions = [Criterion.search_text.like(_like(w), escape="\\") for w in words]
    query = (select(Criterion).join(StandardEdition).join(Standard)
             .options(joinedload(Criterion.edition).joinedload(StandardEdition.standard))
             .where(and_(*conditions)))
    if edition is not None:
        query = query.where(Criterion.edition_id == edition.id)
    visible = _visible(include_drafts)
    if visible is not None:
        query = query.where(visible)
    query = query.order_by(Standard.code, StandardEdition.code.desc(), Criterion.position)
    return list(db.session.execute(query.limit(limit)).unique().scalars())


def editions_feeding(kpi_id: str, *, include_drafts: bool = False) -> list[StandardEdition]:
    """Editions that name ``kpi_id`` in ``edition.kpis`` (for the KPI pages)."""
    query = select(StandardEdition).join(EditionKpi).where(EditionKpi.kpi_id == kpi_id)
    visible = _visible(include_drafts)
    if visible is not None:
        query = query.where(visible)
    return list(db.session.execute(query.order_by(StandardEdition.code)).scalars())
