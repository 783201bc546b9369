"""The public criteria browser: standards → editions → the criteria tree, search in both
languages, a printable PDF of an edition, and what changed between two editions."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

from flask import (Blueprint, abort, current_app, redirect, render_template, request,
                   send_file, url_for)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_context
from sqlalchemy import select

from lgo_assess.core.db import db
from lgo_assess.core.i18n import current_language
from lgo_assess.core.navigation import add_nav_entry
from lgo_assess.core.security import public
from lgo_assess.criteria import labels, policies, queries
from lgo_assess.criteria.diff import MISSING, diff_editions
from lgo_assess.criteria.edition import Text
from lgo_assess.criteria.models import EditionStatus
from lgo_assess.criteria.schema import LGO_TYPES

bp = Blueprint("criteria", __name__, template_folder="templates", url_prefix="/criteria")

# Translators: the menu entry for the criteria browser; in Thai "เกณฑ์มาตรฐาน".
add_nav_entry(_l("Criteria"), "criteria.index", order=30)


def bilingual(value, language: str | None = None) -> str:
    """A {th, en} text of the criteria data in the current language (Thai when no English)."""
    if value is None:
        return ""
    if isinstance(value, Text):
        return value.get(language or current_language())
    if isinstance(value, dict):
        return value.get(language or current_language()) or value.get("th") or ""
    return str(value)


@bp.app_template_filter("bilingual")
@pass_context
def bilingual_filter(context, value) -> str:
    """``bilingual`` in the language the rendering began in (``current_language`` of the template
    context, which core.i18n injects; looked up when a macro has no context)."""
    return bilingual(value, context.get("current_language"))


@bp.app_template_filter("criteria_label")
def criteria_label(code: str, table: str) -> str:
    """The translated name of a format word: ``'yes_no'|criteria_label('SCORING_METHODS')``."""
    return labels.label(getattr(labels, table), code, _)


@bp.app_template_filter("diff_value")
def diff_value(value) -> str:
    """A value of an edition comparison, for a table cell."""
    if value is MISSING:
        return "—"
    if isinstance(value, dict) and value and set(value) <= {"th", "en"}:
        return bilingual(value)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(diff_value(v) for v in value) or "[]"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {diff_value(v)}" for k, v in value.items())
    return str(value)


@bp.app_template_filter("decimal")
def decimal(value) -> str:
    if value is None:
        return "—"
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _drafts() -> bool:
    return policies.can_view_drafts(current_user)


def _area_tags() -> list[tuple[str, str]]:
    from lgo_assess.registry.models import AreaTag
    tags = db.session.execute(select(AreaTag).order_by(AreaTag.code)).scalars().all()
    lang = current_language()
    names = {t.code: (t.name_en if lang == "en" else t.name_th) or t.code for t in tags}
    for code in labels.AREA_TAGS:
        names.setdefault(code, labels.label(labels.AREA_TAGS, code, _))
    return sorted(names.items())


@bp.get("/")
@public
def index():
    return render_template("criteria/index.html",
                           standards=queries.list_standards(include_drafts=_drafts()))


@bp.get("/search")
@public
def search():
    text = request.args.get("q", "").strip()[:200]
    edition = None
    standard_code, edition_code = request.args.get("standard"), request.args.get("edition")
    if standard_code and edition_code:
        edition = queries.get_edition(standard_code, edition_code, include_drafts=_drafts())
    results = queries.search_criteria(text, edition=edition,
                                      include_drafts=_drafts()) if text else []
    return render_template("criteria/search.html", q=text, edition=edition, results=results)


@bp.get("/<standard_code>/")
@public
def show_standard(standard_code: str):
    standard, editions = queries.get_standard(standard_code, include_drafts=_drafts())
    return render_template("criteria/standard.html", standard=standard, editions=editions)


@bp.get("/<standard_code>/<edition_code>/")
@public
def show_edition(standard_code: str, edition_code: str):
    row = queries.get_edition(standard_code, edition_code, include_drafts=_drafts())
    edition = row.to_edition()
    lgo_type = request.args.get("lgo_type") or None
    if lgo_type not in LGO_TYPES:
        lgo_type = None
    area_tags = [t for t in request.args.getlist("area_tag") if t][:20]
    effective = None
    if lgo_type:
        effective = {e.code: e for e in edition.criteria_for(lgo_type, area_tags)}
    comparable = sum(1 for e in row.standard.editions
                     if _drafts() or e.status != EditionStatus.DRAFT) > 1
    return render_template("criteria/edition.html", row=row, edition=edition,
                           effective=effective, lgo_type=lgo_type, area_tags=area_tags,
                           lgo_types=LGO_TYPES, all_area_tags=_area_tags(),
                           comparable=comparable)


@bp.get("/<standard_code>/<edition_code>/criteria/<criterion_code>")
@public
def show_criterion(standard_code: str, edition_code: str, criterion_code: str):
    row = queries.get_edition(standard_code, edition_code, include_drafts=_drafts())
    edition = row.to_edition()
    criterion = edition.criterion(criterion_code)
    if criterion is None:
        abort(404)
    return render_template("criteria/criterion.html", row=row, edition=edition,
                           criterion=criterion, section=edition.section(criterion.section_code))


@bp.get("/<standard_code>/<edition_code>/pdf")
@public
def edition_pdf(standard_code: str, edition_code: str):
    """The edition as an A4 PDF in the current language. A published edition never changes, so
    the file is built once per content and language and then served from the instance cache."""
    row = queries.get_edition(standard_code, edition_code, include_drafts=_drafts())
    lang = current_language()
    cache = Path(current_app.instance_path) / "cache" / "criteria-pdf"
    path = cache / f"{row.content_hash}-{row.status.value}-{lang}.pdf"
    if not path.exists():
        from lgo_assess.criteria.pdf import build_edition_pdf
        cache.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache, suffix=".part")
        os.close(handle)
        try:
            build_edition_pdf(row.to_edition(), temporary, language=lang, gettext=_,
                              status=row.status.value)
            os.replace(temporary, path)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    return send_file(path, mimetype="application/pdf", as_attachment=False,
                     download_name=f"{row.standard.code}-{row.code}-{lang}.pdf")


@bp.get("/<standard_code>/compare")
@public
def compare(standard_code: str):
    standard, editions = queries.get_standard(standard_code, include_drafts=_drafts())
    codes = [e.code for e in editions]
    old_code = request.args.get("from") or (codes[-2] if len(codes) > 1 else codes[0])
    new_code = request.args.get("to") or codes[-1]
    if old_code not in codes or new_code not in codes:
        return redirect(url_for("criteria.compare", standard_code=standard.code))
    old = next(e for e in editions if e.code == old_code)
    new = next(e for e in editions if e.code == new_code)
    return render_template("criteria/compare.html", standard=standard, editions=editions,
                           old=old, new=new, diff=diff_editions(old.document, new.document),
                           statuses=EditionStatus)
