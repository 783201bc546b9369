"""KPI pages: the national dashboard in Thai and English with accessible SVG charts and data
tables; drill-down to the right LGOs; province and LGO dashboards scoped to their users; manual
values and targets; CSV/XLSX exports that escape formulas and keep Thai; the executive PDF's
Thai extractable; open data without personal data; and statement counts that do not grow with
the number of LGOs (N+1 guard)."""
from __future__ import annotations

import io
import json
import re
import subprocess
import unicodedata
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.kpi import services
from lgo_assess.kpi.models import Kpi, KpiTarget, KpiValue
from lgo_assess.registry.models import Lgo, LgoType, LgoTypePeriod
from tests.factories import make_lgo, make_province
from tests.factories_assessments import make_assessment
from tests.factories_certification import make_approver
from tests.factories_kpi import certify, cycle_for, make_kpi, make_region_of

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


@pytest.fixture
def world(app_ctx):
    """P1 (central): A (SAO, certified good 2025-06-01), X (SAO, named like a formula);
    P2 (north): B (town municipality, certified pass 2024-01-10), C (SAO, never assessed)."""
    p1, p2 = make_province(name_th="จังหวัดหนึ่ง"), make_province(name_th="จังหวัดสอง")
    p1.admin_region = p1.geo_region = make_region_of("admin4", "central", "ภาคกลาง")
    p2.admin_region = make_region_of("admin4", "north", "ภาคเหนือ")
    p2.geo_region = make_region_of("geo6", "north", "ภาคเหนือ")
    a = make_lgo(LgoType.SAO, province=p1, name_th="อบต.บ้านปี่")
    x = make_lgo(LgoType.SAO, province=p1, name_th="=HYPERLINK(\"http://x\")")
    b = make_lgo(LgoType.TOWN_MUNICIPALITY, province=p2, name_th="เทศบาลเมืองน้ำพอง")
    c = make_lgo(LgoType.SAO, province=p2, name_th="อบต.ไม่เคยประเมิน")
    approver = make_approver()
    certify(a, date(2025, 6, 1), level="good", approver=approver)
    certify(x, date(2025, 6, 2), level="pass", approver=approver)
    certify(b, date(2024, 1, 10), level="pass", approver=approver)
    share = make_kpi("T-SHARE", position=1)
    make_kpi("T-GOOD", formula_type="count_certified", min_level="good", position=2)
    manual = make_kpi("M-SAT", source="manual", unit="percent", position=3)
    manual.name_th, manual.name_en = "ความพึงพอใจของประชาชน", "Citizen satisfaction"
    db.session.add(KpiTarget(kpi_id=share.id, fiscal_year=2568, value=80.0))
    db.session.commit()
    return {"p1": p1, "p2": p2, "a": a, "x": x, "b": b, "c": c}


def html(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


@pytest.mark.parametrize("locale, words", [("th", "ตัวชี้วัด"), ("en", "KPIs of the plan")])
def test_national_dashboard_renders_with_accessible_charts_and_tables(client, login_as, world,
                                                                      locale, words):
    login_as(Role.DLA_ADMIN, locale=locale)
    body = html(client.get("/kpi/?fy=2568"))
    assert f'<html lang="{locale}">' in body and words in body
    # charts whose bars link to the drill-down are groups (an image hides its links)
    charts = re.findall(r'<svg class="chart[^"]*" role="(?:img|group)" aria-labelledby="([^"]+)"',
                        body)
    assert len(charts) >= 3                                  # overview and trend charts
    for ids in charts:
        title, desc = ids.split()
        assert f'<title id="{title}">' in body and f'<desc id="{desc}">' in body
    assert "<script" not in body and "style=" not in body
    assert 'id="computed-table"' in body and "<table" in body
    # T-SHARE 2568: A, X and B certified of A, X, B, C = 75%; target 80% not met
    assert "75.0%" in body and "80.0%" in body
    assert "/kpi/T-SHARE/lgos?fy=2568" in body.replace("&amp;", "&")


def test_the_kpi_page_breaks_down_by_region_province_and_type(client, login_as, world):
    login_as(Role.DLA_APPROVER, locale="th")
    body = html(client.get("/kpi/T-SHARE?fy=2568"))
    assert "ภาคกลาง" in body and "ภาคเหนือ" in body and "จังหวัดสอง" in body
    assert "100.0%" in body and "50.0%" in body             # central 2/2, north 1/2
    assert len(re.findall(r'<svg class="chart[^"]*" role="(?:img|group)"', body)) >= 4


def test_drill_down_lists_the_lgos_behind_a_number(client, login_as, world):
    login_as(Role.DLA_ADMIN, locale="th")
    body = html(client.get("/kpi/T-SHARE/lgos?fy=2568&scope=admin4:north&subset=certified"))
    assert "เทศบาลเมืองน้ำพอง" in body and "อบต.ไม่เคยประเมิน" not in body
    body = html(client.get("/kpi/T-SHARE/lgos?fy=2568&scope=nation&subset=not_certified"))
    assert "อบต.ไม่เคยประเมิน" in body and "อบต.บ้านปี่" not in body
    body = html(client.get("/kpi/T-GOOD/lgos?fy=2568&subset=certified"))
    assert "อบต.บ้านปี่" in body and "เทศบาลเมืองน้ำพอง" not in body


def test_province_pages_are_for_that_provinces_officer(client, login_as, world):
    p1, p2 = world["p1"], world["p2"]
    login_as(Role.PROVINCIAL_OFFICER, province=p1, locale="en")
    body = html(client.get(f"/kpi/province/{p1.code}?fy=2568"))
    assert re.search(r'<svg class="chart[^"]*" role="(?:img|group)"', body)
    assert "<table" in body and world["a"].name_en in body
    assert client.get(f"/kpi/province/{p2.code}").status_code == 403
    assert client.get(f"/kpi/T-SHARE/lgos?scope=province:{p1.code}").status_code == 200
    assert client.get("/kpi/T-SHARE/lgos?scope=nation").status_code == 403
    assert client.get("/kpi/").status_code == 403
    assert client.get("/kpi/province/").status_code == 302


def test_the_province_table_shows_each_lgos_level_and_this_years_assessment(client, login_as,
                                                                            world):
    """Per LGO and standard: the level of the certificate held on 30 September (labelled in the
    page's language), this year's assessment with its status and answered/applicable criteria,
    or a dash; same-looking cells are rendered once and reused, so each must still be its own."""
    p1 = world["p1"]
    draft = make_lgo(LgoType.SAO, province=p1, name_th="อบต.ร่างอยู่")
    idle = make_lgo(LgoType.SAO, province=p1, name_th="อบต.ยังไม่เริ่ม")
    assessment = make_assessment(draft, cycle_for(2568))
    assessment.answered_count, assessment.applicable_count = 2, 6
    db.session.commit()
    login_as(Role.PROVINCIAL_OFFICER, province=p1, locale="th")
    body = html(client.get(f"/kpi/province/{p1.code}?fy=2568"))
    rows = dict(re.findall(r'<tr><th scope="row"><a href="/kpi/lgo/(\d+)">[^<]*</a></th>'
                           r'(.*?)</tr>', body, re.S))
    assert set(rows) == {str(world[k].id) for k in ("a", "x")} | {str(draft.id), str(idle.id)}
    a, x = rows[str(world["a"].id)], rows[str(world["x"].id)]
    assert 'data-label="TST"' in a and '<span class="badge kpi-met">ดี</span>' in a
    assert '<span class="badge kpi-met">ผ่าน</span>' in x
    assert 'status-approved' in a and '<span class="kpi-count">0/6</span>' in a
    assert "kpi-met" not in rows[str(draft.id)]
    assert 'status-draft' in rows[str(draft.id)]
    assert '<span class="kpi-count">2/6</span>' in rows[str(draft.id)]
    assert '<span class="kpi-none">–</span>' in rows[str(idle.id)]
    assert "status-" not in rows[str(idle.id)] and "kpi-met" not in rows[str(idle.id)]
    assert "=HYPERLINK(&#34;http://x&#34;)" in body            # the name, escaped
    assert body.index("อบต.ยังไม่เริ่ม") < body.index("อบต.ร่างอยู่")   # by type, then name


def test_a_province_page_takes_its_own_target_else_the_nations(client, login_as, world):
    """A share's target on a province's page is the province's own for the year, else the
    national one; another province's target never shows."""
    p1, p2 = world["p1"], world["p2"]
    db.session.add(KpiTarget(kpi_id="T-SHARE", fiscal_year=2568, scope=f"province:{p2.code}",
                             value=55.0))
    db.session.commit()
    login_as(Role.PROVINCIAL_OFFICER, province=p1, locale="en")

    def kpi_table() -> str:
        body = html(client.get(f"/kpi/province/{p1.code}?fy=2568"))
        assert "55.0%" not in body
        table = body[body.index('id="province-kpis"'):]
        return table[:table.index("</table>")]

    assert "<td>80.0%</td>" in kpi_table()
    db.session.add(KpiTarget(kpi_id="T-SHARE", fiscal_year=2568, scope=f"province:{p1.code}",
                             value=66.0))
    db.session.commit()
    table = kpi_table()
    assert "<td>66.0%</td>" in table and "80.0%" not in table


def test_an_lgo_sees_its_own_years_and_certificates(client, login_as, world):
    login_as(Role.LGO_EDITOR, lgo=world["a"], locale="th")
    body = html(client.get(f"/kpi/lgo/{world['a'].id}"))
    assert "TST-" in body and "2568" in body
    assert re.search(r'<svg class="chart[^"]*" role="(?:img|group)"', body)
    assert client.get(f"/kpi/lgo/{world['b'].id}").status_code == 403


def test_exports_escape_formulas_keep_thai_and_stream(client, login_as, world):
    login_as(Role.DLA_ADMIN, locale="th")
    response = client.get("/kpi/T-SHARE/lgos/export?fy=2568&scope=nation&subset=population"
                          "&format=csv")
    assert response.is_streamed and response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode("utf-8"))
    text = raw.decode("utf-8-sig")
    assert "อบต.บ้านปี่" in text and "'=HYPERLINK" in text and "\n=HYPERLINK" not in text
    response = client.get("/kpi/T-SHARE/lgos/export?fy=2568&scope=nation&subset=population"
                          "&format=xlsx")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "อบต.บ้านปี่" in values and "'=HYPERLINK(\"http://x\")" in values
    assert not any(isinstance(v, str) and v.startswith("=") for v in values)
    workbook = load_workbook(io.BytesIO(client.get(
        "/kpi/export?fy=2568&table=all&format=xlsx").get_data()))
    assert {"national", "trend", "admin4", "geo6", "type", "province", "cycles"} <= \
        set(workbook.sheetnames)
    national = client.get("/kpi/export?fy=2568&table=national&format=csv").get_data()
    assert "T-SHARE".encode() in national and "ความพึงพอใจของประชาชน".encode() in national


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_the_executive_report_is_a_thai_pdf_whose_text_extracts(client, login_as, world,
                                                                 tmp_path):
    login_as(Role.DLA_APPROVER, locale="th")
    response = client.get("/kpi/report-2568.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(response.get_data())
    text = squash(subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", str(pdf), "-"],
                                 check=True, capture_output=True, text=True).stdout)
    for expected in ("ตัวชี้วัดทดสอบ T-SHARE", "ความพึงพอใจของประชาชน", "75.0%", "ภาคเหนือ",
                     "ภาคกลาง"):
        assert squash(expected) in text, expected


def test_an_approver_enters_a_manual_value_with_its_source_and_file(client, login_as, world):
    login_as(Role.DLA_APPROVER, locale="th")
    response = client.post("/kpi/M-SAT/values/2568", data={
        "value": "87.5", "source_text": "สำนักงานสถิติแห่งชาติ",
        "file": (io.BytesIO(PDF_BYTES), "รายงาน.pdf")}, content_type="multipart/form-data")
    assert response.status_code == 302
    row = db.session.query(KpiValue).filter_by(kpi_id="M-SAT", fiscal_year=2568).one()
    assert (row.value, row.source_text, row.file_name) == (87.5, "สำนักงานสถิติแห่งชาติ",
                                                           "รายงาน.pdf")
    assert client.get("/kpi/M-SAT/values/2568/file").get_data() == PDF_BYTES
    assert "87.5%" in html(client.get("/kpi/?fy=2568"))
    assert client.post("/kpi/T-SHARE/values/2568", data={"value": "1", "source_text": "x"}
                       ).status_code == 404                 # computed KPIs are not entered
    assert client.get("/kpi/targets").status_code == 403     # targets are the admins'


def test_an_administrator_sets_targets(client, login_as, world):
    login_as(Role.DLA_ADMIN, locale="en")
    kpis = db.session.query(Kpi).order_by(Kpi.position).all()
    data = {"fy": "2569", **{f"t_{i}": "" for i in range(len(kpis))}}
    data["t_0"] = "85"
    assert client.post("/kpi/targets", data=data).status_code == 302
    target = db.session.query(KpiTarget).filter_by(kpi_id=kpis[0].id, fiscal_year=2569).one()
    assert target.value == 85.0
    assert client.get("/kpi/values").status_code == 403


def test_open_data_is_public_and_holds_no_personal_data(client, world):
    body = html(client.get("/open-data"))
    assert "certificates.csv" in body and "lgo_code" in body
    data = json.loads(client.get("/open-data/certificates.json").get_data())
    assert len(data["records"]) == 3 and data["fields"][0]["name"] == "serial"
    assert {r["lgo_code"] for r in data["records"]} == {world[k].dla_code for k in "axb"}
    text = client.get("/open-data/results.csv").get_data().decode("utf-8-sig")
    assert "@" not in text.replace("'@", "") and "อบต.บ้านปี่" in text
    kpis = json.loads(client.get("/open-data/kpis.json").get_data())["records"]
    share = next(r for r in kpis if r["kpi"] == "T-SHARE" and r["fiscal_year"] == 2568)
    assert (share["numerator"], share["denominator"], share["target"]) == (3, 4, 80.0)


# -- N+1 guard ------------------------------------------------------------------------------------

class StatementCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, *args, **kwargs):
        self.count += 1


def _add_lgos(province, n: int, start: int) -> None:
    for i in range(n):
        lgo = Lgo(dla_code=f"6{start + i:06d}", name_th=f"อบต.ทดสอบจำนวน {start + i}",
                  province=province)
        lgo.type_periods.append(LgoTypePeriod(lgo_type=LgoType.SAO, from_fy=2561))
        db.session.add(lgo)
    db.session.commit()


def test_statement_counts_do_not_grow_with_the_number_of_lgos(client, login_as, world):
    login_as(Role.DLA_ADMIN, locale="th")
    urls = ["/kpi/?fy=2568", "/kpi/T-SHARE/lgos?fy=2568&subset=population",
            f"/kpi/province/{world['p1'].code}?fy=2568"]
    engine = db.session.get_bind().engine

    def counts():
        out = []
        for url in urls:
            client.get(url)                       # warm caches (levels, templates)
            with StatementCounter(engine) as counter:
                assert client.get(url).status_code == 200
            out.append(counter.count)
        return out

    _add_lgos(world["p1"], 10, 0)
    with_10 = counts()
    _add_lgos(world["p1"], 90, 10)
    assert counts() == with_10, "statements grew with the number of LGOs"
