"""DLA's administrators import historical certification results (before the platform) from a
CSV or XLSX file: the page lists what the file must hold, offers the template, shows every
problem of a refused file as a table (line, column, reason) and the imports made so far."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lgo_assess.certification import history
from lgo_assess.certification.forms import HistoryUploadForm
from lgo_assess.certification.history_file import (COLUMNS, MAX_BYTES, template_csv,
                                                   template_xlsx)
from lgo_assess.core.db import db
from lgo_assess.core.i18n import current_language
from lgo_assess.core.navigation import add_nav_entry
from lgo_assess.core.security import Permission, require
from lgo_assess.core.thaidate import format_date

bp = Blueprint("history", __name__, template_folder="templates", url_prefix="/admin/history")

# Translators: the menu entry for importing certification results from before the platform.
add_nav_entry(_l("Historical results"), "history.index", order=85,
              permission=Permission.IMPORT_CERTIFICATE_HISTORY)

PROBLEMS_SHOWN = 1000
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page(form=None, refused: history.HistoryFileRefused | None = None,
          file_name: str | None = None):
    problems = refused.problems if refused else []
    return render_template(
        "certification/history.html", form=form or HistoryUploadForm(), columns=COLUMNS,
        batches=history.recent_batches(), refused=refused, file_name=file_name,
        problems=[(p, history.describe(p)) for p in problems[:PROBLEMS_SHOWN]],
        hidden=max(0, len(problems) - PROBLEMS_SHOWN))


@bp.get("/")
@require(Permission.IMPORT_CERTIFICATE_HISTORY)
def index():
    return _page()


@bp.post("/")
@require(Permission.IMPORT_CERTIFICATE_HISTORY)
def upload():
    form = HistoryUploadForm()
    if not form.validate_on_submit():
        return _page(form), 422
    upload = form.file.data
    raw = upload.stream.read(MAX_BYTES + 1)
    try:
        result = history.import_history(raw, upload.filename or "",
                                        actor=current_user._get_current_object())
    except history.HistoryFileRefused as refused:
        db.session.rollback()
        return _page(form, refused, upload.filename), 422
    db.session.commit()
    if result.already_imported is not None:
        flash(_("This file was already imported on %(date)s (%(file)s): nothing changed.",
                date=format_date(result.already_imported.imported_at, current_language()),
                file=result.already_imported.file_name), "success")
    elif result.batch is None:
        flash(_("Every certificate of this file is already recorded: nothing changed."),
              "success")
    else:
        flash(_("%(file)s is imported: %(created)s historical certificates added, "
                "%(unchanged)s already recorded.", file=result.batch.file_name,
                created=result.created, unchanged=result.unchanged), "success")
    return redirect(url_for("history.index"))


@bp.get("/template.xlsx")
@require(Permission.IMPORT_CERTIFICATE_HISTORY)
def template_xlsx_file():
    return Response(template_xlsx(), mimetype=XLSX_TYPE, headers={
        "Content-Disposition": 'attachment; filename="certificate-history-template.xlsx"'})


@bp.get("/template.csv")
@require(Permission.IMPORT_CERTIFICATE_HISTORY)
def template_csv_file():
    return Response(template_csv(), mimetype="text/csv", headers={
        "Content-Disposition": 'attachment; filename="certificate-history-template.csv"'})
