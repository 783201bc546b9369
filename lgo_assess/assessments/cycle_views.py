"""Cycle administration for DLA: open a cycle (one published edition × one fiscal year with its
four dates), follow its assessments, grant one LGO a later self-assessment deadline."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lgo_assess.assessments import cycle_queries as queries
from lgo_assess.assessments import services
from lgo_assess.assessments.cycle_forms import (CycleFilterForm, CycleOpenForm, ExtensionForm,
                                                LgoSearchForm)
from lgo_assess.core.db import db
from lgo_assess.core.errors import DomainError
from lgo_assess.core.i18n import current_language, localized
from lgo_assess.core.navigation import add_nav_entry
from lgo_assess.core.security import Permission, require
from lgo_assess.core.thaidate import format_date, today_bangkok

bp = Blueprint("cycles", __name__, template_folder="templates", url_prefix="/admin/cycles")

# Translators: the menu entry for the assessment cycles DLA opens each fiscal year.
add_nav_entry(_l("Cycles"), "cycles.index", order=80, permission=Permission.MANAGE_CYCLES)

ASSESSMENTS_PER_PAGE = 50


def _me():
    return current_user._get_current_object()


@bp.get("/")
@require(Permission.MANAGE_CYCLES)
def index():
    years = queries.cycles_by_fiscal_year()
    counts = queries.counts_by_cycle()
    return render_template("assessments/cycles_index.html", years=years, counts=counts,
                           today=today_bangkok())


def _default_dates(form: CycleOpenForm) -> None:
    """A first proposal: open today, 90 days to self-assess, 60 to review, 30 to decide."""
    today = today_bangkok()
    form.opens_on.data = today
    form.self_assessment_due.data = today + timedelta(days=90)
    form.review_due.data = today + timedelta(days=150)
    form.decision_due.data = today + timedelta(days=180)


@bp.route("/new", methods=["GET", "POST"])
@require(Permission.MANAGE_CYCLES)
def open_cycle():
    editions = queries.published_editions()
    # ?edition=<id> (the editions page links here) limits the fiscal years to that edition's
    form = CycleOpenForm(editions=editions, localize=localized,
                         edition=request.args.get("edition", ""))
    if not form.is_submitted():
        _default_dates(form)
        return render_template("assessments/cycles_new.html", form=form)
    if not form.validate():
        return render_template("assessments/cycles_new.html", form=form), 422
    try:
        cycle = services.open_cycle(
            form.chosen_edition, int(form.fiscal_year.data), opens_on=form.opens_on.data,
            self_assessment_due=form.self_assessment_due.data, review_due=form.review_due.data,
            decision_due=form.decision_due.data, actor=_me())
    except DomainError as error:
        db.session.rollback()
        return render_template("assessments/cycles_new.html", form=form,
                               error=str(error.message)), error.status
    db.session.commit()
    flash(_("The cycle %(edition)s for %(fy)s is open.",
            edition=cycle.edition.label, fy=cycle.fiscal_year), "success")
    return redirect(url_for("cycles.show", cycle_id=cycle.id))


@bp.get("/<int:cycle_id>")
@require(Permission.MANAGE_CYCLES)
def show(cycle_id: int):
    cycle = queries.get_cycle(cycle_id)
    filters = CycleFilterForm(formdata=request.args, provinces=queries.provinces_in(cycle),
                              localize=localized)
    province_code, status = filters.province_code, filters.status_value
    page = db.paginate(queries.assessments_query(cycle, province_code=province_code,
                                                 status=status),
                       page=request.args.get("page", 1, type=int),
                       per_page=ASSESSMENTS_PER_PAGE, error_out=False)
    extensions = queries.extensions_of(cycle)
    return render_template(
        "assessments/cycles_show.html", cycle=cycle, page=page, filters=filters,
        filter_values={k: v for k, v in (("province", province_code),
                                         ("status", status.value if status else None)) if v},
        counts=queries.counts_by_cycle([cycle.id]).get(cycle.id, queries.CycleCounts()),
        extensions=extensions, extended={e.lgo_id: e for e in extensions},
        answered=queries.answered_counts(a.id for a in page.items),
        today=today_bangkok())


def _render_extension(cycle, form, *, search=None, error=None, status=200):
    search = search or LgoSearchForm(formdata=request.args)
    matches = queries.search_lgos(search.q.data) if search.validate() and search.q.data else []
    return render_template("assessments/cycles_extend.html", cycle=cycle, form=form,
                           search=search, matches=matches, error=error,
                           extensions=queries.extensions_of(cycle)), status


@bp.route("/<int:cycle_id>/extensions", methods=["GET", "POST"])
@require(Permission.MANAGE_CYCLES)
def extend(cycle_id: int):
    cycle = queries.get_cycle(cycle_id)
    form = ExtensionForm()
    if not form.is_submitted():
        form.lgo_code.data = request.args.get("lgo", "")
        form.self_assessment_due.data = cycle.self_assessment_due + timedelta(days=14)
        return _render_extension(cycle, form)
    if not form.validate():
        return _render_extension(cycle, form, status=422)
    lgo = queries.find_lgo(form.lgo_code.data)
    if lgo is None:
        form.lgo_code.errors = [_("There is no LGO with this DLA code.")]
        return _render_extension(cycle, form, status=422)
    try:
        services.extend_deadline(cycle, lgo, form.self_assessment_due.data, form.reason.data,
                                 actor=_me())
    except DomainError as error:
        db.session.rollback()
        return _render_extension(cycle, form, error=str(error.message), status=error.status)
    db.session.commit()
    flash(_("%(lgo)s may now submit until %(date)s.", lgo=localized(lgo),
            date=format_date(form.self_assessment_due.data, current_language())), "success")
    return redirect(url_for("cycles.show", cycle_id=cycle.id))
