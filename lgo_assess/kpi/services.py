"""KPI services: the only writers of the catalogue tables, targets and manual values.

They flush and never commit, record an audit event and raise ``DomainError``s. Files that
support a manual value go to the KPI file store (``KPI_FILES_DIR``, default
``instance/kpi-files``): the evidence package's content-addressed ``BlobStore`` (atomic,
crash-safe writes) and its content checks (``sniffing``), but a store of its own, because an
evidence library belongs to one LGO and fiscal year, counts against that LGO's quota and is swept
by the evidence package, while a KPI's source document belongs to DLA.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from lgo_assess.core.audit import record
from lgo_assess.core.db import db
from lgo_assess.core.errors import Invalid, NotFound
from lgo_assess.criteria.catalogue import KpiCatalogue
from lgo_assess.kpi import policies, rollup, summary
from lgo_assess.kpi.models import Kpi, KpiTarget, KpiValue

MAX_FILE_BYTES = 20 * 1024 * 1024


@dataclass
class CatalogueImport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


def _values_of(kpi, position: int, plan_code: str) -> dict:
    formula = None
    if kpi.formula is not None:
        formula = {"type": kpi.formula.type, "standard": kpi.formula.standard,
                   "population": {"lgo_types": sorted(kpi.formula.population_lgo_types)}}
        if kpi.formula.min_result_level:
            formula["min_result_level"] = kpi.formula.min_result_level
    return {
        "plan_code": plan_code, "position": position, "strategic_issue": kpi.strategic_issue,
        "goal": kpi.goal, "name_th": kpi.name.th, "name_en": kpi.name.en or kpi.name.th,
        "kind": kpi.kind, "unit": kpi.unit, "direction": kpi.direction, "source": kpi.source,
        "plan_line": kpi.plan_line, "formula": formula,
        "note_th": kpi.note.th if kpi.note else None,
        "note_en": kpi.note.en if kpi.note else None,
    }


def import_catalogue(catalogue: KpiCatalogue, *, actor=None) -> CatalogueImport:
    """Create or update the KPIs of a catalogue (by id). Running it again changes nothing.
    KPIs missing from the file are kept: their targets and values are history."""
    if not (catalogue.first_fiscal_year >= summary.FIRST_YEAR
            and catalogue.last_fiscal_year <= summary.LAST_YEAR):
        raise Invalid(_l("The catalogue's fiscal years %(first)s–%(last)s are outside the "
                         "summary's %(a)s–%(b)s.", first=catalogue.first_fiscal_year,
                         last=catalogue.last_fiscal_year, a=summary.FIRST_YEAR,
                         b=summary.LAST_YEAR))
    existing = {k.id: k for k in db.session.execute(select(Kpi)).scalars()}
    result = CatalogueImport()
    for position, item in enumerate(catalogue.kpis, start=1):
        values = _values_of(item, position, catalogue.plan_code)
        row = existing.get(item.id)
        if row is None:
            db.session.add(Kpi(id=item.id, **values))
            result.created += 1
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            result.updated += 1
        else:
            result.unchanged += 1
    db.session.flush()
    if result.created or result.updated:
        record(actor, "kpi.catalogue_imported", None, plan=catalogue.plan_code,
               created=result.created, updated=result.updated)
    return result


def load_catalogue(path: Path | str) -> KpiCatalogue:
    """The catalogue file at ``path``, checked against the criteria it refers to."""
    from lgo_assess.criteria.loader import load_library
    library = load_library([path], context=[current_app.config["CRITERIA_DIR"]])
    if not library.ok:
        raise Invalid(_l("The KPI catalogue has problems: %(problems)s",
                         problems="; ".join(str(p) for p in library.problems[:5])))
    if not library.catalogues:
        raise Invalid(_l("%(path)s is not a KPI catalogue.", path=str(path)))
    return library.catalogues[0].catalogue


def default_catalogue_path() -> Path:
    return Path(current_app.config["CRITERIA_DIR"]) / "kpis" / "plan-2561-2570.yaml"


# -- Targets and values ---------------------------------------------------------------------------

def _check_year(fiscal_year: int) -> None:
    if fiscal_year not in summary.YEARS:
        raise Invalid(_l("Fiscal year %(fy)s is not a year of the plan (%(a)s–%(b)s).",
                         fy=fiscal_year, a=summary.FIRST_YEAR, b=summary.LAST_YEAR))


def _check_scope(scope: str) -> str:
    try:
        return rollup.Scope.parse(scope).key
    except ValueError:
        raise Invalid(_l("Unknown scope %(scope)s.", scope=scope)) from None


def _check_number(kpi: Kpi, value: float) -> None:
    if value is None or value != value or value < 0:
        raise Invalid(_l("Give a number of zero or more."))
    if kpi.unit == "percent" and value > 100:
        raise Invalid(_l("A percentage cannot be over 100."))


def set_target(kpi: Kpi, fiscal_year: int, value: float | None, *, scope: str = rollup.NATION,
               actor) -> KpiTarget | None:
    """Set (or, with ``value`` None, remove) a KPI's target for a fiscal year and scope."""
    if not policies.can_set_targets(actor):
        from lgo_assess.core.errors import Forbidden
        raise Forbidden(_l("Only a DLA administrator sets KPI targets."))
    _check_year(fiscal_year)
    scope = _check_scope(scope)
    target = db.session.execute(select(KpiTarget).where(
        KpiTarget.kpi_id == kpi.id, KpiTarget.fiscal_year == fiscal_year,
        KpiTarget.scope == scope)).scalar_one_or_none()
    old = target.value if target else None
    if value is None:
        if target is not None:
            db.session.delete(target)
            db.session.flush()
            record(actor, "kpi.target_removed", ("kpi", kpi.id), fiscal_year=fiscal_year,
                   scope=scope, old=old)
        return None
    _check_number(kpi, value)
    if target is None:
        target = KpiTarget(kpi_id=kpi.id, fiscal_year=fiscal_year, scope=scope)
        db.session.add(target)
    target.value = float(value)
    target.set_by_id = getattr(actor, "id", None)
    db.session.flush()
    if old != target.value:
        record(actor, "kpi.target_set", ("kpi", kpi.id), fiscal_year=fiscal_year, scope=scope,
               old=old, new=target.value)
    return target


def file_store():
    from lgo_assess.evidence.storage import BlobStore
    root = current_app.config.get("KPI_FILES_DIR") or \
        Path(current_app.config["INSTANCE_DIR"]) / "kpi-files"
    return BlobStore(root)


@dataclass(frozen=True)
class UploadedFile:
    stream: BinaryIO
    filename: str


def _store_file(upload: UploadedFile) -> tuple[str, str, str, int]:
    from lgo_assess.evidence.sniffing import Refusal, sniff
    from lgo_assess.evidence.storage import TooLarge
    store = file_store()
    try:
        staged = store.stage(upload.stream, max_bytes=MAX_FILE_BYTES)
    except TooLarge:
        raise Invalid(_l("The file is larger than %(mb)s MB.",
                         mb=MAX_FILE_BYTES // (1024 * 1024))) from None
    try:
        with open(staged.path, "rb") as handle:
            kind = sniff(handle, upload.filename)
    except Refusal as refusal:
        store.discard(staged)
        raise Invalid(_l("This file cannot be kept: %(why)s", why=str(refusal))) from None
    store.commit(staged)
    name = Path(upload.filename).name[:255] or f"file.{kind.extension}"
    return staged.sha256, name, kind.content_type, staged.size


def enter_value(kpi: Kpi, fiscal_year: int, value: float, source_text: str, *,
                scope: str = rollup.NATION, upload: UploadedFile | None = None,
                actor) -> KpiValue:
    """Enter (or correct) a manual KPI's value for a fiscal year and scope, with its source and
    optionally a supporting file. The audit log keeps every earlier value."""
    if not policies.can_enter_values(actor):
        from lgo_assess.core.errors import Forbidden
        raise Forbidden(_l("Only a DLA approver enters KPI values."))
    if kpi.is_computed:
        raise Invalid(_l("%(kpi)s is computed from certificates; it cannot be entered.",
                         kpi=kpi.id))
    _check_year(fiscal_year)
    scope = _check_scope(scope)
    _check_number(kpi, value)
    source_text = (source_text or "").strip()
    if not source_text:
        raise Invalid(_l("Say where the figure comes from."))
    row = db.session.execute(select(KpiValue).where(
        KpiValue.kpi_id == kpi.id, KpiValue.fiscal_year == fiscal_year,
        KpiValue.scope == scope)).scalar_one_or_none()
    old = (row.value, row.source_text, row.file_sha256) if row else None
    if row is None:
        row = KpiValue(kpi_id=kpi.id, fiscal_year=fiscal_year, scope=scope)
        db.session.add(row)
    row.value, row.source_text = float(value), source_text
    row.entered_by_id = getattr(actor, "id", None)
    if upload is not None:
        row.file_sha256, row.file_name, row.file_type, row.file_size = _store_file(upload)
    db.session.flush()
    record(actor, "kpi.value_entered", ("kpi", kpi.id), fiscal_year=fiscal_year, scope=scope,
           value=row.value, source=source_text, file=row.file_sha256,
           old=list(old) if old else None)
    return row


def get_kpi(kpi_id: str) -> Kpi:
    kpi = db.session.get(Kpi, kpi_id)
    if kpi is None:
        raise NotFound(_l("No KPI %(id)s.", id=kpi_id))
    return kpi
