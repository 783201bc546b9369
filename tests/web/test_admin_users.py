"""User administration by DLA administrators: list, create, grant and remove roles with their
scopes, disable and enable. Every write leaves an audit event."""
from sqlalchemy import select

from lgo_assess.accounts.models import User
from lgo_assess.core.audit import AuditEvent
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from tests.factories import (TEST_PASSWORD, make_district, make_lgo, make_province,
                             make_user)


def _last_action():
    return db.session.execute(
        select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()


def test_the_user_list_searches_by_name_and_email_and_filters_by_role(client, login_as):
    login_as(Role.DLA_ADMIN, locale="en")
    make_user(Role.ASSESSOR, email="kanya.assessor@example.go.th")
    make_user(Role.LGO_EDITOR, email="somchai.editor@example.go.th")
    db.session.commit()  # requests roll back what the test left unsaved
    body = client.get("/admin/users?q=KANYA").get_data(as_text=True)
    assert "kanya.assessor@" in body and "somchai.editor@" not in body
    body = client.get("/admin/users?role=lgo_editor").get_data(as_text=True)
    assert "somchai.editor@" in body and "kanya.assessor@" not in body
    body = client.get("/admin/users?q=ผู้ใช้ทดสอบ").get_data(as_text=True)  # Thai names
    assert "kanya.assessor@" in body and "somchai.editor@" in body


def test_the_user_list_is_paginated(client, login_as):
    login_as(Role.DLA_ADMIN)
    for i in range(30):
        make_user(email=f"page-user-{i:02d}@example.go.th")
    db.session.commit()
    first = client.get("/admin/users?q=page-user").get_data(as_text=True)
    second = client.get("/admin/users?q=page-user&page=2").get_data(as_text=True)
    assert first.count("page-user-") == 25 and second.count("page-user-") == 5
    assert 'rel="next"' in first and "q=page-user" in first


def test_an_admin_creates_a_user_with_a_home_district(client, login_as):
    admin = login_as(Role.DLA_ADMIN)
    district = make_district()
    db.session.commit()
    response = client.post("/admin/users/new", data={
        "email": "New.Assessor@example.go.th", "display_name": "ผู้ประเมินใหม่",
        "password": TEST_PASSWORD, "locale": "en", "home_district_code": district.code})
    user = db.session.execute(select(User).where(User.email == "new.assessor@example.go.th")
                              ).scalar_one()
    assert response.status_code == 302 and response.location == f"/admin/users/{user.id}"
    assert user.locale == "en" and user.home_district_id == district.id
    event = _last_action()
    assert (event.action, event.actor_id, event.object_id) == ("user.created", admin.id,
                                                               str(user.id))


def test_creating_a_user_refuses_a_weak_password_a_duplicate_and_an_unknown_district(client,
                                                                                      login_as):
    login_as(Role.DLA_ADMIN, locale="en")
    taken = make_user()
    db.session.commit()
    base = {"display_name": "คนใหม่", "locale": "th"}
    weak = client.post("/admin/users/new", data={**base, "email": "a@example.go.th",
                                                 "password": "iloveyou2567"})
    assert weak.status_code == 422 and "too common" in weak.get_data(as_text=True)
    short = client.post("/admin/users/new", data={**base, "email": "a@example.go.th",
                                                  "password": "short"})
    assert short.status_code == 422
    duplicate = client.post("/admin/users/new", data={**base, "email": taken.email.upper(),
                                                      "password": TEST_PASSWORD})
    assert duplicate.status_code == 409 and "already exists" in duplicate.get_data(as_text=True)
    nowhere = client.post("/admin/users/new", data={**base, "email": "b@example.go.th",
                                                    "password": TEST_PASSWORD,
                                                    "home_district_code": "9999"})
    assert nowhere.status_code == 422
    assert db.session.execute(select(User).where(User.email.in_(
        ["a@example.go.th", "b@example.go.th"]))).first() is None


def test_an_admin_gives_roles_by_lgo_code_and_province_code(client, login_as):
    admin = login_as(Role.DLA_ADMIN)
    user, lgo, province = make_user(), make_lgo(), make_province()
    db.session.commit()
    for data in ({"role": "lgo_executive", "lgo_code": lgo.dla_code},
                 {"role": "provincial_officer", "province_code": province.code},
                 {"role": "assessor"}):
        response = client.post(f"/admin/users/{user.id}/grants", data=data)
        assert response.status_code == 302, (data, response.status_code)
    db.session.refresh(user)
    assert {(g.role, g.lgo_id, g.province_id, g.granted_by_id) for g in user.grants} == {
        (Role.LGO_EXECUTIVE, lgo.id, None, admin.id),
        (Role.PROVINCIAL_OFFICER, None, province.id, admin.id),
        (Role.ASSESSOR, None, None, admin.id)}
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert lgo.dla_code in page and lgo.name_th in page and province.name_th in page


def test_a_grant_with_the_wrong_scope_or_an_unknown_code_is_explained(client, login_as):
    login_as(Role.DLA_ADMIN, locale="en")
    user, lgo, province = make_user(), make_lgo(), make_province()
    db.session.commit()
    cases = [
        ({"role": "lgo_editor", "province_code": province.code}, "one LGO"),
        ({"role": "lgo_editor"}, "one LGO"),
        ({"role": "provincial_officer", "lgo_code": lgo.dla_code}, "one province"),
        ({"role": "dla_approver", "province_code": province.code}, "whole country"),
        ({"role": "lgo_editor", "lgo_code": "1234567"}, "no LGO with this DLA code"),
        ({"role": "provincial_officer", "province_code": "99"}, "no province with this code"),
        ({"role": "superuser"}, "Not a valid choice"),
    ]
    for data, message in cases:
        response = client.post(f"/admin/users/{user.id}/grants", data=data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), (data, message)
    db.session.refresh(user)
    assert user.grants == []


def test_an_admin_removes_a_grant(client, login_as):
    admin = login_as(Role.DLA_ADMIN)
    user = make_user(Role.LGO_EDITOR)
    grant_id = user.grants[0].id
    db.session.commit()
    response = client.post(f"/admin/users/{user.id}/grants/{grant_id}/remove")
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.grants == []
    event = _last_action()
    assert (event.action, event.actor_id, event.details["role"]) == ("role.revoked", admin.id,
                                                                     "lgo_editor")


def test_a_grant_of_another_user_cannot_be_removed_through_this_user(client, login_as):
    login_as(Role.DLA_ADMIN)
    user, other = make_user(), make_user(Role.ASSESSOR)
    db.session.commit()
    response = client.post(f"/admin/users/{user.id}/grants/{other.grants[0].id}/remove")
    assert response.status_code == 404
    db.session.refresh(other)
    assert other.has_role(Role.ASSESSOR)


def test_disable_ends_sessions_and_enable_restores_login(app, client, login_as):
    login_as(Role.DLA_ADMIN)
    user = make_user(Role.ASSESSOR)
    db.session.commit()
    their_browser = app.test_client()
    their_browser.post("/login", data={"email": user.email, "password": TEST_PASSWORD})
    assert their_browser.get("/profile").status_code == 200
    assert client.post(f"/admin/users/{user.id}/disable").status_code == 302
    assert their_browser.get("/profile").status_code == 302
    assert _last_action().action == "user.disabled"
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert f"/admin/users/{user.id}/enable" in page
    assert client.post(f"/admin/users/{user.id}/enable").status_code == 302
    response = their_browser.post("/login", data={"email": user.email,
                                                  "password": TEST_PASSWORD})
    assert response.status_code == 302


def test_an_admin_cannot_disable_themselves(client, login_as):
    admin = login_as(Role.DLA_ADMIN, locale="en")
    make_user(Role.DLA_ADMIN)
    db.session.commit()
    page = client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert f"/admin/users/{admin.id}/disable" not in page
    response = client.post(f"/admin/users/{admin.id}/disable", follow_redirects=True)
    assert "cannot disable your own account" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.is_enabled


def test_the_users_menu_entry_shows_only_to_administrators(client, login_as):
    login_as(Role.DLA_APPROVER)
    assert 'href="/admin/users"' not in client.get("/").get_data(as_text=True)
    client.post("/logout")
    login_as(Role.DLA_ADMIN)
    assert 'href="/admin/users"' in client.get("/").get_data(as_text=True)


def test_admin_posts_need_a_csrf_token(app, client, login_as, monkeypatch):
    login_as(Role.DLA_ADMIN)
    user = make_user(Role.ASSESSOR)
    db.session.commit()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for path in (f"/admin/users/{user.id}/disable", f"/admin/users/{user.id}/grants",
                 f"/admin/users/{user.id}/grants/{user.grants[0].id}/remove", "/admin/users/new"):
        assert client.post(path, data={"role": "assessor"}).status_code == 400, path
    db.session.refresh(user)
    assert user.is_enabled and user.has_role(Role.ASSESSOR)


def test_mutating_admin_urls_refuse_get(client, login_as):
    login_as(Role.DLA_ADMIN)
    user = make_user(Role.ASSESSOR)
    db.session.commit()
    for path in (f"/admin/users/{user.id}/disable", f"/admin/users/{user.id}/enable",
                 f"/admin/users/{user.id}/grants/{user.grants[0].id}/remove"):
        assert client.get(path).status_code == 405, path


def test_form_fields_carry_aria_attributes_only_when_they_mean_something(client, login_as):
    login_as(Role.DLA_ADMIN, locale="en")
    page = client.get("/admin/users/new").get_data(as_text=True)
    assert 'aria-describedby="None"' not in page and 'aria-invalid="None"' not in page
    assert 'aria-describedby="password-hint"' in page
    invalid = client.post("/admin/users/new", data={"email": "not an address"})
    body = invalid.get_data(as_text=True)
    assert 'aria-invalid="true"' in body and 'id="email-error"' in body
