"""Walking every endpoint: the objects requests are about (the scene), one login per principal,
and a SAVEPOINT around each request that is rolled back afterwards, so a POST (sent with empty
data) cannot change what the next request sees. Used by the route × role matrix and the
every-page-renders-in-both-languages test."""
from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import parse_qs, urlsplit

from lgo_assess.accounts import services as accounts
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from lgo_assess.registry.models import AreaTag, Lgo, Province, Subdistrict
from tests.factories import (TEST_PASSWORD, make_district, make_lgo, make_province,
                             make_region, make_user)
from tests.web.access_matrix import ANONYMOUS, Place, Scene
from tests.web import api_scene
from tests.logins import log_in_client

SKIPPED_METHODS = {"HEAD", "OPTIONS"}


# The scene -----------------------------------------------------------------------------------
def _place(code: str) -> Place:
    province = make_province()
    district = make_district(province)
    subdistrict = Subdistrict(code=f"{district.code}01", district=district,
                              name_th=f"ตำบลทดสอบ {code}", name_en=f"Test subdistrict {code}")
    db.session.add(subdistrict)
    lgo = make_lgo(province=province, district=district, dla_code=code)
    db.session.flush()
    return Place(lgo.id, lgo.dla_code, province.id, province.code, district.id, district.code,
                 subdistrict.id, subdistrict.code)


def _principal_emails(own: Place) -> dict[str, str | None]:
    lgo, province = db.session.get(Lgo, own.lgo_id), db.session.get(Province, own.province_id)
    emails: dict[str, str | None] = {ANONYMOUS: None}
    for role in Role:
        user = make_user(role, lgo=lgo if role.scope == "lgo" else None,
                         province=province if role.scope == "province" else None,
                         email=f"matrix-{role.value}@example.go.th")
        emails[role.value] = user.email
    return emails


def build_scene() -> Scene:
    own, other = _place("7000001"), _place("7000002")
    target = make_user(Role.ASSESSOR, email="matrix-target@example.go.th")
    tag = AreaTag(code="matrix_tag", name_th="พื้นที่ทดสอบ", name_en="Test area")
    db.session.add(tag)
    db.session.flush()
    region = make_region("matrix")
    scene = Scene(own=own, other=other, user_id=target.id, grant_id=target.grants[0].id,
                  area_tag_id=tag.id, area_tag_code=tag.code,
                  region_code=region.code, principals=_principal_emails(own))
    db.session.commit()  # requests roll back what the test left unsaved
    return scene


def make_user_with_every_role(scene: Scene, locale: str) -> str:
    """A user holding every role (the LGO and province ones for ``scene.own``), so that every
    page opens; returns the e-mail address."""
    lgo = db.session.get(Lgo, scene.own.lgo_id)
    province = db.session.get(Province, scene.own.province_id)
    user = make_user(email=f"everyone-{locale}@example.go.th", locale=locale, second_factor=True)
    for role in Role:
        accounts.grant_role(user, role, lgo=lgo if role.scope == "lgo" else None,
                            province=province if role.scope == "province" else None)
    db.session.commit()
    return user.email


# Requests, each in a savepoint that is rolled back -------------------------------------------
@contextmanager
def isolated():
    """Run one request's worth of work and undo it, whatever the request committed."""
    session = db.session
    session.commit()                      # close the session's own savepoint first
    connection = session.get_bind()
    savepoint = connection.begin_nested()
    try:
        yield
    finally:
        session.rollback()
        if savepoint.is_active:
            savepoint.rollback()
        session.expunge_all()


def rules(app):
    """(endpoint, rule, method) for every rule: GET where the rule answers GET, else its first
    other method (POST for forms)."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule)):
        methods = set(rule.methods or ()) - SKIPPED_METHODS
        method = "GET" if "GET" in methods else sorted(methods)[0]
        yield rule.endpoint, rule, method


def session_cookie(app, email: str | None) -> str | None:
    """Log in once (outside any per-request savepoint) and return the session cookie, which
    each request then replays from a new client: a logout inside a savepoint is undone, so the
    cookie keeps working for the next request."""
    if email is None:
        return None
    client = app.test_client()
    log_in_client(client, email, TEST_PASSWORD)
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def request_with(app, cookie: str | None, method: str, url: str):
    if url.startswith("/api/"):
        return api_scene.request(app, cookie, method, url)  # with a token: writes refuse cookies
    client = app.test_client()
    if cookie is not None:
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], cookie)
    if method == "GET":
        return client.get(url)
    return client.open(url, method=method, data={})


def request_as(app, email: str | None, method: str, url: str):
    return request_with(app, session_cookie(app, email), method, url)


def is_login_redirect(response) -> bool:
    """The login gate's answer to an anonymous visitor: a redirect to the login page carrying
    ``next`` (a view's own redirect to the login page, as after logout, carries none), or 401
    for the JSON API."""
    if response.status_code == 401:
        return True
    if response.status_code != 302:
        return False
    location = urlsplit(response.location)
    return location.path == "/login" and "next" in parse_qs(location.query)
