"""The evidence pages through the test client: uploads judged by content, safe downloads with
Thai names, previews without EXIF, optimistic locking, deletion guards, JSON for the workspace,
and every LGO kept out of every other's library."""
from __future__ import annotations

import hashlib
import io
import re
from urllib.parse import quote

import pytest
from PIL import Image
from sqlalchemy import select

from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.evidence import services
from lgo_assess.evidence.models import EvidenceItem
from lgo_assess.evidence.storage import BlobStore
from tests.evidence_files import (GPS_BANGKOK, docx_bytes, exe_bytes, image_bytes,
                                  jpeg_with_comment, padded_pdf, pdf_bytes, plain_zip,
                                  png_with_text, xlsx_bytes)
from tests.factories import make_evidence_item, make_lgo, make_province, make_user

FY = 2569


@pytest.fixture
def lgo():
    return make_lgo(name_th="อบต.ทดสอบหลักฐาน")


@pytest.fixture
def editor(lgo, login):
    user = make_user(Role.LGO_EDITOR, lgo=lgo)
    db.session.commit()
    return login(user)


def post_files(client, lgo, *files, json=False, titles=()):
    data = {}
    for index, (content, name) in enumerate(files):
        data[f"rows-{index}-file"] = (io.BytesIO(content), name)
        if index < len(titles):
            data[f"rows-{index}-title"] = titles[index]
    headers = {"Accept": "application/json"} if json else {}
    return client.post(f"/evidence/lgo/{lgo.id}/{FY}/upload", data=data, headers=headers,
                       content_type="multipart/form-data")


def items_of(lgo) -> list[EvidenceItem]:
    return db.session.execute(select(EvidenceItem).where(EvidenceItem.lgo_id == lgo.id)
                              .order_by(EvidenceItem.id)).scalars().all()


def store(app) -> BlobStore:
    return BlobStore(app.config["EVIDENCE_DIR"])


# Uploading -----------------------------------------------------------------------------------
def test_a_thai_named_pdf_is_kept_for_display_and_offered_under_its_name(app, client, lgo,
                                                                         editor):
    data = pdf_bytes("แผนพัฒนา")
    name = "แผนพัฒนาท้องถิ่น 2566-2570.pdf"
    response = post_files(client, lgo, (data, name))
    assert response.status_code == 302
    assert response.location.endswith(f"/evidence/lgo/{lgo.id}/{FY}")
    [item] = items_of(lgo)
    assert item.original_filename == name and item.title == "แผนพัฒนาท้องถิ่น 2566-2570"
    page = client.get(response.location).get_data(as_text=True)
    assert name in page and "1 file was added" in page or "เพิ่ม" in page

    download = client.get(f"/evidence/items/{item.id}/download")
    assert download.status_code == 200 and download.data == data
    disposition = download.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f"filename*=UTF-8''{quote(name, safe='')}" in disposition
    assert re.search(r'filename="[ -~]+"', disposition)          # an ASCII fallback
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert download.headers["Cache-Control"] == "private, no-store"
    assert download.mimetype == "application/pdf"


@pytest.mark.parametrize("content, name, message", [
    (exe_bytes, "รายงาน.pdf", "This is a program (Windows executable)"),
    (pdf_bytes, "plan.docx", "The name ends in .docx but the content is PDF"),
    (lambda: docx_bytes(macro=True), "plan.docm", "Documents with macros"),
    (lambda: xlsx_bytes(macro=True), "budget.xlsm", "Documents with macros"),
    (lambda: pdf_bytes() + plain_zip(), "poly.pdf", "PDF with other data hidden in it (ZIP)"),
    (plain_zip, "evidence.zip", "This is a ZIP archive"),
    (lambda: b"", "empty.pdf", "The file is empty"),
    (lambda: b"<html><script>alert(1)</script></html>", "page.html", "Web pages"),
    (lambda: image_bytes("JPEG") + b"<script>alert(1)</script>", "ภาพ.jpg",
     "JPEG with other data hidden in it (HTML/XML)"),
    (lambda: jpeg_with_comment(plain_zip()), "photo.jpg", "JPEG with other data hidden in it (ZIP)"),
    (lambda: docx_bytes(extra={"word/media/x.zip": plain_zip()}), "plan.docx",
     "The document contains an archive (word/media/x.zip)"),
])
def test_refused_uploads_keep_nothing_and_say_why_next_to_the_file(app, client, lgo, editor,
                                                                   content, name, message):
    response = post_files(client, lgo, (content(), name))
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    error = re.search(r'<p class="error" id="([^"]+)">', html)
    assert error and f'aria-describedby="{error.group(1)}"' in html
    assert items_of(lgo) == []


def test_a_file_over_the_limit_is_refused(app, client, lgo, editor, monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 2000)
    response = post_files(client, lgo, (padded_pdf(3000), "big.pdf"))
    assert response.status_code == 422
    assert "larger than the limit of 2.0 KB" in response.get_data(as_text=True)
    assert items_of(lgo) == []


def test_a_path_in_the_name_is_dropped_and_the_file_stored_by_content(app, client, lgo, editor):
    data = pdf_bytes("traversal")
    assert post_files(client, lgo, (data, "../../../etc/cron.d/evil.pdf")).status_code == 302
    [item] = items_of(lgo)
    assert item.original_filename == "evil.pdf"
    path = store(app).path_for(item.sha256)
    assert path.read_bytes() == data
    assert path.resolve().is_relative_to(store(app).root)
    assert item.sha256 == hashlib.sha256(data).hexdigest()


def test_the_same_file_uploaded_twice_is_stored_once(app, client, lgo, editor):
    data = pdf_bytes("twice over the web")
    other = make_lgo()
    other_editor = make_user(Role.LGO_EDITOR, lgo=other)
    db.session.commit()
    assert post_files(client, lgo, (data, "a.pdf")).status_code == 302
    again = post_files(client, lgo, (data, "b.pdf"))
    assert again.status_code == 302
    assert "already in the library" in client.get(again.location).get_data(as_text=True)
    second_client = app.test_client()
    second_client.post("/login", data={"email": other_editor.email,
                                       "password": "correct horse battery staple"})
    assert post_files(second_client, other, (data, "c.pdf")).status_code == 302
    sha256 = hashlib.sha256(data).hexdigest()
    assert len(items_of(lgo)) == 1 and len(items_of(other)) == 1
    assert [s for s, _ in store(app).iter_blobs()].count(sha256) == 1


def test_a_batch_over_the_quota_is_refused_whole(app, client, lgo, editor, monkeypatch):
    first, second = pdf_bytes("quota one"), pdf_bytes("quota two")
    monkeypatch.setitem(app.config, "EVIDENCE_QUOTA_BYTES", len(first) + len(second) - 1)
    response = post_files(client, lgo, (first, "1.pdf"), (second, "2.pdf"))
    assert response.status_code == 422
    assert "Not enough storage is left" in response.get_data(as_text=True)
    assert items_of(lgo) == []


def test_the_quota_refusal_has_a_thai_translation_with_the_same_placeholders():
    """The refusal a Thai user reads (the English one is asserted above)."""
    from babel.messages.pofile import read_po
    from tests.conftest import ROOT
    with (ROOT / "translations" / "th" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalogue = read_po(source)
    [message] = [m for m in catalogue if m.id and str(m.id).startswith(
        "Not enough storage is left for this LGO")]
    assert "พื้นที่จัดเก็บ" in message.string
    for placeholder in ("%(needed)s", "%(left)s", "%(quota)s"):
        assert placeholder in message.string


def test_the_quota_per_lgo_is_read_from_the_environment():
    from lgo_assess.config import Config
    assert Config.from_env({"EVIDENCE_QUOTA_BYTES": "5000000"})["EVIDENCE_QUOTA_BYTES"] == 5000000
    assert Config.from_env({})["EVIDENCE_QUOTA_BYTES"] == 2 * 1024 ** 3


def test_several_files_at_once_with_titles(app, client, lgo, editor):
    response = post_files(client, lgo, (pdf_bytes("a"), "a.pdf"), (image_bytes("PNG"), "b.png"),
                          titles=("แผนชุมชน", ""))
    assert response.status_code == 302
    assert [(i.title, i.content_type) for i in items_of(lgo)] == [
        ("แผนชุมชน", "application/pdf"), ("b", "image/png")]


def test_a_streamed_50_mb_upload_is_stored_with_the_right_hash(app, client, lgo, editor,
                                                                monkeypatch):
    monkeypatch.setitem(app.config, "EVIDENCE_MAX_BYTES", 60 * 1024 * 1024)
    data = padded_pdf(50 * 1024 * 1024)
    response = post_files(client, lgo, (data, "ใหญ่.pdf"))
    assert response.status_code == 302
    [item] = items_of(lgo)
    digest = hashlib.sha256(data).hexdigest()
    assert (item.sha256, item.size_bytes) == (digest, len(data))
    stored = hashlib.sha256()
    with store(app).path_for(digest).open("rb") as handle:
        while block := handle.read(1 << 20):
            stored.update(block)
    assert stored.hexdigest() == digest


# JSON for the workspace ------------------------------------------------------------------------
def test_json_upload_and_list(app, client, lgo, editor):
    response = post_files(client, lgo, (pdf_bytes("json"), "ผลงาน.pdf"), json=True)
    assert response.status_code == 201
    [created] = response.get_json()["items"]
    assert created["title"] == "ผลงาน" and created["kind"] == "file" and created["created"]
    listing = client.get(f"/evidence/lgo/{lgo.id}/{FY}/items.json").get_json()
    assert [(i["id"], i["title"], i["kind"], i["size"], i["content_type"])
            for i in listing["items"]] == [
        (created["id"], "ผลงาน", "file", created["size"], "application/pdf")]
    refused = post_files(client, lgo, (exe_bytes(), "x.pdf"), json=True)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["errors"][0]["index"] == 0
    assert "program" in refused.get_json()["errors"][0]["message"]


# Previews --------------------------------------------------------------------------------------
def test_image_previews_are_reencoded_without_exif_or_gps(app, client, lgo, editor):
    photo = image_bytes("JPEG", size=(2400, 1800), exif={0x010F: "PhoneMaker", 0x0110: "X1"},
                        gps=GPS_BANGKOK)
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)       # the GPS is there
    post_files(client, lgo, (photo, "กิจกรรม.jpg"))
    [item] = items_of(lgo)
    page = client.get(f"/evidence/items/{item.id}").get_data(as_text=True)
    assert f"/evidence/items/{item.id}/preview" in page
    response = client.get(f"/evidence/items/{item.id}/preview")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response.headers["Content-Disposition"].startswith("inline;")
    preview = Image.open(io.BytesIO(response.data))
    assert max(preview.size) <= 1600
    assert len(preview.getexif()) == 0 and b"Exif" not in response.data
    assert b"PhoneMaker" not in response.data
    # The download is the evidence as uploaded, byte for byte.
    assert client.get(f"/evidence/items/{item.id}/download").data == photo


def test_png_previews_lose_their_text_metadata(app, client, lgo, editor):
    data = png_with_text("Location", "13.7563N 100.5018E บ้านเลขที่ 99")
    assert b"13.7563N" in data
    assert post_files(client, lgo, (data, "แผนที่.png")).status_code == 302
    [item] = items_of(lgo)
    response = client.get(f"/evidence/items/{item.id}/preview")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert b"13.7563N" not in response.data and b"tEXt" not in response.data
    assert Image.open(io.BytesIO(response.data)).info.get("Location") is None


def test_a_pdf_preview_is_its_first_page_as_png(app, client, lgo, editor):
    post_files(client, lgo, (pdf_bytes("หน้าแรก", pages=3), "three.pdf"))
    [item] = items_of(lgo)
    response = client.get(f"/evidence/items/{item.id}/preview")
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert Image.open(io.BytesIO(response.data)).format == "PNG"


def test_a_word_file_has_no_preview(app, client, lgo, editor):
    post_files(client, lgo, (docx_bytes(), "plan.docx"))
    [item] = items_of(lgo)
    assert client.get(f"/evidence/items/{item.id}/preview").status_code == 404
    assert "No preview" in client.get(f"/evidence/items/{item.id}").get_data(as_text=True)


# Links -----------------------------------------------------------------------------------------
def test_adding_a_link(app, client, lgo, editor):
    form = client.get(f"/evidence/lgo/{lgo.id}/{FY}/link").get_data(as_text=True)
    assert 'name="accessed_on"' in form
    bad = client.post(f"/evidence/lgo/{lgo.id}/{FY}/link", data={
        "url": "javascript:alert(1)", "title": "x", "accessed_on": "2026-01-10"})
    assert bad.status_code == 422 and "http://" in bad.get_data(as_text=True)
    response = client.post(f"/evidence/lgo/{lgo.id}/{FY}/link", data={
        "url": "https://www.example.go.th/news/1", "title": "ข่าวประชาสัมพันธ์",
        "accessed_on": "2026-01-10", "note": "หน้าข่าว"})
    assert response.status_code == 302
    [item] = items_of(lgo)
    page = client.get(response.location).get_data(as_text=True)
    assert 'href="https://www.example.go.th/news/1" rel="noopener noreferrer nofollow' in page
    assert client.get(f"/evidence/items/{item.id}/download").status_code == 404


# Editing and deleting ------------------------------------------------------------------------
def test_a_stale_edit_gets_409_with_both_versions(app, client, lgo, editor):
    item = make_evidence_item(lgo, title="ชื่อเดิม")
    db.session.commit()
    url = f"/evidence/items/{item.id}/edit"
    first = client.post(url, data={"title": "ชื่อของคนแรก", "description": "", "version": 1})
    assert first.status_code == 302
    second = client.post(url, data={"title": "ชื่อของคนที่สอง", "description": "ของฉัน",
                                    "version": 1})
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert "ชื่อของคนแรก" in html and "ชื่อของคนที่สอง" in html
    assert 'name="version" type="hidden" value="2"' in html
    db.session.expire_all()
    assert db.session.get(EvidenceItem, item.id).title == "ชื่อของคนแรก"


def test_deleting_is_refused_with_the_guards_message(app, client, lgo, editor, monkeypatch):
    item = make_evidence_item(lgo)
    db.session.commit()
    monkeypatch.setattr(services, "DELETION_GUARDS",
                        [lambda it: "cited by a submitted assessment"])
    page = client.get(f"/evidence/items/{item.id}").get_data(as_text=True)
    assert "cited by a submitted assessment" in page
    refused = client.post(f"/evidence/items/{item.id}/delete")
    assert refused.status_code == 409
    assert "cited by a submitted assessment" in refused.get_data(as_text=True)
    monkeypatch.setattr(services, "DELETION_GUARDS", [])
    assert client.post(f"/evidence/items/{item.id}/delete").status_code == 302
    assert client.get(f"/evidence/items/{item.id}").status_code == 404
    assert client.get(f"/evidence/items/{item.id}/download").status_code == 404


# The library page ------------------------------------------------------------------------------
def test_the_library_lists_searches_and_shows_storage_and_citations(app, client, lgo, editor,
                                                                    monkeypatch):
    make_evidence_item(lgo, title="แผนพัฒนาท้องถิ่น", filename="plan.pdf")
    make_evidence_item(lgo, title="ภาพกิจกรรม", filename="photo.pdf")
    make_evidence_item(lgo, kind="url", title="ข่าวบนเว็บไซต์")
    make_evidence_item(lgo, title="ปีที่แล้ว", fiscal_year=FY - 1)
    db.session.commit()
    monkeypatch.setattr(services, "CITATION_PROVIDERS",
                        [lambda it: [("SEP 2569 ข้อ 1.1", "/somewhere")]])
    html = client.get(f"/evidence/lgo/{lgo.id}/{FY}").get_data(as_text=True)
    assert "แผนพัฒนาท้องถิ่น" in html and "ข่าวบนเว็บไซต์" in html and "ปีที่แล้ว" not in html
    assert "SEP 2569 ข้อ 1.1" in html and "<meter" in html
    found = client.get(f"/evidence/lgo/{lgo.id}/{FY}?q=plan").get_data(as_text=True)
    assert "แผนพัฒนาท้องถิ่น" in found and "ภาพกิจกรรม" not in found
    links = client.get(f"/evidence/lgo/{lgo.id}/{FY}?kind=url").get_data(as_text=True)
    assert "ข่าวบนเว็บไซต์" in links and "แผนพัฒนาท้องถิ่น" not in links


def test_the_menu_entry_opens_the_users_library_or_offers_a_choice(app, client, lgo, login):
    user = make_user(Role.LGO_EDITOR, lgo=lgo)
    db.session.commit()
    login(user)
    assert 'href="/evidence/"' in client.get("/").get_data(as_text=True)
    response = client.get("/evidence/")
    assert response.status_code == 302 and f"/evidence/lgo/{lgo.id}/" in response.location
    from lgo_assess.accounts import services as accounts
    second = make_lgo(name_th="เทศบาลที่สอง")
    accounts.grant_role(user, Role.LGO_EXECUTIVE, lgo=second)
    db.session.commit()
    chooser = client.get("/evidence/")
    assert chooser.status_code == 200
    html = chooser.get_data(as_text=True)
    assert f"/evidence/lgo/{lgo.id}/" in html and f"/evidence/lgo/{second.id}/" in html


# Access ----------------------------------------------------------------------------------------
def test_an_editor_of_another_lgo_is_refused_everything(app, client, lgo, login):
    item = make_evidence_item(lgo, content=image_bytes("PNG"), content_type="image/png",
                              filename="x.png", store_root=app.config["EVIDENCE_DIR"])
    intruder = make_user(Role.LGO_EXECUTIVE, lgo=make_lgo())
    db.session.commit()
    login(intruder)
    for method, url in [("GET", f"/evidence/items/{item.id}"),
                        ("GET", f"/evidence/items/{item.id}/download"),
                        ("GET", f"/evidence/items/{item.id}/preview"),
                        ("POST", f"/evidence/items/{item.id}/edit"),
                        ("POST", f"/evidence/items/{item.id}/delete"),
                        ("GET", f"/evidence/lgo/{lgo.id}/{FY}"),
                        ("GET", f"/evidence/lgo/{lgo.id}/{FY}/items.json"),
                        ("GET", f"/evidence/lgo/{lgo.id}/{FY}/upload"),
                        ("POST", f"/evidence/lgo/{lgo.id}/{FY}/upload"),
                        ("POST", f"/evidence/lgo/{lgo.id}/{FY}/link")]:
        response = client.open(url, method=method, data={"title": "hacked", "version": 1})
        assert response.status_code == 403, (method, url, response.status_code)
    db.session.expire_all()
    assert db.session.get(EvidenceItem, item.id).title != "hacked"


def test_provincial_officers_see_their_provinces_libraries_only(app, client, lgo, login):
    item = make_evidence_item(lgo, content=pdf_bytes("province"),
                              store_root=app.config["EVIDENCE_DIR"])
    officer = make_user(Role.PROVINCIAL_OFFICER, province=lgo.province)
    db.session.commit()
    login(officer)
    assert client.get(f"/evidence/lgo/{lgo.id}/{FY}").status_code == 200
    assert client.get(f"/evidence/items/{item.id}/download").status_code == 200
    assert client.get(f"/evidence/lgo/{lgo.id}/{FY}/upload").status_code == 403
    elsewhere = make_lgo(province=make_province())
    db.session.commit()
    assert client.get(f"/evidence/lgo/{elsewhere.id}/{FY}").status_code == 403
