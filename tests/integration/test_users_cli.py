"""``flask users create`` makes an account with roles from the command line."""
from sqlalchemy import select

from lgo_assess.accounts import services
from lgo_assess.accounts.models import User
from lgo_assess.core.db import db
from lgo_assess.core.security import Role
from tests.factories import TEST_PASSWORD, make_lgo


def _user(email):
    return db.session.execute(select(User).where(User.email == email)).scalar_one_or_none()


def test_flask_users_create_makes_an_admin_who_can_log_in(app):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "Chief@Example.go.th", "--name", "หัวหน้า", "--password",
        TEST_PASSWORD, "--role", "dla_admin", "--locale", "en"])
    assert result.exit_code == 0, result.output
    user = _user("chief@example.go.th")
    assert user.display_name == "หัวหน้า" and user.locale == "en"
    assert user.roles == {Role.DLA_ADMIN}
    assert services.authenticate("chief@example.go.th", TEST_PASSWORD) is user


def test_flask_users_create_binds_lgo_roles_to_the_lgo(app):
    lgo = make_lgo()
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "editor@example.go.th", "--name", "Editor", "--password",
        TEST_PASSWORD, "--role", "lgo_editor", "--role", "assessor", "--lgo", lgo.dla_code])
    assert result.exit_code == 0, result.output
    user = _user("editor@example.go.th")
    assert {(g.role, g.lgo_id) for g in user.grants} == {(Role.LGO_EDITOR, lgo.id),
                                                         (Role.ASSESSOR, None)}


def test_flask_users_create_refuses_a_weak_password_and_a_missing_scope(app):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["users", "create", "weak@example.go.th", "--name", "W",
                               "--password", "password1234"])
    assert weak.exit_code != 0 and "too common" in weak.output
    unscoped = runner.invoke(args=["users", "create", "officer@example.go.th", "--name", "O",
                                   "--password", TEST_PASSWORD, "--role",
                                   "provincial_officer"])
    assert unscoped.exit_code != 0 and "one province" in unscoped.output
    assert _user("weak@example.go.th") is None and _user("officer@example.go.th") is None
