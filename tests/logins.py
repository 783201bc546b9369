"""Logging a test client in through the real forms: the password, then, for a user who has or
needs a second factor, the code (computed with pyotp from ``TEST_TOTP_SECRET``, the key
``make_user`` gives approvers and administrators) or the enrolment page."""
from __future__ import annotations

from datetime import datetime, timezone

import pyotp
from sqlalchemy import select, update

from lgo_assess.accounts import totp
from lgo_assess.accounts.models import SecondFactor, User
from lgo_assess.core.db import db

TEST_PASSWORD = "correct horse battery staple"
TEST_SECRET_KEY = "test-secret"  # make_test_config's SECRET_KEY, which encrypts TOTP secrets
TEST_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"  # noqa: S105 -- tests only


def enrol_test_authenticator(user) -> None:
    """Give ``user`` the test authenticator, as if they had enrolled (no recovery codes)."""
    db.session.add(SecondFactor(user_id=user.id,
                                secret_encrypted=totp.encrypt_secret(TEST_TOTP_SECRET,
                                                                     TEST_SECRET_KEY)))
    db.session.flush()


def fresh_code(user_id: int, secret: str = TEST_TOTP_SECRET) -> str:
    """A code the server will accept now: for a step within the ±1 it tolerates and after the
    last one it accepted. Tests log one user in more often than a person could (three codes per
    30 seconds); when those are used up the remembered step is forgotten, so the real form
    accepts the next code."""
    now = totp.step_at(datetime.now(timezone.utc))
    last = db.session.execute(select(SecondFactor.last_step)
                              .where(SecondFactor.user_id == user_id)).scalar()
    for step in (now - 1, now, now + 1):
        if last is None or step > last:
            return totp.code_at_step(secret, step)
    db.session.execute(update(SecondFactor).where(SecondFactor.user_id == user_id)
                       .values(last_step=None))
    db.session.flush()
    return totp.code_at_step(secret, now)


def log_in_client(client, email: str, password: str = TEST_PASSWORD, *, query: str = ""):
    """Log ``client`` in as ``email`` through the login form and, if asked, the second step;
    returns the last response (a redirect to where the user was going)."""
    response = client.post("/login" + query, data={"email": email, "password": password})
    assert response.status_code == 302, f"login of {email} failed: {response.status_code}"
    if response.location.startswith("/login/code"):
        user_id = db.session.execute(select(User.id).where(User.email == email)).scalar_one()
        response = client.post("/login/code", data={"code": fresh_code(user_id)})
        assert response.status_code == 302, f"code of {email} refused: {response.status_code}"
    elif response.location.startswith("/login/enrol"):
        assert client.get("/login/enrol").status_code == 200
        with client.session_transaction() as session:
            secret = session["enrol_secret"]
        response = client.post("/login/enrol", data={"code": pyotp.TOTP(secret).now()})
        assert response.status_code == 200, f"enrolment of {email} failed"
    return response
