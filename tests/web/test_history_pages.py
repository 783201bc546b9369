"""The administrators' page for historical results: the columns and templates, a refused file's
problems as a table (line, column, reason) with nothing written, an accepted file's certificates
in the public register and on verification pages that say they were imported, in English and
in Thai."""
from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from lgo_assess.certification.history_file import COLUMNS
from lgo_assess.certification.models import Certificate, CertificateImportBatch
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from tests.factories import make_lgo, make_province
from tests.factories_assessments import make_published_edition
from tests.factories_certification import ensure_signing_key

HEADER = ",".join(c.header for c in COLUMNS)


@pytest.fixture
def lgo(app_ctx):
    make_published_edition()
    found = make_lgo(province=make_province(), name_th="อบต.ประวัติดี", from_fy=2561)
    db.session.commit()
    return found


def upload(client, text: str, name: str = "history.csv"):
    data = ("\ufeff" + text).encode("utf-8")
    return client.post("/admin/history/", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def good_file(lgo) -> str:
    return (f"{HEADER}\n"
            f"{lgo.dla_code},TST,,2566,good,10/5/2566,,ม.1/2566,,,,\n"
            f"{lgo.dla_code},TST,,2564,pass,1/3/2564,,ม.2/2564,1/6/2565,ข้อมูลไม่ถูกต้อง,,\n")


def certificates() -> int:
    return db.session.execute(select(func.count()).select_from(Certificate)).scalar_one()


def test_the_page_lists_the_columns_and_offers_both_templates(client, login_as, lgo):
    login_as(Role.DLA_ADMIN, locale="en")
    page = client.get("/admin/history/").get_data(as_text=True)
    assert "Historical results" in page and "No file has been imported yet." in page
    for column in COLUMNS:
        assert column.en in page and column.th in page
    xlsx = client.get("/admin/history/template.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.data)).worksheets[0]
    header, example = [c.value for c in sheet[1]], [c.value for c in sheet[2]]
    assert header == [c.header for c in COLUMNS] and example[0].startswith("#")
    rows = list(csv.reader(io.StringIO(
        client.get("/admin/history/template.csv").data.decode("utf-8-sig"))))
    assert rows[0] == [c.header for c in COLUMNS] and len(rows) == 2


def test_a_refused_file_shows_every_problem_as_a_table_and_writes_nothing(client, login_as,
                                                                           lgo):
    login_as(Role.DLA_ADMIN, locale="en")
    text = (f"{HEADER}\n"
            f"{lgo.dla_code},TST,,2566,good,10/5/2566,,ม.1/2566,,,,\n"
            f"1234567,TST,,2566,good,10/5/2566,,ม.2/2566,,,,\n"
            f"{lgo.dla_code},TST,,2566,good,10/5/2567,,ม.1/2566,,,,\n")
    response = upload(client, text, "bad.csv")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "The file was refused: nothing was imported" in page and "bad.csv" in page
    cells = [[c.strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]
             for row in re.findall(r"<tr>(.*?)</tr>", page.split("problems-table")[1]
                                   .split("</table>")[0], re.S)]
    cells = [c for c in cells if c]
    assert [c[:2] for c in cells] == [
        ["3", "รหัส อปท. / LGO code"],
        ["4", "วันที่ออกใบรับรอง / Issue date"],
        ["4", "เลขที่ใบรับรอง / Certificate number"]]
    assert cells[0][2] == "No LGO has the code 1234567 in the registry."
    assert "outside fiscal year 2566" in cells[1][2]
    assert "also on line 2" in cells[2][2]
    assert certificates() == 0


def test_an_accepted_file_reaches_the_register_and_its_verification_pages(client, login_as,
                                                                          lgo, app):
    ensure_signing_key()
    login_as(Role.DLA_ADMIN, locale="en")
    response = upload(client, good_file(lgo))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        "/admin/history/")
    page = client.get("/admin/history/").get_data(as_text=True)
    assert "history.csv is imported: 2 historical certificates added, 0 already recorded." \
        in page
    assert "history.csv" in page.split("Imports so far")[1]
    again = upload(client, good_file(lgo), "history-again.csv")
    assert again.status_code == 302
    assert "already imported" in client.get("/admin/history/").get_data(as_text=True)
    assert db.session.execute(
        select(func.count()).select_from(CertificateImportBatch)).scalar_one() == 1

    public = app.test_client()
    register = public.get("/register?lang=en").get_data(as_text=True)
    assert "ม.1/2566" in register and "historical" in register
    valid = db.session.execute(select(Certificate).where(
        Certificate.serial == "ม.1/2566")).scalar_one()
    revoked = db.session.execute(select(Certificate).where(
        Certificate.serial == "ม.2/2564")).scalar_one()
    page = public.get(f"/v/{valid.verification_token}?lang=en").get_data(as_text=True)
    assert "Historical record" in page and "history.csv" in page
    assert "certificate.pdf" not in page and "Signature" not in page
    assert "อบต.ประวัติดี" in page and "Decision" not in page
    assert public.get(f"/v/{valid.verification_token}/certificate.pdf").status_code == 404
    page = public.get(f"/v/{revoked.verification_token}?lang=en").get_data(as_text=True)
    assert "was revoked on" in page and "ข้อมูลไม่ถูกต้อง" in page
    rows = list(csv.reader(io.StringIO(public.get("/register.csv?lang=en").data
                                       .decode("utf-8-sig"))))
    assert rows[0][-1] == "Record"
    assert {r[0]: r[-1] for r in rows[1:]}["ม.1/2566"] == "historical (imported)"


def test_the_page_and_a_refusal_read_in_thai(thai_client, lgo):
    from tests.factories import make_user
    from tests.logins import log_in_client
    admin = make_user(Role.DLA_ADMIN, locale="th")
    db.session.commit()
    log_in_client(thai_client, admin.email)     # password, then the administrator's code
    page = thai_client.get("/admin/history/").get_data(as_text=True)
    assert "ผลการรับรองในอดีต" in page
    response = upload(thai_client, f"{HEADER}\n1234567,TST,,2566,ดี,10/5/2566,,ม.9/2566,,,,\n")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "ไม่พบ อปท. รหัส 1234567 ในทะเบียน" in page
    assert "No LGO has the code" not in page
