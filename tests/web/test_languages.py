"""Every page renders in Thai and in English: as a user holding every role (so that every page
opens) and, for public pages, as an anonymous visitor who chose the language."""
import pytest

from tests.web.access_matrix import ACCESS, Scene, url_values
from tests.web.walk import (build_scene, isolated, make_user_with_every_role, request_with,
                            rules, session_cookie)


@pytest.fixture
def scene(app) -> Scene:
    return build_scene()


def _anonymous_cookie(app, language: str) -> str:
    client = app.test_client()
    client.post("/language", data={"lang": language, "next": "/"})
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


def _walk_pages(app, scene, cookie, language, *, public_only=False):
    checked, failures = [], []
    for endpoint, rule, method in rules(app):
        access = ACCESS.get(endpoint)
        if method != "GET" or access is None or (public_only and access.kind != "public"):
            continue
        values, missing = url_values(endpoint, rule.arguments, scene, scene.own)
        if missing:
            continue  # reported by the route × role matrix
        url = rule.build(values, append_unknown=False)[1]
        with isolated():
            response = request_with(app, cookie, "GET", url)
            body = response.get_data(as_text=True) if response.mimetype == "text/html" else ""
        status = response.status_code
        if status >= 400 and status not in access.allowed_statuses:
            failures.append(f"GET {url} ({endpoint}): {status}")
        elif response.mimetype == "text/html" and status == 200:
            checked.append(endpoint)
            if f'<html lang="{language}">' not in body:
                failures.append(f"GET {url} ({endpoint}): not rendered in {language!r}")
    return checked, failures


@pytest.mark.parametrize("language", ["th", "en"])
def test_every_page_renders_in_the_users_language(app, scene, language):
    cookie = session_cookie(app, make_user_with_every_role(scene, language))
    checked, failures = _walk_pages(app, scene, cookie, language)
    assert not failures, "\n".join(failures)
    assert {"core.home", "accounts.profile", "accounts.list_users",
            "accounts.show_user"} <= set(checked)


@pytest.mark.parametrize("language", ["th", "en"])
def test_public_pages_and_error_pages_render_in_the_chosen_language(app, scene, language):
    cookie = _anonymous_cookie(app, language)
    checked, failures = _walk_pages(app, scene, cookie, language, public_only=True)
    assert not failures, "\n".join(failures)
    assert {"core.home", "accounts.login"} <= set(checked)
    missing = request_with(app, cookie, "GET", "/no-such-page")
    assert missing.status_code == 404
    assert f'<html lang="{language}">' in missing.get_data(as_text=True)


def test_the_header_offers_the_other_language(app, scene):
    """Guards the tests above against a language that only reaches the html tag: the English
    page's switch offers Thai and the Thai page's offers English."""
    english = request_with(app, _anonymous_cookie(app, "en"), "GET", "/").get_data(as_text=True)
    thai = request_with(app, _anonymous_cookie(app, "th"), "GET", "/").get_data(as_text=True)
    assert 'value="th"' in english and 'value="en"' not in english
    assert 'value="en"' in thai and 'value="th"' not in thai
