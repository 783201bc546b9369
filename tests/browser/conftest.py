"""Browser tests: the real app in its own process (a fresh database, migrations, ``flask demo
load``, CSRF on) driven by Debian's Chromium through Playwright. The server's database is a
SQLite file, or, when the suite runs on PostgreSQL (DATABASE_URL), a new PostgreSQL database on
the same server, dropped afterwards: the PostgreSQL pass drives the browser through PostgreSQL.

The suite-wide ``db_session`` fixture (a rolled-back transaction per test) is replaced by a
no-op here: these tests never touch the test database, only the server's own.
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

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


@contextmanager
def serve_app(instance: Path):
    """The real app in its own process (``tests.browser.serve``), yielding its base URL."""
    from tests.scratch_db import scratch_database
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    suite_url = os.environ.get("DATABASE_URL", "")
    drop = lambda: None  # noqa: E731
    if suite_url.startswith("postgresql"):
        env["BROWSER_DATABASE_URL"], drop = scratch_database(suite_url, instance, "browser")
    log = open(instance / "server.log", "w+")
    process = subprocess.Popen([sys.executable, "-u", "-m", "tests.browser.serve", str(instance)],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=log, text=True)
    try:
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
            log.seek(0)
            pytest.fail("the app did not start for the browser tests:\n" + log.read()[-3000:])
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        drop()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """One server for the tests that only read, or change what no other test relies on."""
    with serve_app(tmp_path_factory.mktemp("browser-instance")) as base:
        yield base


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


_SHOTS: list[Path] = []


@pytest.fixture(scope="session")
def shots():
    """The folder the screenshots of key pages go to (printed at the end of the run): a fresh
    temporary folder of its own, which pytest's clean-up of old runs leaves for review."""
    folder = Path(tempfile.mkdtemp(prefix="lgo-assess-screenshots-"))
    _SHOTS.append(folder)
    return folder


def pytest_terminal_summary(terminalreporter):
    for folder in _SHOTS:
        count = len(list(folder.glob("*.png")))
        terminalreporter.write_line(f"browser screenshots ({count}) for review: {folder}")


FULL_PAGE_UP_TO = 5000  # px; a taller page (the whole workspace) is shot as one screen


def screenshot(page, shots: Path, name: str) -> Path:
    """A screenshot of ``page`` as ``<name>.png`` once its fonts have loaded: the whole page,
    or the first screen of a very long one."""
    page.evaluate("document.fonts.ready.then(() => true)")
    path = shots / f"{name}.png"
    height = page.evaluate("document.documentElement.scrollHeight")
    page.screenshot(path=str(path), full_page=height <= FULL_PAGE_UP_TO)
    return path


def demo_email(name: str) -> str:
    return f"{name}@{DEMO_EMAIL_DOMAIN}"


# What a second-factor prompt looks like: a one-time-code field after the password.
CODE_FIELD = ("main input[autocomplete=one-time-code], main input[name=code], "
              "main input[name=totp], main input[name=otp]")


def log_in(page, base: str, name: str) -> None:
    page.goto(base + "/login")
    page.fill("input[name=email]", demo_email(name))
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    complete_second_factor(page, name)
    assert "/login" not in page.url, f"login of {name} failed"


def complete_second_factor(page, user: str) -> None:
    """Answer the one-time-code prompt that follows the password for accounts with a second
    factor (the demo's approvers and administrators), as a person would from an authenticator
    app holding the key the demo publishes (``DEMO_TOTP_SECRET``); nothing when no prompt
    appears."""
    import pyotp

    field = page.locator(CODE_FIELD)
    if not field.count():
        return
    # A code serves once per 30-second step; the next step's code is accepted too (±1 step),
    # so a second login of the same person within one step uses that one.
    for offset in (0, 30):
        page.locator(CODE_FIELD).first.fill(pyotp.TOTP(DEMO_TOTP_SECRET).at(time.time() + offset))
        page.locator(CODE_FIELD).first.press("Enter")
        page.wait_for_load_state()
        if not page.locator(CODE_FIELD).count():
            return
    raise AssertionError(f"the one-time codes of {user} were refused")


SERIOUS = ("serious", "critical")


def axe_violations(page, record: Path | None = None) -> list[str]:
    """Serious and critical WCAG 2.1 A/AA violations axe-core finds on the page, described.
    ``record``, when given, receives one line per violation of any impact (for review)."""
    from axe_playwright_python.sync_playwright import Axe
    result = Axe().run(page, options={"resultTypes": ["violations"], "runOnly": {"type": "tag", "values": [
        "wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
    if record is not None:
        record.write_text("".join(
            f"{v.get('impact')} {v['id']} ({len(v['nodes'])} nodes): {v['help']}\n"
            for v in result.response["violations"]) or "no violation\n", encoding="utf-8")
    found = []
    for violation in result.response["violations"]:
        if violation.get("impact") not in SERIOUS:
            continue
        for node in violation["nodes"]:
            found.append(f"{violation['impact']} {violation['id']} ({violation['help']}): "
                         f"{' '.join(map(str, node['target']))} {node['html'][:160]}")
    return found


def uses_web_font(page) -> bool:
    """True when the page's Thai text is drawn with the app's own Sarabun web font: the face
    is declared, has loaded and is the first family of the body text."""
    return page.evaluate("""async () => {
        await document.fonts.ready;
        const faces = [...document.fonts].filter(f => /sarabun/i.test(f.family));
        const family = getComputedStyle(document.body).fontFamily.split(',')[0]
            .replace(/["']/g, '').trim();
        return faces.some(f => f.status === 'loaded') && /sarabun/i.test(family)
            && document.fonts.check('16px "' + family + '"', 'ทดสอบ');
    }""")
