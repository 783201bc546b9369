"""Evidence services against the database: files stored once, refusals keep nothing, quota,
the crash window between storing and committing, soft deletion with guards, optimistic locking,
links, and the hooks later packages fill."""
from __future__ import annotations

import io
import os
import time
from datetime import date

import pytest
from sqlalchemy import select, update

from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db
from lgo_assess.core.errors import Conflict, Invalid
from lgo_assess.core.security import Role
from lgo_assess.evidence import policies, queries, services
from lgo_assess.evidence.models import EvidenceItem, EvidenceKind
from lgo_assess.evidence.services import EvidenceSettings, Upload, UploadRefused
from lgo_assess.evidence.storage import BlobStore
from tests.evidence_files import docx_bytes, exe_bytes, image_bytes, pdf_bytes
from tests.factories import make_evidence_item, make_lgo, make_province, make_user

FY = 2569


@pytest.fixture
def settings(tmp_path) -> EvidenceSettings:
    return EvidenceSettings(tmp_path / "evidence", max_bytes=1024 * 1024, quota_bytes=10 ** 9)


@pytest.fixture
def lgo():
    return make_lgo()


@pytest.fixture
def editor(lgo):
    return make_user(Role.LGO_EDITOR, lgo=lgo)


def upload(data: bytes, name: str, title: str | None = None) -> Upload:
    return Upload(io.BytesIO(data), name, title)


def blobs(settings) -> list[str]:
    return [sha256 for sha256, _path in settings.store.iter_blobs()]


def temp_files(settings) -> list:
    folder = settings.root / "tmp"
    return list(folder.iterdir()) if folder.is_dir() else []


def test_a_file_is_stored_by_content_and_described_by_its_row(lgo, editor, settings):
    data = pdf_bytes("แผน")
    [added] = services.add_files(lgo, FY, [upload(data, "แผนพัฒนาท้องถิ่น.pdf")], actor=editor,
                                 settings=settings)
    item = added.item
    assert added.created
    assert (item.kind, item.title, item.original_filename) == (
        EvidenceKind.FILE, "แผนพัฒนาท้องถิ่น", "แผนพัฒนาท้องถิ่น.pdf")
    assert (item.content_type, item.size_bytes, item.version) == ("application/pdf", len(data), 1)
    assert settings.store.path_for(item.sha256).read_bytes() == data
    assert temp_files(settings) == []
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "evidence.add_file")).scalars().one()
    assert event.object_id == str(item.id) and event.details["sha256"] == item.sha256


def test_the_same_content_is_stored_once_but_each_lgo_has_its_own_item(lgo, editor, settings):
    other_lgo = make_lgo()
    other_editor = make_user(Role.LGO_EDITOR, lgo=other_lgo)
    data = pdf_bytes("shared")
    [first] = services.add_files(lgo, FY, [upload(data, "a.pdf")], actor=editor,
                                 settings=settings)
    [second] = services.add_files(other_lgo, FY, [upload(data, "b.pdf")], actor=other_editor,
                                  settings=settings)
    assert first.item.id != second.item.id and first.item.sha256 == second.item.sha256
    assert blobs(settings) == [first.item.sha256]


def test_uploading_known_content_to_the_same_library_returns_the_existing_item(
        lgo, editor, settings):
    data = pdf_bytes("twice")
    [first] = services.add_files(lgo, FY, [upload(data, "a.pdf", "แผน")], actor=editor,
                                 settings=settings)
    [again] = services.add_files(lgo, FY, [upload(data, "copy.pdf")], actor=editor,
                                 settings=settings)
    assert not again.created and again.item.id == first.item.id
    [next_year] = services.add_files(lgo, FY + 1, [upload(data, "a.pdf")], actor=editor,
                                     settings=settings)
    assert next_year.created and next_year.item.fiscal_year == FY + 1


def test_one_bad_file_refuses_the_whole_batch_and_keeps_nothing(lgo, editor, settings):
    with pytest.raises(UploadRefused) as refused:
        services.add_files(lgo, FY, [upload(pdf_bytes(), "good.pdf"),
                                     upload(exe_bytes(), "report.pdf"),
                                     upload(b"", "empty.pdf")], actor=editor, settings=settings)
    errors = refused.value.errors
    assert set(errors) == {1, 2}
    assert "program" in errors[1] and ".pdf" in errors[1]
    assert "empty" in errors[2]
    assert blobs(settings) == [] and temp_files(settings) == []
    assert db.session.execute(select(EvidenceItem)).first() is None


def test_a_file_over_the_size_limit_is_refused(lgo, editor, settings):
    big = pdf_bytes() + b"%" * settings.max_bytes
    with pytest.raises(UploadRefused) as refused:
        services.add_files(lgo, FY, [upload(big, "big.pdf")], actor=editor, settings=settings)
    assert "larger than the limit of 1.0 MB" in refused.value.errors[0]
    assert temp_files(settings) == []


def test_a_batch_over_the_quota_is_refused_whole(lgo, editor, tmp_path):
    first, second = pdf_bytes("one"), pdf_bytes("two" * 300)
    settings = EvidenceSettings(tmp_path, max_bytes=10 ** 6,
                                quota_bytes=len(first) + len(second) - 1)
    with pytest.raises(UploadRefused) as refused:
        services.add_files(lgo, FY, [upload(first, "1.pdf"), upload(second, "2.pdf")],
                           actor=editor, settings=settings)
    assert "Not enough storage" in str(refused.value.message)
    assert refused.value.errors == {}
    assert blobs(settings) == [] and temp_files(settings) == []
    # Content the LGO already stores costs nothing more.
    services.add_files(lgo, FY, [upload(first, "1.pdf")], actor=editor, settings=settings)
    services.add_files(lgo, FY + 1, [upload(first, "1.pdf")], actor=editor, settings=settings)
    assert queries.storage_used(lgo.id) == len(first)


def test_a_crash_after_storing_and_before_commit_leaves_no_row_and_sweep_removes_the_blob(
        lgo, editor, settings):
    db.session.commit()                               # the LGO and user exist for good
    [added] = services.add_files(lgo, FY, [upload(pdf_bytes("lost"), "lost.pdf")],
                                 actor=editor, settings=settings)
    sha256 = added.item.sha256
    db.session.rollback()                             # the request dies before its commit
    assert db.session.execute(select(EvidenceItem).where(
        EvidenceItem.sha256 == sha256)).first() is None
    blob = settings.store.path_for(sha256)
    assert blob.exists()
    assert services.sweep(settings).blobs == []       # too young: maybe still committing
    old = time.time() - 7200
    os.utime(blob, (old, old))
    assert services.sweep(settings).blobs == [blob]
    assert not blob.exists()


def test_sweep_keeps_blobs_in_use_and_removes_those_only_deleted_items_point_at(
        lgo, editor, settings):
    kept = make_evidence_item(lgo, content=pdf_bytes("kept"), store_root=settings.root)
    dropped = make_evidence_item(lgo, content=pdf_bytes("dropped"), store_root=settings.root)
    services.delete_item(dropped, actor=editor)
    for _sha, path in settings.store.iter_blobs():
        os.utime(path, (time.time() - 7200,) * 2)
    report = services.sweep(settings, dry_run=True)
    assert [p.name for p in report.blobs] == [dropped.sha256]
    assert settings.store.exists(dropped.sha256)      # a dry run removes nothing
    services.sweep(settings)
    assert settings.store.exists(kept.sha256) and not settings.store.exists(dropped.sha256)


def test_flask_evidence_sweep_prints_what_it_removed(app, lgo, editor):
    root = app.config["EVIDENCE_DIR"]
    store = BlobStore(root)
    orphan = store.commit(store.stage(io.BytesIO(b"orphan for the command")))
    os.utime(orphan, (time.time() - 7200,) * 2)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["evidence", "sweep", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"would remove blob {orphan}" in dry.output and orphan.exists()
    done = runner.invoke(args=["evidence", "sweep"])
    assert f"removed blob {orphan}" in done.output and not orphan.exists()


def test_deleting_is_soft_recorded_and_refused_by_a_guard(lgo, editor, monkeypatch):
    item = make_evidence_item(lgo)
    monkeypatch.setattr(services, "DELETION_GUARDS", [
        lambda it: "cited by a submitted assessment" if it.id == item.id else None])
    with pytest.raises(Conflict) as refused:
        services.delete_item(item, actor=editor)
    assert str(refused.value.message) == "cited by a submitted assessment"
    assert item.deleted_at is None
    monkeypatch.setattr(services, "DELETION_GUARDS", [])
    services.delete_item(item, actor=editor)
    assert item.is_deleted and item.deleted_by_id == editor.id
    assert db.session.get(EvidenceItem, item.id) is not None      # the row stays
    assert db.session.execute(queries.library_query(lgo.id, FY)).first() is None


def test_an_edit_from_a_stale_version_is_refused(lgo, editor):
    item = make_evidence_item(lgo, title="เดิม")
    services.edit_item(item, title="ใหม่", description="คำอธิบาย", expected_version=1,
                       actor=editor)
    assert (item.title, item.version) == ("ใหม่", 2)
    with pytest.raises(services.StaleEdit) as stale:
        services.edit_item(item, title="อีกคน", description=None, expected_version=1,
                           actor=editor)
    assert stale.value.status == 409 and stale.value.current.title == "ใหม่"


def test_a_concurrent_change_in_the_database_is_caught_at_flush(lgo, editor):
    """Another request saved the item after this one loaded it: the UPDATE's version check
    matches no row, and nothing of this edit is kept."""
    item = make_evidence_item(lgo, title="เดิม")
    db.session.commit()
    db.session.execute(update(EvidenceItem).where(EvidenceItem.id == item.id)
                       .values(title="ของอีกคน", version=EvidenceItem.version + 1)
                       .execution_options(synchronize_session=False))
    db.session.commit()
    with pytest.raises(services.StaleEdit):
        services.edit_item(item, title="ของฉัน", description=None, expected_version=1,
                           actor=editor)
    db.session.rollback()
    saved = db.session.get(EvidenceItem, item.id)
    assert (saved.title, saved.version) == ("ของอีกคน", 2)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.com/a", "http://",
                                 "https://user:pw@example.com/", "http://127.0.0.1/admin",
                                 "http://10.0.0.5/", "https://exa mple.com/", "data:text/html,x"])
def test_links_must_be_public_http_addresses(lgo, editor, url):
    with pytest.raises(Invalid):
        services.add_link(lgo, FY, url=url, title="ลิงก์", accessed_on=date(2026, 1, 1),
                          actor=editor)


def test_a_link_is_added_with_the_date_it_was_seen(lgo, editor):
    item = services.add_link(lgo, FY, url=" https://www.example.go.th/ข่าว ", title="ข่าว",
                             accessed_on=date(2026, 1, 1), note="หน้าแรก", actor=editor)
    assert (item.kind, item.url, item.note, item.sha256) == (
        EvidenceKind.URL, "https://www.example.go.th/ข่าว", "หน้าแรก", None)
    with pytest.raises(Invalid):
        services.add_link(lgo, FY, url="https://example.com/", title="x",
                          accessed_on=date(2999, 1, 1), actor=editor)


def test_the_database_refuses_a_file_item_without_its_hash(lgo, editor):
    from sqlalchemy.exc import IntegrityError
    db.session.add(EvidenceItem(lgo_id=lgo.id, fiscal_year=FY, kind=EvidenceKind.FILE,
                                title="x", uploaded_by_id=editor.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_who_may_see_and_change_an_item(lgo, editor):
    item = make_evidence_item(lgo)
    province_officer = make_user(Role.PROVINCIAL_OFFICER, province=lgo.province)
    other_officer = make_user(Role.PROVINCIAL_OFFICER, province=make_province())
    other_editor = make_user(Role.LGO_EDITOR, lgo=make_lgo())
    approver, admin = make_user(Role.DLA_APPROVER), make_user(Role.DLA_ADMIN)
    assessor = make_user(Role.ASSESSOR)
    for user in (editor, province_officer, approver, admin):
        assert policies.can_view_item(user, item), user.roles
    for user in (other_officer, other_editor, assessor):
        assert not policies.can_view_item(user, item), user.roles
    assert policies.can_edit_item(editor, item)
    for user in (province_officer, approver, admin, other_editor):
        assert not policies.can_edit_item(user, item)


def test_access_granters_let_assigned_assessors_in(lgo, monkeypatch):
    item = make_evidence_item(lgo)
    assessor = make_user(Role.ASSESSOR)
    monkeypatch.setattr(policies, "ACCESS_GRANTERS",
                        [lambda user, it: user.id == assessor.id and it.id == item.id])
    assert policies.can_view_item(assessor, item)
    assert not policies.can_edit_item(assessor, item)
    assert not policies.can_view_item(make_user(Role.ASSESSOR), item)


def test_citations_come_from_the_providers(lgo, monkeypatch):
    item = make_evidence_item(lgo)
    monkeypatch.setattr(services, "CITATION_PROVIDERS", [
        lambda it: [("SEP 2569, 1.1", "/a/1")], lambda it: [("DGO 2569, 2.3", "/a/2")]])
    assert services.citations(item) == [("SEP 2569, 1.1", "/a/1"), ("DGO 2569, 2.3", "/a/2")]


def test_an_image_and_a_word_file_are_accepted(lgo, editor, settings):
    added = services.add_files(lgo, FY, [upload(image_bytes("JPEG"), "ภาพ.jpg"),
                                         upload(docx_bytes(), "plan.docx", "แผนงาน")],
                               actor=editor, settings=settings)
    assert [a.item.content_type for a in added] == [
        "image/jpeg",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"]
    assert added[1].item.title == "แผนงาน"
