"""Serve the real app for the browser tests: ``python -m tests.browser.serve INSTANCE_DIR``.

Builds a fresh database from the migrations (a SQLite file in INSTANCE_DIR, or the empty
database BROWSER_DATABASE_URL names), loads the demo data with
``flask demo load`` and serves on 127.0.0.1 on a free port (printed as ``PORT <n>``), with the
production configuration (CSRF on, no TESTING), until it is terminated. The port is taken
before the demo loads so that ``PUBLIC_BASE_URL`` (the address in certificates' QR codes) is
this server's own: a test can open the URL a certificate carries. The Thai catalogue is compiled
into INSTANCE_DIR (a clean checkout has no ``.mo`` files), so Thai users see Thai pages.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import flask_migrate
from werkzeug.serving import make_server

from lgo_assess import create_app
from lgo_assess.config import Config
from lgo_assess.core.db import db


ROOT = Path(__file__).resolve().parents[2]


def compile_translations(target: Path) -> Path:
    """The project's catalogues compiled under ``target`` (a translations folder)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    for po in (ROOT / "translations").glob("*/LC_MESSAGES/messages.po"):
        folder = target / po.parent.relative_to(ROOT / "translations")
        folder.mkdir(parents=True, exist_ok=True)
        with po.open("rb") as source, (folder / "messages.mo").open("wb") as compiled:
            write_mo(compiled, read_po(source))
    return target


def main(instance: Path) -> None:
    env = dict(os.environ, INSTANCE_DIR=str(instance),
               DATABASE_URL=os.environ.get("BROWSER_DATABASE_URL")
               or f"sqlite:///{instance / 'browser.sqlite3'}",
               SECRET_KEY="browser-tests-secret")
    config = Config.from_env(env)
    config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"  # demo load in a second, not ten
    # Years of signed certificates only feed the KPI trends; the journeys here don't need them
    # and deciding and signing them dominated the start-up.
    config["DEMO_KPI_HISTORY"] = False
    config["TRANSLATIONS_DIR"] = compile_translations(instance / "translations")
    app = create_app(config)
    assert app.config.get("WTF_CSRF_ENABLED", True), "CSRF must be on, as in production"
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    app.config["PUBLIC_BASE_URL"] = f"http://127.0.0.1:{server.server_port}"
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    if result.exit_code != 0:
        sys.stderr.write(result.output + repr(result.exception) + "\n")
        sys.exit(2)
    print(f"PORT {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
