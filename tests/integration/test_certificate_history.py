"""Historical certification results: a crafted history (type upgrades, an LGO that becomes
inactive, a certificate issued on the last day of a fiscal year and one just after midnight
Bangkok time on 1 October, a revocation in a later year, a superseded certificate) imported
from a file, and every yearly figure by LGO type checked against values computed by hand; a bad
file refused row by row with nothing written; the same file again changes nothing."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, timezone

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from lgo_assess.certification import history, services
from lgo_assess.certification.history_file import COLUMNS, column_of
from lgo_assess.certification.models import (Certificate, CertificateImportBatch,
                                              CertificateStatus, NumberCounter)
from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db
from lgo_assess.kpi import engine, rollup, summary
from lgo_assess.kpi.models import Kpi
from lgo_assess.registry import services as registry
from lgo_assess.registry.models import LgoType
from tests.factories import make_lgo, make_province, make_user
from tests.factories_assessments import make_published_edition
from tests.factories_kpi import make_kpi
from tests.integration.test_kpi_summary import assert_summary_is_fresh

TODAY = date(2026, 11, 30)                 # FY 2570
HEADER = [c.header for c in COLUMNS]
SAO, SDM, TOWN, CITY = "sao", "subdistrict_municipality", "town_municipality", \
    "city_municipality"


def csv_file(rows: list[dict], header=HEADER) -> bytes:
    """A CSV file in the template's form: ``rows`` give values by column key."""
    keys = [column_of(h) for h in header]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow([row.get(k, "") for k in keys])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_file(rows: list[list]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@pytest.fixture
def world(app_ctx):
    """Six LGOs of one province, all existing from FY 2561:
    A  SAO, upgraded to subdistrict municipality from FY 2568;
    B  SAO, inactive after FY 2565 (merged);
    C  subdistrict municipality, upgraded to town municipality from FY 2566;
    D, F  SAO;  E  city municipality."""
    make_published_edition()
    province = make_province()
    lgos = {name: make_lgo(lgo_type, province=province, from_fy=2561,
                           dla_code=f"77{index:05d}")
            for index, (name, lgo_type) in enumerate(
                (("A", LgoType.SAO), ("B", LgoType.SAO),
                 ("C", LgoType.SUBDISTRICT_MUNICIPALITY), ("D", LgoType.SAO),
                 ("E", LgoType.CITY_MUNICIPALITY), ("F", LgoType.SAO)))}
    registry.upgrade_lgo_type(lgos["A"], LgoType.SUBDISTRICT_MUNICIPALITY, 2568, actor=None)
    registry.deactivate_lgo(lgos["B"], 2565, actor=None)
    registry.upgrade_lgo_type(lgos["C"], LgoType.TOWN_MUNICIPALITY, 2566, actor=None)
    make_kpi("H-ANY", position=1)
    make_kpi("H-TOP", min_level="excellent", position=2)
    return {"province": province, **lgos}


def crafted_rows(w) -> list[dict]:
    code = {name: w[name].dla_code for name in "ABCDEF"}
    return [
        # A: good from 10 May 2566 (FY 2566), valid 36 months: counted 2566-2567 as an SAO,
        # 2568 as a subdistrict municipality; expired by the end of 2569
        {"lgo_code": code["A"], "standard_code": "TST", "fiscal_year": "2566",
         "result_level": "good", "issued_on": "10/5/2566", "certificate_number": "ม.1/2566"},
        # B: excellent from 1 June 2020 (FY 2563, C.E. date, calendar column), valid to the
        # end of 2024: counted 2563-2565 only, since B is gone after 2565
        {"lgo_code": code["B"], "standard_code": "tst", "fiscal_year": "2563",
         "result_level": "ดีเด่น", "issued_on": "2020-06-01", "valid_until": "2024-12-31",
         "certificate_number": "ม.7/2563", "calendar": "ค.ศ."},
        # C: pass, issued 00:05 on 1 October 2567 in Bangkok (17:05 UTC the day before):
        # FY 2568, never 2567; counted 2568-2570 as a town municipality
        {"lgo_code": code["C"], "standard_code": "TST", "fiscal_year": "2568",
         "result_level": "Pass", "issued_on": "2024-09-30T17:05:00Z",
         "certificate_number": "ม.2/2568"},
        # D: pass in FY 2564, superseded by excellent on 1 June 2022 (FY 2565), which is valid
        # to 1 June 2025: pass in 2564, excellent 2565-2567
        {"lgo_code": code["D"], "standard_code": "TST", "fiscal_year": "2564",
         "result_level": "pass", "issued_on": "1 มี.ค. 2564", "certificate_number": "ม.3/2564",
         "superseded_by": "ม.4/2565"},
        {"lgo_code": code["D"], "standard_code": "TST", "edition": "2569",
         "fiscal_year": "๒๕๖๕", "result_level": "excellent", "issued_on": "๑/๖/๒๕๖๕",
         "certificate_number": "ม.4/2565"},
        # E: good, issued at 23:59 on 30 September 2567, the last day of FY 2567; revoked on
        # 15 January 2569 (FY 2569): counted 2567 and 2568, never after
        {"lgo_code": code["E"], "standard_code": "TST", "fiscal_year": "2567",
         "result_level": "ดี", "issued_on": "30 ก.ย. 2567 23:59",
         "certificate_number": "ม.5/2567", "revoked_on": "15/1/2569",
         "revocation_reason": "ข้อมูลไม่ถูกต้อง"},
    ]


# fiscal year → LGO type → (LGOs, certified at any level, certified excellent), by hand
EXPECTED = {
    2561: {SAO: (4, 0, 0), SDM: (1, 0, 0)},
    2562: {SAO: (4, 0, 0), SDM: (1, 0, 0)},
    2563: {SAO: (4, 1, 1), SDM: (1, 0, 0)},                        # B
    2564: {SAO: (4, 2, 1), SDM: (1, 0, 0)},                        # B, D (pass)
    2565: {SAO: (4, 2, 2), SDM: (1, 0, 0)},                        # B, D (excellent)
    2566: {SAO: (3, 2, 1), TOWN: (1, 0, 0)},                       # A, D; B gone, C a town
    2567: {SAO: (3, 2, 1), TOWN: (1, 0, 0), CITY: (1, 1, 0)},      # A, D; E (last day)
    2568: {SAO: (2, 0, 0), SDM: (1, 1, 0), TOWN: (1, 1, 0), CITY: (1, 1, 0)},  # A, C, E
    2569: {SAO: (2, 0, 0), SDM: (1, 0, 0), TOWN: (1, 1, 0), CITY: (1, 0, 0)},  # C; E revoked
    2570: {SAO: (2, 0, 0), SDM: (1, 0, 0), TOWN: (1, 1, 0), CITY: (1, 0, 0)},  # C
}
for _fy, _types in EXPECTED.items():                     # every other type: none, every year
    _types.setdefault(CITY, (1, 0, 0))


def figures(province_id: int) -> dict:
    """Fiscal year → type → (population, certified any level, certified excellent), read the
    way the dashboards read them (the summary's cells, a KPI's figure for a type scope)."""
    specs = engine.specs([db.session.get(Kpi, "H-ANY"), db.session.get(Kpi, "H-TOP")])
    out = {}
    for fy, cells in engine.year_cells(summary.YEARS, province_id=province_id).items():
        out[fy] = {}
        for lgo_type in {t for (_p, t) in cells.population}:
            scope = rollup.Scope("type", lgo_type)
            any_level = rollup.figure(cells, {}, specs["H-ANY"], scope)
            excellent = rollup.figure(cells, {}, specs["H-TOP"], scope)
            out[fy][lgo_type] = (any_level.denominator, any_level.numerator,
                                 excellent.numerator)
    return out


def test_a_crafted_history_gives_the_hand_computed_figures_every_year_by_type(world):
    result = history.import_history(csv_file(crafted_rows(world)), "ประวัติ-2561-2568.csv",
                                    actor=make_user(), today=TODAY)
    assert (result.rows, result.created, result.unchanged) == (6, 6, 0)

    got = figures(world["province"].id)
    for fy in summary.YEARS:
        assert got[fy] == EXPECTED[fy], f"FY {fy}: got {got[fy]}, expected {EXPECTED[fy]}"
    assert_summary_is_fresh("the import")          # the live summary equals a recount
    summary.rebuild_summary(db.session)            # and `flask kpi rebuild` agrees
    assert figures(world["province"].id) == got

    # the KPI's own figure for a type scope, as the dashboard and the API give it
    kpi = db.session.get(Kpi, "H-ANY")
    row = engine.computed_row(
        kpi, engine.specs([kpi])["H-ANY"],
        engine.year_cells([2565], province_id=world["province"].id)[2565], {},
        rollup.Scope("type", SAO), 2565, {})
    assert (row.numerator, row.denominator, row.value) == (2, 4, 50.0)


def test_the_imported_certificates_are_historical_with_their_dates_in_bangkok_time(world):
    history.import_history(csv_file(crafted_rows(world)), "history.csv", actor=None,
                           today=TODAY)
    by_serial = {c.serial: c for c in db.session.execute(
        select(Certificate).where(Certificate.is_historical)).scalars()}
    assert set(by_serial) == {"ม.1/2566", "ม.7/2563", "ม.2/2568", "ม.3/2564", "ม.4/2565",
                              "ม.5/2567"}
    for cert in by_serial.values():
        assert cert.decision_id is None and cert.payload is None and cert.signature is None
        assert cert.import_batch.file_name == "history.csv" and cert.verification_token
    midnight = by_serial["ม.2/2568"]
    assert (midnight.issued_on, midnight.fiscal_year) == (date(2024, 10, 1), 2568)
    assert midnight.valid_until == date(2027, 10, 1)                 # 36 months, computed
    assert by_serial["ม.5/2567"].issued_on == date(2024, 9, 30)
    revoked = by_serial["ม.5/2567"]
    assert revoked.status == CertificateStatus.REVOKED
    assert revoked.revoked_at == datetime(2026, 1, 14, 17, 0, tzinfo=timezone.utc)
    old, new = by_serial["ม.3/2564"], by_serial["ม.4/2565"]
    assert (old.status, old.superseded_by_id, new.supersedes_id) == (
        CertificateStatus.SUPERSEDED, new.id, old.id)
    assert old.status_on(date(2022, 5, 31)) == CertificateStatus.VALID
    assert old.status_on(date(2022, 6, 1)) == CertificateStatus.SUPERSEDED
    assert by_serial["ม.7/2563"].standard_code == "TST"
    assert by_serial["ม.7/2563"].result_level_code == "excellent"


def test_a_later_revocation_leaves_earlier_years_as_they_were(world):
    rows = crafted_rows(world)
    history.import_history(csv_file(rows[:-1]), "first.csv", actor=None, today=TODAY)
    before = figures(world["province"].id)
    history.import_history(csv_file(rows), "second.csv", actor=None, today=TODAY)
    after = figures(world["province"].id)
    assert after[2567][CITY] == (1, 1, 0) and after[2568][CITY] == (1, 1, 0)
    assert after[2569][CITY] == (1, 0, 0)
    assert {fy: after[fy] for fy in range(2561, 2567)} == \
        {fy: before[fy] for fy in range(2561, 2567)}


def test_importing_the_same_file_again_changes_nothing(world):
    raw = csv_file(crafted_rows(world))
    first = history.import_history(raw, "history.csv", actor=None, today=TODAY)
    counts = [db.session.execute(select(func.count()).select_from(t)).scalar_one()
              for t in (Certificate, CertificateImportBatch, AuditEvent)]
    again = history.import_history(raw, "history-copy.csv", actor=None, today=TODAY)
    assert again.already_imported.id == first.batch.id and again.created == 0
    # the same rows in another file (XLSX this time): each is recognised, nothing is added
    rows = crafted_rows(world)
    keys = [c.key for c in COLUMNS]
    as_xlsx = xlsx_file([HEADER] + [[r.get(k, "") for k in keys] for r in rows])
    third = history.import_history(as_xlsx, "history.xlsx", actor=None, today=TODAY)
    assert (third.batch, third.created, third.unchanged) == (None, 0, 6)
    assert [db.session.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (Certificate, CertificateImportBatch, AuditEvent)] == counts


def test_an_import_is_one_batch_with_its_audit_event(world):
    admin = make_user()
    raw = csv_file(crafted_rows(world))
    result = history.import_history(raw, "C:\\Users\\dla\\history.csv", actor=admin,
                                    today=TODAY)
    batch = result.batch
    assert (batch.file_name, batch.row_count, batch.created_count, batch.imported_by_id) == (
        "history.csv", 6, 6, admin.id)
    assert batch.file_sha256 == history.file_sha256(raw) and len(batch.certificates) == 6
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "certificates.history_imported")).scalar_one()
    assert (event.actor_id, event.object_id, event.details["created"]) == (
        admin.id, str(batch.id), 6)


def test_a_number_in_the_platforms_form_is_never_issued_again(world):
    rows = crafted_rows(world)[:1]
    rows[0]["certificate_number"] = "TST-2566-000041"
    history.import_history(csv_file(rows), "h.csv", actor=None, today=TODAY)
    counter = db.session.get(NumberCounter, ("certificate:TST", 2566))
    assert counter.last_value == 41


def test_a_historical_row_without_an_issued_certificates_columns_is_refused_by_the_database(
        world):
    """The named check: a certificate that is not historical must have its decision and
    signature."""
    from sqlalchemy.exc import IntegrityError
    cert = Certificate(serial="X-1", lgo_id=world["A"].id,
                       edition_id=make_published_edition().id, standard_code="TST",
                       fiscal_year=2566, result_level_code="good", issued_on=date(2023, 5, 1),
                       valid_until=date(2026, 5, 1), verification_token="x" * 26)
    db.session.add(cert)
    with pytest.raises(IntegrityError, match="issued_is_signed|CHECK|check"):
        with db.session.begin_nested():
            db.session.flush()


# -- Refusal, row by row -------------------------------------------------------------------------

def test_a_bad_file_is_refused_whole_with_every_bad_row_named(world):
    code = {name: world[name].dla_code for name in "ABCDEF"}
    good = crafted_rows(world)[0]
    rows = [
        good,                                                                      # line 2
        {**good, "lgo_code": "9999999", "certificate_number": "X/1"},              # 3
        {**good, "standard_code": "NOPE", "certificate_number": "X/2"},            # 4
        {**good, "lgo_code": code["C"], "fiscal_year": "2567", "result_level": "pass",
         "issued_on": "2024-09-30T17:05:00Z", "certificate_number": "X/3"},        # 5
        {**good, "valid_until": "1/5/2566", "certificate_number": "X/4"},          # 6
        {**good, "certificate_number": "ม.1/2566"},                                # 7 dup of 2
        {**good, "lgo_code": code["D"], "certificate_number": "L/1",
         "superseded_by": "L/2"},                                                  # 8
        {**good, "lgo_code": code["D"], "certificate_number": "L/2",
         "superseded_by": "L/1"},                                                  # 9
        {**good, "certificate_number": "X/5", "result_level": "gold"},             # 10
        {**good, "certificate_number": "X/6", "revoked_on": "1/1/2567"},           # 11
        {**good, "certificate_number": "X/7", "issued_on": "31/2/2566"},           # 12
        {**good, "certificate_number": "X/8", "issued_on": "2023-05-10",
         "calendar": "พ.ศ."},                                                      # 13
        {**good, "lgo_code": code["B"], "fiscal_year": "2567", "issued_on": "1/3/2567",
         "certificate_number": "X/9"},                                             # 14
        {**good, "certificate_number": "X/10", "superseded_by": "NOWHERE"},        # 15
        {**good, "certificate_number": "", "fiscal_year": "สองพัน"},               # 16
        {**good, "certificate_number": "X/11", "edition": "2550"},                 # 17
        {**good, "certificate_number": "X/12", "fiscal_year": "2571"},             # 18
    ]
    with pytest.raises(history.HistoryFileRefused) as refused:
        history.import_history(csv_file(rows), "bad.csv", actor=None, today=TODAY)
    found = {(p.line, column_of(p.column), p.code) for p in refused.value.problems}
    assert found == {
        (3, "lgo_code", "unknown_lgo"),
        (4, "standard_code", "unknown_standard"),
        (5, "issued_on", "outside_fiscal_year"),
        (6, "valid_until", "valid_until_before_issue"),
        (7, "certificate_number", "duplicate_number"),
        (8, "superseded_by", "chain_loops"),
        (9, "superseded_by", "chain_loops"),
        (10, "result_level", "unknown_level"),
        (11, "revocation_reason", "revocation_needs_reason"),
        (12, "issued_on", "date_invalid"),
        (13, "issued_on", "calendar_conflict_be"),
        (14, "lgo_code", "lgo_not_in_year"),
        (15, "superseded_by", "unknown_successor"),
        (16, "certificate_number", "required"),
        (16, "fiscal_year", "fiscal_year_format"),
        (17, "edition", "unknown_edition"),
        (18, "fiscal_year", "future_year"),
    }
    messages = {(p.line, p.code): history.describe(p) for p in refused.value.problems}
    assert messages[(3, "unknown_lgo")] == "No LGO has the code 9999999 in the registry."
    assert "outside fiscal year 2567" in messages[(5, "outside_fiscal_year")]
    assert "is also on line 2" in messages[(7, "duplicate_number")]
    assert "L/1 → L/2 → L/1" in messages[(8, "chain_loops")]
    assert "pass, good, excellent" in messages[(10, "unknown_level")]
    assert str(refused.value.message) == \
        f"The file is refused ({len(refused.value.problems)} problems); nothing was imported."
    # nothing written: no certificate, no batch, no audit event
    assert db.session.execute(select(func.count()).select_from(Certificate)).scalar_one() == 0
    assert db.session.execute(
        select(func.count()).select_from(CertificateImportBatch)).scalar_one() == 0
    assert figures(world["province"].id)[2566][SAO] == (3, 0, 0)


def test_refusals_about_supersession_and_numbers_already_recorded(world):
    rows = crafted_rows(world)
    history.import_history(csv_file(rows), "first.csv", actor=None, today=TODAY)
    changed = {**rows[0], "result_level": "excellent"}                  # same number, new level
    other_lgo = {**rows[3], "certificate_number": "N/1", "superseded_by": "ม.1/2566"}
    taken = {**rows[3], "certificate_number": "N/2", "superseded_by": "ม.4/2565"}
    revoked_too = {**rows[0], "certificate_number": "N/3", "revoked_on": "1/6/2566",
                   "revocation_reason": "เหตุ", "superseded_by": "ม.1/2566"}
    reason_only = {**rows[0], "certificate_number": "N/4", "revocation_reason": "เหตุ"}
    with pytest.raises(history.HistoryFileRefused) as refused:
        history.import_history(csv_file([changed, other_lgo, taken, revoked_too, reason_only]),
                               "second.csv", actor=None, today=TODAY)
    found = {(p.line, column_of(p.column), p.code) for p in refused.value.problems}
    assert found == {
        (2, "certificate_number", "number_imported_differently"),
        (3, "superseded_by", "successor_elsewhere"),
        (4, "superseded_by", "successor_taken"),
        (5, "superseded_by", "revoked_and_superseded"),
        (6, "revoked_on", "reason_needs_date"),
    }
    messages = {p.line: history.describe(p) for p in refused.value.problems}
    assert "first.csv" in messages[2] and "Result level" in messages[2]
    assert "already replaces ม.3/2564" in messages[4]


def test_a_number_issued_on_the_platform_cannot_be_imported(world):
    from tests.factories_kpi import certify
    issued = certify(world["F"], date(2026, 7, 1))
    row = {**crafted_rows(world)[0], "lgo_code": world["F"].dla_code,
           "certificate_number": issued.serial.lower()}
    with pytest.raises(history.HistoryFileRefused) as refused:
        history.import_history(csv_file([row]), "h.csv", actor=None, today=TODAY)
    assert [(p.line, p.code) for p in refused.value.problems] == [(2, "number_issued_here")]


def test_file_level_problems(world):
    def problems(raw: bytes):
        with pytest.raises(history.HistoryFileRefused) as refused:
            history.import_history(raw, "f", actor=None, today=TODAY)
        return [(p.line, p.column, p.code) for p in refused.value.problems]

    assert problems(b"") == [(0, "", "file_empty")]
    assert problems(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100) == [
        (0, "", "file_format")]
    assert problems(b"PK\x03\x04 not really a zip") == [(0, "", "xlsx_unreadable")]
    header_only = csv_file([])
    assert problems(header_only) == [(0, "", "no_rows")]
    missing = csv_file([{"lgo_code": world["A"].dla_code}], header=HEADER[:3] + ["Colour"])
    found = problems(missing)
    assert (1, "Colour", "unknown_column") in found
    assert (1, "ปีงบประมาณ / Fiscal year", "missing_column") in found
    assert not any(line > 1 for line, _c, _k in found)      # rows are not checked then


def test_an_xlsx_file_with_date_cells_and_english_headers_is_imported(world):
    header = [c.en for c in COLUMNS]
    rows = [[world["A"].dla_code, "TST", None, 2566, "good", datetime(2023, 5, 10), None,
             "ม.9/2566", None, None, None, None],
            # a B.E. date typed into a C.E. spreadsheet: year 2566 is read as B.E.
            [world["D"].dla_code, "TST", "2569", 2566, "pass", datetime(2566, 2, 1), None,
             "ม.10/2566", None, None, None, None],
            ["# an example row: skipped", None, None, None, None, None, None, None, None,
             None, None, None], [None] * 12]
    result = history.import_history(xlsx_file([header] + rows), "h.xlsx", actor=None,
                                    today=TODAY)
    assert result.created == 2
    cert = db.session.execute(select(Certificate).where(
        Certificate.serial == "ม.10/2566")).scalar_one()
    assert cert.issued_on == date(2023, 2, 1)


def test_the_template_reads_back_with_its_example_skipped(app_ctx):
    from lgo_assess.certification.history_file import read_table, template_csv, template_xlsx
    for raw in (template_xlsx(), template_csv()):
        table = read_table(raw)
        assert set(table.headers) == {c.key for c in COLUMNS}
        assert table.rows == [] and [p.code for p in table.problems] == ["no_rows"]


def test_verification_of_a_historical_certificate_says_where_it_came_from(world):
    history.import_history(csv_file(crafted_rows(world)), "history.csv", actor=None,
                           today=TODAY)
    cert = db.session.execute(select(Certificate).where(
        Certificate.serial == "ม.4/2565")).scalar_one()
    verification = services.verify_certificate(cert, today=date(2023, 1, 1))
    assert verification.is_historical and verification.is_valid
    assert verification.facts["import_file"] == "history.csv"
    assert verification.facts["supersedes"] == "ม.3/2564"
    assert verification.facts["level_en"] == "Excellent"
    from lgo_assess.core.errors import NotFound
    with pytest.raises(NotFound):
        services.certificate_pdf_path(cert)
    from lgo_assess.api.certificate_endpoints import certificate_json
    listed = certificate_json(cert, TODAY)
    assert (listed["is_historical"], listed["status"], listed["level_en"],
            listed["supersedes"]) == (True, "expired", "Excellent", "ม.3/2564")
