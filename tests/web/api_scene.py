"""The API in the route × role matrix: its URL arguments, and requests made with a personal API
token of the principal whose login cookie the walk holds (the API refuses the cookie on
writes, so walking it with cookies alone would test nothing)."""
from __future__ import annotations

from sqlalchemy import select

from lgo_assess.accounts.models import LoginSession, User
from lgo_assess.api import services
from lgo_assess.api.models import ApiToken
from lgo_assess.certification.models import Certificate
from lgo_assess.core.db import db
from tests.web import assessment_scene

MATRIX_TOKEN_NAME = "matrix token"


def _user_of_cookie(app, cookie: str) -> User | None:
    data = app.session_interface.get_signing_serializer(app).loads(cookie)
    session_token = data.get("_user_id")
    if not session_token:
        return None
    row = db.session.execute(select(LoginSession).where(
        LoginSession.token_hash == LoginSession.hash_token(session_token))).scalar_one_or_none()
    return row.user if row is not None else None


def request(app, cookie: str | None, method: str, url: str):
    """``method url`` with the cookie and, when it belongs to a user, a new token of that user
    (made inside the walk's savepoint, so it is gone after the request)."""
    client = app.test_client()
    headers = {}
    if cookie is not None:
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
        user = _user_of_cookie(app, cookie)
        if user is not None:
            issued = services.create_token(user, MATRIX_TOKEN_NAME, expires_in_days=None,
                                           actor=user)
            db.session.commit()
            headers["Authorization"] = f"Bearer {issued.secret}"
    if method == "GET":
        return client.get(url, headers=headers)
    return client.open(url, method=method, json={}, headers=headers)


def token_id(scene, place) -> int:
    """A token of the account the matrix looks at (no principal's): someone else's, for all."""
    found = db.session.execute(select(ApiToken.id).where(
        ApiToken.user_id == scene.user_id, ApiToken.name == "matrix target token")).scalar()
    if found is not None:
        return found
    user = db.session.get(User, scene.user_id)
    return services.create_token(user, "matrix target token", expires_in_days=None,
                                 actor=None).token.id


def serial(scene, place) -> str:
    from tests.web import certification_scene
    return db.session.get(Certificate, certification_scene.certificate_id(scene, place)).serial


def cycle_id(scene, place) -> int:
    return assessment_scene.cycle_id(place)


def kpi_id(scene, place) -> str:
    from lgo_assess.kpi.models import Kpi
    from tests.factories_kpi import make_kpi
    found = db.session.get(Kpi, "T-MATRIX")
    return (found or make_kpi("T-MATRIX")).id
