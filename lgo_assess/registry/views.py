"""The LGO directory and profiles (public), and the registry pages of DLA administrators."""
from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice

from lgo_assess.core.db import db
from lgo_assess.core.errors import DomainError
from lgo_assess.core.i18n import localized
from lgo_assess.core.navigation import add_nav_entry
from lgo_assess.core.security import Permission, public, require
from lgo_assess.registry import policies, queries, services
from lgo_assess.registry.forms import (AreaTagCreateForm, AreaTagsForm, DeactivateForm,
                                       DirectorySearchForm, TypeUpgradeForm)
from lgo_assess.registry.models import LgoType

bp = Blueprint("registry", __name__, template_folder="templates", url_prefix="/lgos")

add_nav_entry(_l("LGO directory"), "registry.directory", order=20)
add_nav_entry(_l("Area tags"), "registry.area_tags", order=85,
              permission=Permission.MANAGE_REGISTRY)

_URL = re.compile(r"^https?://[^\s\"'<>,]+$", re.IGNORECASE)
_HOST = re.compile(r"^[\w-]+(\.[\w-]+)+(/[^\s\"'<>,]*)?$")


def website_href(website: str | None) -> str | None:
    """A link for the website cell as DLA wrote it, or None when it is not a usable address
    (DLA's file has cells such as ``www,tlpm.go.th``: shown as text, never guessed at)."""
    if not website:
        return None
    if _URL.match(website):
        return website
    if _HOST.match(website):
        return "http://" + website
    return None


def _me():
    return current_user._get_current_object()


@bp.get("/")
@public
def directory():
    form = DirectorySearchForm(request.args, regions=queries.regions(),
                               provinces=queries.provinces(), localize=localized)
    form.validate()

    def value(field) -> str:
        return "" if field.errors or not field.data else str(field.data)

    result = queries.search_directory(
        query=value(form.q), region=value(form.region), province=value(form.province),
        lgo_type=value(form.type), fiscal_year=services.current_fiscal_year(),
        page=request.args.get("page", 1, type=int))
    filters = {name: value(getattr(form, name)) for name in ("q", "region", "province", "type")}
    filters = {name: v for name, v in filters.items() if v}
    return render_template("registry/directory.html", form=form, result=result,
                           filters=filters)


@bp.get("/<dla_code>")
@public
def lgo_profile(dla_code: str):
    lgo = queries.get_lgo(dla_code)
    return render_template("registry/profile.html", lgo=lgo,
                           fiscal_year=services.current_fiscal_year(),
                           website_href=website_href(lgo.website),
                           can_edit=policies.can_edit_lgo(current_user, lgo))


# DLA administration -------------------------------------------------------------------------
def _edit_page(lgo, *, type_form=None, tags_form=None, deactivate_form=None, status=200):
    tags = queries.all_area_tags()
    tags_form = tags_form or AreaTagsForm(formdata=None,
                                          tags=[t.code for t in lgo.area_tags])
    tags_form.tags.choices = [SelectChoice(t.code, localized(t)) for t in tags]
    type_form = type_form or TypeUpgradeForm(formdata=None,
                                             from_fy=services.current_fiscal_year())
    deactivate_form = deactivate_form or DeactivateForm(formdata=None)
    return render_template("registry/edit.html", lgo=lgo, type_form=type_form,
                           tags_form=tags_form, deactivate_form=deactivate_form,
                           fiscal_year=services.current_fiscal_year()), status


def _refused(lgo, error: DomainError, **forms):
    db.session.rollback()
    flash(str(error.message), "error")
    return _edit_page(queries.get_lgo(lgo.dla_code), status=error.status, **forms)


@bp.get("/<dla_code>/edit")
@require(Permission.MANAGE_REGISTRY)
def lgo_edit(dla_code: str):
    return _edit_page(queries.get_lgo(dla_code))


@bp.post("/<dla_code>/type")
@require(Permission.MANAGE_REGISTRY)
def upgrade_type(dla_code: str):
    lgo = queries.get_lgo(dla_code)
    form = TypeUpgradeForm()
    if not form.validate():
        return _edit_page(lgo, type_form=form, status=422)
    try:
        services.upgrade_lgo_type(lgo, LgoType(form.new_type.data), form.from_fy.data,
                                  actor=_me(), name_th=form.name_th.data,
                                  name_en=form.name_en.data)
    except DomainError as error:
        return _refused(lgo, error, type_form=form)
    db.session.commit()
    flash(_("%(lgo)s is a %(type)s from fiscal year %(fy)d.", lgo=localized(lgo),
            type=LgoType(form.new_type.data).title, fy=form.from_fy.data), "success")
    return redirect(url_for("registry.lgo_profile", dla_code=lgo.dla_code))


@bp.post("/<dla_code>/area-tags")
@require(Permission.MANAGE_REGISTRY)
def set_lgo_area_tags(dla_code: str):
    lgo = queries.get_lgo(dla_code)
    tags = queries.all_area_tags()
    form = AreaTagsForm()
    form.tags.choices = [SelectChoice(t.code, localized(t)) for t in tags]
    if not form.validate():
        return _edit_page(lgo, tags_form=form, status=422)
    chosen = [t for t in tags if t.code in set(form.tags.data or ())]
    try:
        changed = services.set_area_tags(lgo, chosen, actor=_me())
    except DomainError as error:
        return _refused(lgo, error, tags_form=form)
    db.session.commit()
    flash(_("The area tags are saved.") if changed else _("The area tags were already so."),
          "success")
    return redirect(url_for("registry.lgo_profile", dla_code=lgo.dla_code))


@bp.post("/<dla_code>/deactivate")
@require(Permission.MANAGE_REGISTRY)
def deactivate(dla_code: str):
    lgo = queries.get_lgo(dla_code)
    form = DeactivateForm()
    if not form.validate():
        return _edit_page(lgo, deactivate_form=form, status=422)
    try:
        services.deactivate_lgo(lgo, form.last_fy.data, actor=_me())
    except DomainError as error:
        return _refused(lgo, error, deactivate_form=form)
    db.session.commit()
    flash(_("%(lgo)s is inactive after fiscal year %(fy)d.", lgo=localized(lgo),
            fy=form.last_fy.data), "success")
    return redirect(url_for("registry.lgo_profile", dla_code=lgo.dla_code))


@bp.route("/area-tags", methods=["GET", "POST"])
@require(Permission.MANAGE_REGISTRY)
def area_tags():
    form = AreaTagCreateForm()
    status = 200
    if form.is_submitted():
        if form.validate():
            try:
                tag = services.create_area_tag(form.code.data, form.name_th.data,
                                               form.name_en.data, actor=_me())
            except DomainError as error:
                db.session.rollback()
                flash(str(error.message), "error")
                status = error.status
            else:
                db.session.commit()
                flash(_("The area tag %(tag)s is added.", tag=localized(tag)), "success")
                return redirect(url_for("registry.area_tags"))
        else:
            status = 422
    return render_template("registry/area_tags.html", form=form,
                           usage=queries.area_tag_usage()), status
