"""Browser tests: the real app in its own process (fresh SQLite, migrations, ``flask demo
load``, CSRF on) driven by Debian's Chromium through Playwright.

The suite-wide ``db_session`` fixture (a rolled-back transaction per test) is replaced by a
no-op here: these tests never touch the test database, only the server's own.
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from lgo_assess.accounts import totp
from lgo_assess.demo import DEMO_EMAIL_DOMAIN, DEMO_PASSWORD, DEMO_TOTP_SECRET

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 300  # seconds; the demo load is most of it


def pytest_collection_modifyitems(items):
    for item in items:
        if Path(str(item.fspath)).parent == Path(__file__).parent:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def db_session():
    yield None


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    instance = tmp_path_factory.mktemp("browser-instance")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    log = open(instance / "server.log", "w+")
    process = subprocess.Popen([sys.executable, "-u", "-m", "tests.browser.serve", str(instance)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    port = None
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        if line.startswith("PORT "):
            port = int(line.split()[1])
            break
    if port is None:
        process.kill()
        log.seek(0)
        pytest.fail("the app did not start for the browser tests:\n" + log.read()[-3000:])
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y "
                    "chromium) to run the browser tests")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        # Playwright gives each launch a fresh temporary user-data-dir (a flag may not set it).
        b = p.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield b
        b.close()


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="th-TH")
    ctx.set_default_timeout(15_000)
    yield ctx
    ctx.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture(scope="session")
def shots(tmp_path_factory):
    return tmp_path_factory.mktemp("screenshots")


def demo_email(name: str) -> str:
    return f"{name}@{DEMO_EMAIL_DOMAIN}"


def log_in(page, base: str, name: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", demo_email(name))
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    # Demo approvers and administrators: the code from the published demo key, as a person
    # would type it from their authenticator app (the next step's if this one was used).
    now = totp.step_at(datetime.now(timezone.utc))
    for step in (now, now + 1):
        if "/login/code" not in page.url:
            break
        page.fill("input[name=code]", totp.code_at_step(DEMO_TOTP_SECRET, step))
        page.click("main form.form button[type=submit]")
        page.wait_for_load_state()
    assert "/login" not in page.url, f"login of {name} failed"
