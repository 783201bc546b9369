from flask import Blueprint

bp = Blueprint("registry", __name__, template_folder="templates", url_prefix="/lgos")

from flask import render_template  # noqa: E402

from lgo_assess.core.security import public  # noqa: E402


@bp.get("/")
@public
def directory():
    return render_template("registry/directory.html")
