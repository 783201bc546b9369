"""The public criteria browser."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("criteria", __name__, template_folder="templates", url_prefix="/criteria")
