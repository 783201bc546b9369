"""Pages that belong to no domain: home, language switch, the web font, health."""
from __future__ import annotations

from pathlib import Path

from flask import (Blueprint, abort, current_app, redirect, render_template, request,
                   send_from_directory, session, url_for)
from flask_login import current_user

from lgo_assess.core.audit import record
from lgo_assess.core.db import db
from lgo_assess.core.security import public

bp = Blueprint("core", __name__, template_folder="templates")

FONT_FILES = {
    "Sarabun-Regular.ttf": 400,
    "Sarabun-Bold.ttf": 700,
}


def sarabun_path(weight: int = 400) -> Path:
    """The Sarabun TTF shipped by the ``fontpkg-sarabun`` package (OFL-1.1)."""
    import fontpkg
    return Path(fontpkg.path("sarabun", weight=weight))


@bp.get("/")
@public
def home():
    return render_template("core/home.html")


@bp.post("/language")
@public
def set_language():
    lang = request.form.get("lang", "")
    if lang not in current_app.config["LANGUAGES"]:
        abort(400)
    session["locale"] = lang
    if current_user.is_authenticated and current_user.locale != lang:
        current_user.locale = lang
        db.session.flush()
        record(current_user, "user.locale_changed", current_user, locale=lang)
        db.session.commit()
    target = request.form.get("next") or url_for("core.home")
    if not target.startswith("/") or target.startswith("//"):
        target = url_for("core.home")
    return redirect(target)


@bp.get("/fonts/<name>")
@public
def font(name: str):
    weight = FONT_FILES.get(name)
    if weight is None:
        abort(404)
    path = sarabun_path(weight)
    response = send_from_directory(path.parent, path.name, mimetype="font/ttf", max_age=31536000)
    return response


@bp.get("/healthz")
@public
def health():
    db.session.execute(db.text("SELECT 1"))
    return {"status": "ok"}
