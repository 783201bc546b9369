"""The evidence library pages, its JSON for the assessment workspace, and file serving.

Files are only ever sent as attachments (or, for previews, as images re-encoded by the server),
with ``nosniff``, a sandbox CSP and ``no-store``, so nothing uploaded can run in the app's origin.
"""
from __future__ import annotations

import unicodedata
from urllib.parse import quote

from flask import (Blueprint, current_app, flash, jsonify, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from lgo_assess.core.db import db, utcnow
from lgo_assess.core.errors import DomainError, NotFound
from lgo_assess.core.navigation import add_nav_entry
from lgo_assess.core.security import Permission, require
from lgo_assess.core.thaidate import fiscal_year, today_bangkok
from lgo_assess.evidence import policies, preview, queries, services
from lgo_assess.evidence.forms import (DeleteForm, EvidenceEditForm, EvidenceLinkForm,
                                       EvidenceUploadForm, LibrarySearchForm)
from lgo_assess.evidence.models import EvidenceItem, EvidenceKind
from lgo_assess.evidence import uploads
from lgo_assess.evidence.sniffing import BY_CONTENT_TYPE, extension_of
from lgo_assess.registry.models import Lgo

bp = Blueprint("evidence", __name__, url_prefix="/evidence", template_folder="templates")
# Uploaded files are parsed straight into the store's tmp/ (evidence.uploads): no second copy.
bp.record_once(lambda state: uploads.install(state.app))

add_nav_entry(_l("Evidence library"), "evidence.index", order=30,
              permission=Permission.MANAGE_EVIDENCE)

# Who reaches which page (the scope is then checked on the object, in ``queries``).
VIEWERS = (Permission.MANAGE_EVIDENCE, Permission.VIEW_PROVINCE)
ITEM_VIEWERS = (*VIEWERS, Permission.SCORE_ASSESSMENT)   # assessors, via ACCESS_GRANTERS
ITEMS_PER_PAGE = 50
FILE_CSP = "sandbox; default-src 'none'"


def _me():
    return current_user._get_current_object()


def _settings() -> services.EvidenceSettings:
    return services.EvidenceSettings.from_config(current_app.config)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


@bp.app_template_filter("filesize")
def filesize_filter(size):
    return services.human_size(size)


# Choosing a library ------------------------------------------------------------------------------
@bp.get("/")
@require(Permission.MANAGE_EVIDENCE)
def index():
    """The menu entry: straight to the user's LGO's library for this fiscal year, or a choice
    when the user works for several LGOs."""
    this_year = fiscal_year(utcnow())
    lgo_ids = policies.managed_lgo_ids(_me())
    if len(lgo_ids) == 1:
        return redirect(url_for("evidence.library", lgo_id=lgo_ids.pop(), fy=this_year))
    lgos = db.session.query(Lgo).filter(Lgo.id.in_(lgo_ids)).order_by(Lgo.name_th).all()
    return render_template("evidence/choose.html", lgos=lgos, fy=this_year)


# The library -----------------------------------------------------------------------------------
@bp.get("/lgo/<int:lgo_id>/<int:fy>")
@require(*VIEWERS)
def library(lgo_id: int, fy: int):
    lgo = queries.get_library_for(_me(), lgo_id, fy)
    form = LibrarySearchForm(formdata=request.args)
    form.validate()
    kind = EvidenceKind(form.kind.data) if form.kind.data in set(EvidenceKind) else None
    page = db.paginate(queries.library_query(lgo.id, fy, text=form.q.data, kind=kind),
                       page=request.args.get("page", 1, type=int), per_page=ITEMS_PER_PAGE,
                       error_out=False)
    settings = _settings()
    return render_template(
        "evidence/library.html", lgo=lgo, fy=fy, form=form, page=page,
        filters={"lgo_id": lgo.id, "fy": fy, "q": form.q.data or None,
                 "kind": kind.value if kind else None},
        citations={item.id: services.citations(item) for item in page.items},
        used=queries.storage_used(lgo.id), quota=settings.quota_bytes,
        may_manage=policies.can_manage_library(_me(), lgo))


@bp.get("/lgo/<int:lgo_id>/<int:fy>/items.json")
@require(*VIEWERS)
def items_json(lgo_id: int, fy: int):
    """The library as JSON, for the assessment workspace's evidence picker."""
    lgo = queries.get_library_for(_me(), lgo_id, fy)
    items = db.session.execute(queries.library_query(lgo.id, fy)).scalars()
    return jsonify({"lgo_id": lgo.id, "fiscal_year": fy,
                    "items": [_item_json(item) for item in items]})


def _item_json(item: EvidenceItem) -> dict:
    return {"id": item.id, "title": item.title, "kind": item.kind.value,
            "size": item.size_bytes, "content_type": item.content_type,
            "filename": item.original_filename, "url": item.url,
            "page_url": url_for("evidence.show_item", evidence_id=item.id),
            "download_url": url_for("evidence.download", evidence_id=item.id)
            if item.is_file else None}


# Adding ------------------------------------------------------------------------------------------
def _render_upload(lgo, fy, form, status=200, error=None):
    return render_template("evidence/upload.html", lgo=lgo, fy=fy, form=form, error=error,
                           max_bytes=_settings().max_bytes), status


@bp.route("/lgo/<int:lgo_id>/<int:fy>/upload", methods=["GET", "POST"])
@require(Permission.MANAGE_EVIDENCE)
def upload(lgo_id: int, fy: int):
    """Upload up to five files at once, each with an optional title. The same form posted
    with ``Accept: application/json`` answers in JSON (201 with the items, or 422 with a
    message per refused file), so the workspace can upload inline and then link."""
    lgo = queries.get_library_for(_me(), lgo_id, fy, manage=True)
    form = EvidenceUploadForm()
    if not form.is_submitted():
        return _render_upload(lgo, fy, form)
    rows = [row for row in form.rows if row.file.data and getattr(row.file.data, "filename", None)]
    if not form.validate():
        return _upload_refused(lgo, fy, form, services.UploadRefused(
            _l("Check the fields marked below.")), rows)
    uploads = [services.Upload(row.file.data.stream, row.file.data.filename, row.title.data)
               for row in rows]
    try:
        added = services.add_files(lgo, fy, uploads, actor=_me(), settings=_settings())
    except services.UploadRefused as refused:
        db.session.rollback()
        return _upload_refused(lgo, fy, form, refused, rows)
    db.session.commit()
    if _wants_json():
        return jsonify({"items": [dict(_item_json(entry.item), created=entry.created)
                                  for entry in added]}), 201
    created = [entry.item for entry in added if entry.created]
    if created:
        flash(ngettext("%(num)d file was added to the library.",
                       "%(num)d files were added to the library.", len(created)), "success")
    for entry in added:
        if not entry.created:
            flash(_("%(file)s was already in the library as “%(title)s”.",
                    file=entry.item.original_filename, title=entry.item.title), "info")
    return redirect(url_for("evidence.library", lgo_id=lgo.id, fy=fy))


def _upload_refused(lgo, fy, form, refused: services.UploadRefused, rows):
    for index, message in refused.errors.items():
        rows[index].file.errors = [*rows[index].file.errors, message]
    if _wants_json():
        problems = [{"index": index, "filename": rows[index].file.data.filename,
                     "message": message} for index, message in refused.errors.items()]
        response = jsonify({"type": "about:blank", "title": str(refused.message),
                            "status": 422, "errors": problems})
        response.status_code = 422
        response.mimetype = "application/problem+json"
        return response
    return _render_upload(lgo, fy, form, 422, error=str(refused.message))


@bp.route("/lgo/<int:lgo_id>/<int:fy>/link", methods=["GET", "POST"])
@require(Permission.MANAGE_EVIDENCE)
def add_link(lgo_id: int, fy: int):
    lgo = queries.get_library_for(_me(), lgo_id, fy, manage=True)
    form = EvidenceLinkForm()
    if not form.is_submitted():
        form.accessed_on.data = today_bangkok()
    if not form.validate_on_submit():
        return render_template("evidence/link.html", lgo=lgo, fy=fy, form=form), (
            422 if form.is_submitted() else 200)
    try:
        item = services.add_link(lgo, fy, url=form.url.data, title=form.title.data,
                                 accessed_on=form.accessed_on.data, note=form.note.data,
                                 description=form.description.data, actor=_me())
    except DomainError as error:
        db.session.rollback()
        field = getattr(form, error.details.get("field", "url"), form.url)
        field.errors = [*field.errors, str(error.message)]
        return render_template("evidence/link.html", lgo=lgo, fy=fy, form=form), error.status
    db.session.commit()
    flash(_("The link was added to the library."), "success")
    return redirect(url_for("evidence.show_item", evidence_id=item.id))


# One item ----------------------------------------------------------------------------------------
def _render_item(item, *, form=None, status=200, error=None, theirs=None):
    may_manage = policies.can_edit_item(_me(), item)
    if form is None:
        form = EvidenceEditForm(obj=item)
        form.version.data = item.version
    kind = BY_CONTENT_TYPE.get(item.content_type or "")
    return render_template(
        "evidence/item.html", item=item, form=form, delete_form=DeleteForm(),
        may_manage=may_manage, may_view_library=policies.can_view_library(_me(), item.lgo),
        type_label=kind.label if kind else item.content_type,
        citations=services.citations(item),
        deletion_refusal=services.deletion_refusal(item) if may_manage else None,
        has_preview=item.is_file and preview.has_preview(item.content_type),
        error=error, theirs=theirs), status


@bp.get("/items/<int:evidence_id>")
@require(*ITEM_VIEWERS)
def show_item(evidence_id: int):
    return _render_item(queries.get_item_for(_me(), evidence_id))


@bp.post("/items/<int:evidence_id>/edit")
@require(Permission.MANAGE_EVIDENCE)
def edit_item(evidence_id: int):
    item = queries.get_item_for(_me(), evidence_id, manage=True)
    form = EvidenceEditForm()
    if not form.validate_on_submit():
        return _render_item(item, form=form, status=422)
    try:
        services.edit_item(item, title=form.title.data, description=form.description.data,
                           note=form.note.data, expected_version=form.version.data, actor=_me())
    except services.StaleEdit as stale:
        db.session.rollback()
        current = db.session.get(EvidenceItem, evidence_id)
        # Saving the form again now replaces their version, knowingly.
        form.version.data, form.version.raw_data = current.version, [str(current.version)]
        return _render_item(current, form=form, status=409, error=str(stale.message),
                            theirs=current)
    except DomainError as error:
        db.session.rollback()
        return _render_item(item, form=form, status=error.status, error=str(error.message))
    db.session.commit()
    flash(_("The changes were saved."), "success")
    return redirect(url_for("evidence.show_item", evidence_id=item.id))


@bp.post("/items/<int:evidence_id>/delete")
@require(Permission.MANAGE_EVIDENCE)
def delete_item(evidence_id: int):
    item = queries.get_item_for(_me(), evidence_id, manage=True)
    if not DeleteForm().validate_on_submit():
        return _render_item(item, status=400, error=_("The form has expired: try again."))
    lgo_id, fy = item.lgo_id, item.fiscal_year
    try:
        services.delete_item(item, actor=_me())
    except DomainError as error:
        db.session.rollback()
        return _render_item(item, status=error.status, error=str(error.message))
    db.session.commit()
    flash(_("“%(title)s” was removed from the library.", title=item.title), "success")
    return redirect(url_for("evidence.library", lgo_id=lgo_id, fy=fy))


# Serving files -----------------------------------------------------------------------------------
def download_name(item: EvidenceItem) -> str:
    """The name offered for the file: the uploaded name, with the right extension added when
    it had none."""
    name = item.original_filename or "evidence"
    kind = BY_CONTENT_TYPE.get(item.content_type or "")
    if kind and not extension_of(name):
        name = f"{name}.{kind.extension}"
    return name


def content_disposition(disposition: str, name: str) -> str:
    """RFC 6266: an ASCII fallback and the real (Thai) name percent-encoded as UTF-8."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(ch if ch.isalnum() or ch in "._- " else "_" for ch in fallback).strip()
    stem, _dot, extension = fallback.rpartition(".")
    if not stem.strip("._- "):
        fallback = "evidence" + (f".{extension}" if extension else "")
    return (f"{disposition}; filename=\"{fallback}\"; "
            f"filename*=UTF-8''{quote(name, safe='')}")


def _harden(response, disposition: str, name: str):
    response.headers["Content-Disposition"] = content_disposition(disposition, name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = FILE_CSP
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/items/<int:evidence_id>/download")
@require(*ITEM_VIEWERS)
def download(evidence_id: int):
    item = queries.get_item_for(_me(), evidence_id)
    if not item.is_file:
        raise NotFound()
    path = _settings().store.path_for(item.sha256)
    if not path.is_file():
        current_app.logger.error("evidence blob missing: item %s, sha256 %s", item.id,
                                 item.sha256)
        raise NotFound(_l("The file is missing from the store. The team has been told."))
    services.note_download(item, actor=_me())
    db.session.commit()
    response = send_file(path, mimetype=item.content_type, as_attachment=True,
                         download_name="evidence", etag=item.sha256, max_age=None)
    return _harden(response, "attachment", download_name(item))


@bp.get("/items/<int:evidence_id>/preview")
@require(*ITEM_VIEWERS)
def preview_image(evidence_id: int):
    item = queries.get_item_for(_me(), evidence_id)
    made = preview.ensure_preview(_settings().store, item.sha256, item.content_type) \
        if item.is_file else None
    if made is None:
        raise NotFound()
    path, mimetype = made
    response = send_file(path, mimetype=mimetype, etag=item.sha256, max_age=None)
    stem = (item.original_filename or "evidence").rsplit(".", 1)[0]
    return _harden(response, "inline", f"{stem}-preview{path.suffix}")
