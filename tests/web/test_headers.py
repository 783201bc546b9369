"""Headers and error pages: no browser or proxy keeps a copy of anything shown to a logged-in
user (every page of the app walked), HSTS only over HTTPS, and errors answered with a generic
page and an incident reference, never a stack trace."""
from __future__ import annotations

import logging

import pytest

from lgo_assess import create_app
from lgo_assess.core.security import public
from tests.conftest import make_test_config
from tests.web.access_matrix import ACCESS, Scene, url_values
from tests.web.walk import (build_scene, isolated, make_user_with_every_role, request_with,
                            rules, session_cookie)

CACHEABLE = {"static", "core.font"}     # the app's own assets: no personal data


@pytest.fixture
def scene(app) -> Scene:
    return build_scene()


def test_nothing_shown_to_a_logged_in_user_may_be_stored_by_a_cache(app, scene):
    cookie = session_cookie(app, make_user_with_every_role(scene, "en"))
    checked, failures = [], []
    for endpoint, rule, method in rules(app):
        if method != "GET" or endpoint in CACHEABLE or ACCESS.get(endpoint) is None:
            continue
        values, missing = url_values(endpoint, rule.arguments, scene, scene.own)
        if missing:
            continue  # reported by the route × role matrix
        url = rule.build(values, append_unknown=False)[1]
        with isolated():
            response = request_with(app, cookie, "GET", url)
        checked.append(endpoint)
        if "no-store" not in response.headers.get("Cache-Control", ""):
            failures.append(f"GET {url} ({endpoint}, {response.status_code} "
                            f"{response.mimetype}): Cache-Control "
                            f"{response.headers.get('Cache-Control')!r}")
    assert not failures, "\n".join(failures)
    # JSON and file answers were among them, not only pages.
    assert {"evidence.items_json", "evidence.download", "accounts.profile"} <= set(checked)


def test_hsts_is_sent_over_https_only(client):
    secure = client.get("/login", base_url="https://lgo-assess.example.go.th")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    plain = client.get("/login")
    assert "Strict-Transport-Security" not in plain.headers
    assert plain.headers["Cache-Control"] == "no-store"
    assert plain.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in plain.headers["Content-Security-Policy"]


@pytest.fixture
def failing_app(tmp_path, database_url):
    """An app (production settings: not TESTING, not DEBUG) with one page that crashes."""
    config = {**make_test_config(tmp_path, database_url), "TESTING": False}
    application = create_app(config)

    @public
    def crash():
        raise RuntimeError("secret detail: password=hunter2 at /srv/lgo/app.py")
    application.add_url_rule("/crash", "crash", crash)
    return application


def test_a_crash_shows_a_generic_page_with_an_incident_reference_and_no_trace(failing_app,
                                                                             caplog):
    assert not failing_app.debug
    with caplog.at_level(logging.ERROR):
        response = failing_app.test_client().get("/crash?lang=en")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page
    for leak in ("Traceback", "RuntimeError", "hunter2", "/srv/lgo", "app.py"):
        assert leak not in page, f"the error page shows {leak!r}"
    incident = page.split("Incident reference: ", 1)[1][:8]
    assert incident.isalnum() and len(incident) == 8
    assert response.headers["Cache-Control"] == "no-store"
    # The details went to the log, under the same reference.
    logged = [r for r in caplog.records if incident in r.getMessage()]
    assert logged and "hunter2" in str(logged[0].exc_info[1])


def test_a_crash_in_the_api_answers_problem_json_without_details(failing_app):
    response = failing_app.test_client().get("/crash", headers={"Accept": "application/json"})
    assert response.status_code == 500 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert set(body) == {"type", "title", "status", "incident"}
    assert "hunter2" not in response.get_data(as_text=True)


def test_a_missing_page_is_a_plain_404(client):
    response = client.get("/no/such/page?lang=en")
    assert response.status_code == 404
    assert "The page or record was not found." in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)
