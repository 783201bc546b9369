"""Historical certification results: DLA's records from before the platform, imported as
historical certificates so the KPI trends start in fiscal year 2561, not when the platform did.

``check_file`` reads a CSV or XLSX file (``history_file``) and checks every row against the
registry, the criteria and the certificates already recorded: unknown LGO or standard, an LGO
without a type that year, a level the edition does not have, a date outside the fiscal year,
valid-until before issue, a number used twice, a supersession that points nowhere or loops.
``import_history`` refuses a file with any problem whole (``HistoryFileRefused`` names every
one by line, column and reason) and otherwise writes its certificates in the caller's
transaction, in one import batch, and records it in the audit log.

Importing the same file again changes nothing: a file already imported (same SHA-256) is
recognised, and a row whose number is already recorded with the same facts is left as it is.

A historical certificate has no decision, signed payload or QR code; it gets a verification
page that says it was imported and from which file, appears in the register and counts in the
KPIs exactly like an issued one (``kpi.summary`` reads ``Certificate.is_valid_on``): valid at
the end of a fiscal year if issued on or before that day and not yet expired, revoked or
superseded then, in Bangkok time.
"""
from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lgo_assess.certification import numbering, services
from lgo_assess.certification.history_file import (COLUMN_BY_KEY, COLUMNS, MAX_TEXT, CellError,
                                                   Moment, Problem, Table, calendar_value,
                                                   certificate_number, column_of,
                                                   fiscal_year_value, moment_value,
                                                   normalise_text, read_table, text_value)
from lgo_assess.certification.models import (Certificate, CertificateImportBatch,
                                              CertificateStatus)
from lgo_assess.core.audit import record
from lgo_assess.core.db import db
from lgo_assess.core.errors import Invalid
from lgo_assess.core.i18n import current_language
from lgo_assess.core.thaidate import (fiscal_year, fiscal_year_range, format_date,
                                      today_bangkok)
from lgo_assess.criteria.models import EditionStatus, Standard, StandardEdition
from lgo_assess.registry.models import Lgo

_CHUNK = 500
# What a successor's correction reason says (the database requires one on every successor).
SUPERSESSION_NOTE = "บันทึกจากข้อมูลเดิมของกรมส่งเสริมการปกครองท้องถิ่น (historical record)"

MESSAGES = {
    # the file
    "file_empty": _l("The file is empty."),
    "file_too_big": _l("The file is larger than %(max)s MB; split it."),
    "file_format": _l("This is neither a CSV nor an XLSX file: save it as .xlsx or as CSV."),
    "file_encoding": _l("The CSV file is neither UTF-8 nor Windows-874 (TIS-620) text."),
    "xlsx_unreadable": _l("The spreadsheet cannot be read (%(why)s): save it again as .xlsx."),
    "csv_syntax": _l("The CSV file cannot be read here: %(why)s."),
    "too_many_rows": _l("The file has more than %(max)s rows; split it."),
    "no_rows": _l("The file has a header but no certificates."),
    "unknown_column": _l("Unknown column: give it one of the template's headers, or delete it."),
    "duplicate_column": _l("This column appears twice (also as %(other)s)."),
    "missing_column": _l("This column is missing; it is required."),
    "value_without_header": _l("Column %(position)s has values but no header."),
    # one value
    "required": _l("This value is required."),
    "too_long": _l("At most %(max)s characters."),
    "calendar_value": _l("%(value)s is not a calendar: write พ.ศ. (B.E.) or ค.ศ. (C.E.)."),
    "calendar_conflict_be": _l("The year %(year)s is not a B.E. year, as the calendar column "
                               "says."),
    "calendar_conflict_ce": _l("The year %(year)s is not a C.E. year, as the calendar column "
                               "says."),
    "year_implausible": _l("The year %(year)s is neither a B.E. year (above 2400) nor a "
                           "plausible C.E. year."),
    "date_format": _l("%(value)s is not a date: write it as 2567-10-01, 1/10/2567 or "
                      "1 ต.ค. 2567."),
    "date_invalid": _l("%(value)s is not a day of the calendar."),
    "fiscal_year_format": _l("%(value)s is not a fiscal year: write its B.E. year, e.g. 2565."),
    # against the registry and the criteria
    "unknown_lgo": _l("No LGO has the code %(code)s in the registry."),
    "lgo_not_in_year": _l("LGO %(code)s has no type in the registry for fiscal year %(fy)s (it "
                          "did not exist then, was no longer active, or its type history starts "
                          "later): correct the registry first."),
    "unknown_standard": _l("No standard has the code %(code)s."),
    "unknown_edition": _l("Standard %(standard)s has no published edition %(edition)s (it has: "
                          "%(editions)s)."),
    "no_edition": _l("Standard %(standard)s has no published edition to record the result "
                     "against."),
    "unknown_level": _l("%(value)s is not a result level of %(edition)s (its levels: "
                        "%(levels)s)."),
    "future_year": _l("Fiscal year %(fy)s has not begun."),
    "future_date": _l("%(date)s is in the future."),
    "outside_fiscal_year": _l("%(date)s is outside fiscal year %(fy)s (%(start)s – %(end)s)."),
    "valid_until_before_issue": _l("Valid until %(date)s is before the issue date %(issued)s."),
    "revoked_before_issue": _l("The revocation date %(date)s is before the issue date "
                               "%(issued)s."),
    "revocation_needs_reason": _l("A revocation needs its reason."),
    "reason_needs_date": _l("A revocation reason needs the revocation date."),
    "revoked_and_superseded": _l("A certificate is either revoked or superseded, not both."),
    # against the other rows and the certificates already recorded
    "duplicate_number": _l("Certificate number %(number)s is also on line %(line)s."),
    "number_issued_here": _l("Certificate number %(number)s is a certificate issued on this "
                             "platform."),
    "number_imported_differently": _l("Certificate number %(number)s was imported before "
                                      "(from %(file)s) with other facts: %(fields)s."),
    "unknown_successor": _l("No certificate %(number)s in this file or in earlier imports."),
    "successor_not_historical": _l("Certificate %(number)s was issued on this platform; only a "
                                   "historical certificate can be named here."),
    "successor_elsewhere": _l("Certificate %(number)s is of another LGO or standard."),
    "successor_earlier": _l("Certificate %(number)s was issued on %(date)s, before this one."),
    "successor_taken": _l("Certificate %(number)s already replaces %(other)s."),
    "chain_loops": _l("The supersession chain loops: %(chain)s."),
}

FIELD_TITLES = {
    "lgo_code": _l("LGO code"), "standard_code": _l("Standard code"), "edition": _l("Edition"),
    "fiscal_year": _l("Fiscal year"), "result_level": _l("Result level"),
    "issued_on": _l("Issue date"), "valid_until": _l("Valid until"),
    "revoked_on": _l("Revocation date"), "revocation_reason": _l("Revocation reason"),
    "superseded_by": _l("Superseded by"),
}


def describe(problem: Problem) -> str:
    """The problem's reason in the reader's language."""
    message = str(MESSAGES[problem.code])
    return message % problem.params if problem.params else message


class HistoryFileRefused(Invalid):
    """The file has problems; nothing was written. ``problems`` names every one."""

    def __init__(self, problems: list[Problem]):
        super().__init__(ngettext("The file is refused (%(num)s problem); nothing was imported.",
                                  "The file is refused (%(num)s problems); nothing was "
                                  "imported.", len(problems)))
        self.problems = problems


# -- Checking ------------------------------------------------------------------------------------

@dataclass
class Row:
    """One certificate of the file, parsed and (once checked) resolved."""

    line: int
    lgo_code: str | None = None
    standard_code: str | None = None
    edition_code: str | None = None
    fiscal_year: int | None = None
    level_text: str | None = None
    issued: Moment | None = None
    valid_until: date | None = None
    number: str | None = None
    revoked: Moment | None = None
    revocation_reason: str | None = None
    superseded_by: str | None = None
    lgo: Lgo | None = None
    edition: StandardEdition | None = None
    level_code: str | None = None
    existing: Certificate | None = None          # recorded before with the same facts


@dataclass
class Plan:
    """What a file would do: its rows, the new ones and its problems (none: importable)."""

    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    existing: dict[str, Certificate] = field(default_factory=dict)    # by number

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def new(self) -> list[Row]:
        return [r for r in self.rows if r.existing is None]

    @property
    def unchanged(self) -> list[Row]:
        return [r for r in self.rows if r.existing is not None]


class _Checker:
    def __init__(self, table: Table, today: date):
        self.table = table
        self.today = today
        self.problems: list[Problem] = []

    def fail(self, row: Row, key: str, kind: str, /, **params) -> None:
        column = self.table.headers.get(key) or COLUMN_BY_KEY[key].header if key else ""
        self.problems.append(Problem(row.line, column, kind, params))

    # -- each cell

    def parse(self, line: int, cells: dict) -> Row:
        row = Row(line)
        calendar = None
        try:
            calendar = calendar_value(cells.get("calendar"))
        except CellError as error:
            self.fail(row, "calendar", error.code, **error.params)
        missing = [key for key in ("lgo_code", "standard_code", "result_level",
                                   "certificate_number") if text_value(cells.get(key)) is None]
        for key in ("lgo_code", "standard_code", "edition", "result_level", "revocation_reason"):
            value = text_value(cells.get(key))
            if value and len(value) > MAX_TEXT[key]:
                self.fail(row, key, "too_long", max=MAX_TEXT[key])
                value = None
            setattr(row, {"edition": "edition_code", "result_level": "level_text"}.get(key, key),
                    value)
        if row.standard_code:
            row.standard_code = row.standard_code.upper()
        for key in ("certificate_number", "superseded_by"):
            value = certificate_number(cells.get(key))
            if value and len(value) > MAX_TEXT[key]:
                self.fail(row, key, "too_long", max=MAX_TEXT[key])
                value = None
            setattr(row, "number" if key == "certificate_number" else key, value)
        for key in missing:
            self.fail(row, key, "required")
        try:
            row.fiscal_year = fiscal_year_value(cells.get("fiscal_year"))
        except CellError as error:
            self.fail(row, "fiscal_year", error.code, **error.params)
        for key, attribute in (("issued_on", "issued"), ("valid_until", "valid_until"),
                               ("revoked_on", "revoked")):
            try:
                moment = moment_value(cells.get(key), calendar)
            except CellError as error:
                self.fail(row, key, error.code, **error.params)
                continue
            if moment is None and key == "issued_on":
                self.fail(row, key, "required")
            setattr(row, attribute, moment.day if moment and key == "valid_until" else moment)
        return row

    # -- each row against the registry and the criteria

    def check_row(self, row: Row, lgos: dict, standards: dict) -> None:
        today_fy = fiscal_year(self.today)
        if row.fiscal_year is not None and row.fiscal_year > today_fy:
            self.fail(row, "fiscal_year", "future_year", fy=row.fiscal_year)
            row.fiscal_year = None
        if row.lgo_code:
            row.lgo = lgos.get(row.lgo_code)
            if row.lgo is None:
                self.fail(row, "lgo_code", "unknown_lgo", code=row.lgo_code)
            elif row.fiscal_year is not None and not row.lgo.is_active_in(row.fiscal_year):
                self.fail(row, "lgo_code", "lgo_not_in_year", code=row.lgo_code,
                          fy=row.fiscal_year)
        if row.standard_code:
            standard = standards.get(row.standard_code)
            if standard is None:
                self.fail(row, "standard_code", "unknown_standard", code=row.standard_code)
            else:
                row.edition = self._edition(row, standard)
        if row.edition is not None and row.level_text:
            row.level_code = level_code(row.edition, row.level_text)
            if row.level_code is None:
                self.fail(row, "result_level", "unknown_level", value=row.level_text,
                          edition=f"{row.standard_code} {row.edition.code}",
                          levels=", ".join(code for code, _th, _en in levels_of(row.edition)))
        self._dates(row)

    def _edition(self, row: Row, standard: Standard) -> StandardEdition | None:
        editions = [e for e in standard.editions if e.status != EditionStatus.DRAFT]
        if row.edition_code:
            found = next((e for e in editions
                          if normalise_text(e.code).casefold() == row.edition_code.casefold()),
                         None)
            if found is None:
                self.fail(row, "edition", "unknown_edition", standard=standard.code,
                          edition=row.edition_code,
                          editions=", ".join(e.code for e in editions) or "-")
            return found
        if not editions:
            self.fail(row, "standard_code", "no_edition", standard=standard.code)
            return None
        return edition_for(editions, row.fiscal_year)

    def _dates(self, row: Row) -> None:
        issued = row.issued.day if row.issued else None
        if issued is not None:
            if issued > self.today:
                self.fail(row, "issued_on", "future_date", date=_show(issued))
            elif row.fiscal_year is not None and fiscal_year(issued) != row.fiscal_year:
                start, end = fiscal_year_range(row.fiscal_year)
                self.fail(row, "issued_on", "outside_fiscal_year", date=_show(issued),
                          fy=row.fiscal_year, start=_show(start), end=_show(end))
        if row.valid_until is None and issued is not None and row.edition is not None:
            row.valid_until = services.add_months(issued,
                                                  row.edition.certificate_validity_months)
        elif row.valid_until is not None and issued is not None and row.valid_until < issued:
            self.fail(row, "valid_until", "valid_until_before_issue", date=_show(row.valid_until),
                      issued=_show(issued))
        if row.revoked is not None:
            if row.revoked.day > self.today:
                self.fail(row, "revoked_on", "future_date", date=_show(row.revoked.day))
            elif issued is not None and row.revoked.day < issued:
                self.fail(row, "revoked_on", "revoked_before_issue",
                          date=_show(row.revoked.day), issued=_show(issued))
            if not row.revocation_reason:
                self.fail(row, "revocation_reason", "revocation_needs_reason")
            if row.superseded_by:
                self.fail(row, "superseded_by", "revoked_and_superseded")
        elif row.revocation_reason:
            self.fail(row, "revoked_on", "reason_needs_date")

    # -- the rows together, and against what is recorded

    def check_numbers(self, rows: list[Row], existing: dict[str, Certificate]) -> None:
        first_line: dict[str, int] = {}
        for row in rows:
            if not row.number:
                continue
            if row.number in first_line:
                self.fail(row, "certificate_number", "duplicate_number", number=row.number,
                          line=first_line[row.number])
                continue
            first_line[row.number] = row.line
            recorded = existing.get(row.number)
            if recorded is None:
                continue
            if not recorded.is_historical:
                self.fail(row, "certificate_number", "number_issued_here", number=row.number)
                continue
            differences = differing_fields(row, recorded)
            if differences:
                self.fail(row, "certificate_number", "number_imported_differently",
                          number=row.number, file=recorded.import_batch.file_name,
                          fields=", ".join(str(FIELD_TITLES[f]) for f in differences))
            else:
                row.existing = recorded

    def check_supersession(self, rows: list[Row], existing: dict[str, Certificate]) -> None:
        by_number = {r.number: r for r in rows if r.number}
        claimed: dict[str, str] = {}
        for cert in existing.values():
            if cert.supersedes is not None:
                claimed[cert.serial] = cert.supersedes.serial
        for row in rows:
            successor = row.superseded_by
            if not successor or not row.number or successor == row.number or row.revoked:
                continue          # naming itself: a loop; revoked too: refused already
            in_file = by_number.get(successor)
            recorded = existing.get(successor)
            if in_file is None and recorded is None:
                self.fail(row, "superseded_by", "unknown_successor", number=successor)
                continue
            if in_file is None and not recorded.is_historical:
                self.fail(row, "superseded_by", "successor_not_historical", number=successor)
                continue
            lgo_code = in_file.lgo_code if in_file else recorded.lgo.dla_code
            standard = in_file.standard_code if in_file else recorded.standard_code
            issued = (in_file.issued.day if in_file and in_file.issued else
                      None if in_file else recorded.issued_on)
            if (row.lgo_code, row.standard_code) != (lgo_code, standard):
                self.fail(row, "superseded_by", "successor_elsewhere", number=successor)
            elif issued is not None and row.issued is not None and issued < row.issued.day:
                self.fail(row, "superseded_by", "successor_earlier", number=successor,
                          date=_show(issued))
            other = claimed.get(successor)
            if other is not None and other != row.number:
                self.fail(row, "superseded_by", "successor_taken", number=successor, other=other)
            else:
                claimed[successor] = row.number
        self._loops(rows, existing)

    def _loops(self, rows: list[Row], existing: dict[str, Certificate]) -> None:
        following: dict[str, str] = {}
        for cert in existing.values():
            if cert.superseded_by is not None:
                following[cert.serial] = cert.superseded_by.serial
        for row in rows:
            if row.number and row.superseded_by:
                following[row.number] = row.superseded_by
        for row in rows:
            if not row.number or not row.superseded_by:
                continue
            chain, current = [row.number], following.get(row.number)
            while current is not None and current not in chain:
                chain.append(current)
                current = following.get(current)
            if current == row.number:
                self.fail(row, "superseded_by", "chain_loops",
                          chain=" → ".join([*chain, row.number]))


def _show(day: date) -> str:
    try:
        language = current_language()
    except RuntimeError:                   # outside a request or app context
        language = "th"
    return format_date(day, language)


def levels_of(edition: StandardEdition) -> list[tuple[str, str, str]]:
    """(code, Thai label, English label) of the edition's result levels, lowest first."""
    out = []
    for level in edition.document["result"]["levels"]:
        label = level.get("label") or {}
        if isinstance(label, str):
            label = {"th": label}
        out.append((level["code"], label.get("th") or level["code"],
                    label.get("en") or label.get("th") or level["code"]))
    return out


def level_code(edition: StandardEdition, text: str) -> str | None:
    """The level a file names by its code or its Thai or English label."""
    wanted = normalise_text(text).casefold()
    for code, th, en in levels_of(edition):
        if wanted in (code.casefold(), normalise_text(th).casefold(),
                      normalise_text(en).casefold()):
            return code
    return None


def edition_for(editions: list[StandardEdition], fy: int | None) -> StandardEdition:
    """The edition a result of fiscal year ``fy`` is recorded against when the file does not
    say: the one serving that year, else the latest one before it, else the earliest."""
    if fy is not None:
        serving = [e for e in editions if e.serves(fy)]
        if serving:
            return max(serving, key=lambda e: e.first_fiscal_year)
        earlier = [e for e in editions if e.first_fiscal_year <= fy]
        if earlier:
            return max(earlier, key=lambda e: e.first_fiscal_year)
    return min(editions, key=lambda e: e.first_fiscal_year)


def differing_fields(row: Row, cert: Certificate) -> list[str]:
    """The facts in which a row differs from the certificate recorded under its number."""
    revoked_at = cert.revoked_at if cert.status == CertificateStatus.REVOKED else None
    successor = cert.superseded_by.serial if cert.superseded_by else None
    pairs = {
        "lgo_code": (row.lgo.id if row.lgo else row.lgo_code, cert.lgo_id),
        "standard_code": (row.standard_code, cert.standard_code),
        "edition": (row.edition.id if row.edition else row.edition_code, cert.edition_id),
        "fiscal_year": (row.fiscal_year, cert.fiscal_year),
        "result_level": (row.level_code, cert.result_level_code),
        "issued_on": (row.issued.day if row.issued else None, cert.issued_on),
        "valid_until": (row.valid_until, cert.valid_until),
        "revoked_on": (row.revoked.utc() if row.revoked else None, revoked_at),
        "revocation_reason": (row.revocation_reason if row.revoked else None,
                              cert.revocation_reason if revoked_at else None),
        "superseded_by": (row.superseded_by, successor),
    }
    return [name for name, (mine, theirs) in pairs.items() if mine != theirs]


def _chunks(values: list, size: int = _CHUNK):
    for start in range(0, len(values), size):
        yield values[start:start + size]


def check_file(raw: bytes, *, today: date | None = None) -> Plan:
    """Read and check a whole file; write nothing."""
    today = today or today_bangkok()
    table = read_table(raw)
    if table.problems:
        return Plan(problems=table.problems)
    checker = _Checker(table, today)
    rows = [checker.parse(line, cells) for line, cells in table.rows]
    lgo_codes = sorted({r.lgo_code for r in rows if r.lgo_code})
    lgos = {}
    for chunk in _chunks(lgo_codes):
        lgos.update({lgo.dla_code: lgo for lgo in db.session.execute(
            select(Lgo).where(Lgo.dla_code.in_(chunk))
            .options(selectinload(Lgo.type_periods))).scalars()})
    standards = {s.code: s for s in db.session.execute(
        select(Standard).options(selectinload(Standard.editions))).scalars()}
    for row in rows:
        checker.check_row(row, lgos, standards)
    numbers = sorted({n for r in rows for n in (r.number, r.superseded_by) if n})
    existing: dict[str, Certificate] = {}
    for chunk in _chunks(numbers):
        existing.update({c.serial: c for c in db.session.execute(
            select(Certificate).where(Certificate.serial.in_(chunk))
            .options(selectinload(Certificate.import_batch), selectinload(Certificate.lgo),
                     selectinload(Certificate.superseded_by),
                     selectinload(Certificate.supersedes))).scalars()})
    checker.check_numbers(rows, existing)
    checker.check_supersession(rows, existing)
    problems = sorted(checker.problems, key=lambda p: (p.line, _column_order(p.column)))
    return Plan(rows, problems, existing)


def _column_order(header: str) -> int:
    key = column_of(header)
    return next((i for i, c in enumerate(COLUMNS) if c.key == key), len(COLUMNS))


# -- Importing -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ImportResult:
    batch: CertificateImportBatch | None      # None when nothing was new
    rows: int
    created: int
    unchanged: int
    already_imported: CertificateImportBatch | None = None   # the same file, imported before


def file_sha256(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


def batch_of_file(raw: bytes) -> CertificateImportBatch | None:
    return db.session.execute(select(CertificateImportBatch).where(
        CertificateImportBatch.file_sha256 == file_sha256(raw))).scalar_one_or_none()


def import_history(raw: bytes, file_name: str, *, actor, today: date | None = None
                   ) -> ImportResult:
    """Import a file of historical results: all its new certificates in one batch, or nothing
    (``HistoryFileRefused``). Flushes; the caller commits."""
    earlier = batch_of_file(raw)
    if earlier is not None:
        return ImportResult(None, earlier.row_count, 0, earlier.row_count, earlier)
    plan = check_file(raw, today=today)
    if not plan.ok:
        raise HistoryFileRefused(plan.problems)
    new = plan.new
    if not new:
        return ImportResult(None, len(plan.rows), 0, len(plan.rows))
    batch = CertificateImportBatch(
        file_name=(file_name or "history").replace("\\", "/").rsplit("/", 1)[-1][:255],
        file_sha256=file_sha256(raw), row_count=len(plan.rows), created_count=len(new),
        imported_by_id=getattr(actor, "id", None))
    db.session.add(batch)
    created: dict[str, Certificate] = {}
    for row in new:
        certificate = Certificate(
            serial=row.number, is_historical=True, import_batch=batch, lgo_id=row.lgo.id,
            edition_id=row.edition.id, standard_code=row.standard_code,
            fiscal_year=row.fiscal_year, result_level_code=row.level_code,
            issued_on=row.issued.day, valid_until=row.valid_until,
            verification_token=services.new_token())
        if row.revoked is not None:
            certificate.status = CertificateStatus.REVOKED
            certificate.revoked_at = row.revoked.utc()
            certificate.revocation_reason = row.revocation_reason
        db.session.add(certificate)
        created[row.number] = certificate
    db.session.flush()
    issued_at = {r.number: r.issued for r in new}
    for row in new:
        if not row.superseded_by:
            continue
        old = created[row.number]
        successor = created.get(row.superseded_by) or plan.existing[row.superseded_by]
        successor.supersedes_id = old.id
        successor.correction_reason = successor.correction_reason or SUPERSESSION_NOTE
        old.status = CertificateStatus.SUPERSEDED
        old.superseded_by_id = successor.id
        old.superseded_at = (issued_at.get(successor.serial) or Moment(successor.issued_on)).utc()
    db.session.flush()
    _reserve_serials(created.values())
    record(actor, "certificates.history_imported", batch, file=batch.file_name,
           sha256=batch.file_sha256, rows=batch.row_count, created=batch.created_count,
           unchanged=len(plan.rows) - len(new))
    return ImportResult(batch, len(plan.rows), len(new), len(plan.rows) - len(new))


_PLATFORM_SERIAL = re.compile(r"([A-Z0-9]{1,10})-(\d{4})-(\d{6})")


def _reserve_serials(certificates) -> None:
    """A historical number in the platform's own form (``GGL-2565-000042``) moves that series'
    counter past it, so the platform never hands the same number out again."""
    highest: dict[tuple[str, int], int] = {}
    for certificate in certificates:
        match = _PLATFORM_SERIAL.fullmatch(certificate.serial)
        if match and match.group(1) == certificate.standard_code:
            key = (f"certificate:{match.group(1)}", int(match.group(2)))
            highest[key] = max(highest.get(key, 0), int(match.group(3)))
    for (series, fy), value in sorted(highest.items()):
        numbering.reserve_number(series, fy, value)


def recent_batches(limit: int = 50) -> list[CertificateImportBatch]:
    return list(db.session.execute(
        select(CertificateImportBatch).options(selectinload(CertificateImportBatch.imported_by))
        .order_by(CertificateImportBatch.imported_at.desc(), CertificateImportBatch.id.desc())
        .limit(limit)).scalars())


# -- What the public pages show of a historical certificate ---------------------------------------

def historical_facts(certificate: Certificate) -> dict:
    """The same fields as an issued certificate's signed facts, from the records (the LGO's
    names as the registry has them now), plus where the record came from."""
    lgo = certificate.lgo
    edition = certificate.edition
    standard = edition.standard
    level = next((lv for lv in levels_of(edition) if lv[0] == certificate.result_level_code),
                 (certificate.result_level_code,) * 3)
    location_th, location_en = services.location_texts(lgo)
    batch = certificate.import_batch
    return {
        "format": "historical",
        "serial": certificate.serial,
        "lgo_code": lgo.dla_code,
        "lgo_name_th": lgo.name_th,
        "lgo_name_en": lgo.name_en or "",
        "location_th": location_th,
        "location_en": location_en,
        "standard_code": standard.code,
        "standard_name_th": standard.name_th,
        "standard_name_en": standard.name_en,
        "edition": edition.code,
        "fiscal_year": certificate.fiscal_year,
        "level_code": level[0],
        "level_th": level[1],
        "level_en": level[2],
        "issued_on": certificate.issued_on.isoformat(),
        "valid_until": certificate.valid_until.isoformat(),
        "decision_ref": None,
        "supersedes": certificate.supersedes.serial if certificate.supersedes else None,
        "verify_token": certificate.verification_token,
        "import_file": batch.file_name if batch else None,
        "imported_at": batch.imported_at.isoformat() if batch else None,
    }


def problems_by_line(problems: list[Problem]) -> dict[int, list[Problem]]:
    out: dict[int, list[Problem]] = defaultdict(list)
    for problem in problems:
        out[problem.line].append(problem)
    return dict(out)
