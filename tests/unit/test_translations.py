"""Every interface string has a Thai translation: none missing, none fuzzy, none stale, and each
keeps the placeholders of its English source."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "translations" / "th" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfr]|%[sdf]|\{\w+\}")


@pytest.fixture(scope="module")
def catalogue():
    with PO.open("rb") as f:
        return read_po(f)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
                    "-k", "_l", "-k", "lazy_gettext", "-k", "ngettext:1,2", "--no-location",
                    "-o", str(pot), "."], cwd=ROOT, check=True, capture_output=True)
    with pot.open("rb") as f:
        return read_po(f)


def _key(message):
    return message.id if isinstance(message.id, str) else message.id[0]


def test_every_string_in_the_code_is_in_the_thai_catalogue(catalogue, extracted):
    known = {_key(m) for m in catalogue if m.id}
    missing = sorted(_key(m) for m in extracted if m.id and _key(m) not in known)
    assert not missing, (f"{len(missing)} interface strings are not in the Thai catalogue; run "
                         f"`make messages` and translate them: {missing[:10]}")


def test_no_thai_entry_is_untranslated_or_fuzzy(catalogue):
    bad = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            bad.append(_key(message))
    assert not bad, f"{len(bad)} Thai entries are untranslated or fuzzy: {bad[:10]}"


def test_translations_keep_their_placeholders(catalogue):
    wrong = []
    for message in catalogue:
        if not message.id or not message.string:
            continue
        source = message.id if isinstance(message.id, str) else message.id[0]
        targets = message.string if isinstance(message.string, tuple) else (message.string,)
        for target in targets:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(target)):
                wrong.append(source)
    assert not wrong, f"placeholders differ between English and Thai: {wrong[:10]}"


def test_a_thai_page_shows_the_compiled_catalogue(thai_client):
    """With the catalogue compiled, an anonymous visitor reads the login page in Thai."""
    page = thai_client.get("/login").get_data(as_text=True)
    assert 'lang="th"' in page and "เข้าสู่ระบบ" in page


def test_each_app_reads_its_own_catalogue(thai_app, database_url, tmp_path):
    """Two apps in one process (the test suite's, a CLI beside a server) each translate with the
    catalogue of their own TRANSLATIONS_DIR: Flask-Babel caches catalogues on its extension
    object, so a shared one gave the second app whatever the first had loaded for Thai."""
    from lgo_assess import create_app
    from tests.conftest import make_test_config

    config = make_test_config(tmp_path / "instance", database_url)
    config["TRANSLATIONS_DIR"] = tmp_path / "no-catalogue"
    bare = create_app(config)
    # The app without a catalogue reads a Thai page first: English source text, Thai markup.
    first = bare.test_client().get("/login").get_data(as_text=True)
    assert 'lang="th"' in first and "เข้าสู่ระบบ" not in first and "Log in" in first
    thai = thai_app.test_client().get("/login").get_data(as_text=True)
    assert "เข้าสู่ระบบ" in thai, "the Thai app lost its catalogue to the other app's"
    again = bare.test_client().get("/login").get_data(as_text=True)
    assert "เข้าสู่ระบบ" not in again, "the app without a catalogue took the Thai app's"
