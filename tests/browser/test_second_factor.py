"""In Chromium: the demo administrator logs in with the password and then a code from the
published demo key; the page between the two steps opens nothing else."""
from datetime import datetime, timezone

from playwright.sync_api import expect

from lgo_assess.accounts import totp
from lgo_assess.demo import DEMO_TOTP_SECRET
from tests.browser.conftest import DEMO_PASSWORD, demo_email


def test_the_demo_administrator_passes_the_second_step(live_server, page):
    page.goto(live_server + "/login")
    page.fill("input[name=email]", demo_email("admin"))
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    assert page.url.endswith("/login/code"), page.url
    expect(page.locator("input[name=code]")).to_have_attribute("autocomplete", "one-time-code")
    page.goto(live_server + "/admin/users")
    assert "/login/code" in page.url, "the user list opened before the code"
    now = totp.step_at(datetime.now(timezone.utc))
    page.fill("input[name=code]", totp.code_at_step(DEMO_TOTP_SECRET, now - 5))  # too old
    page.click("main form.form button[type=submit]")
    expect(page.locator(".flash-error")).to_be_visible()
    page.fill("input[name=code]", totp.code_at_step(DEMO_TOTP_SECRET, now + 1))
    page.click("main form.form button[type=submit]")
    page.wait_for_load_state()
    assert "/login" not in page.url, page.url
    page.goto(live_server + "/admin/users")
    assert page.url.endswith("/admin/users"), page.url
    expect(page.locator("form[action$='/logout'] button")).to_be_visible()
