"""Serve the real app for the browser tests: ``python -m tests.browser.serve INSTANCE_DIR``.

Builds a fresh SQLite database in INSTANCE_DIR from the migrations, loads the demo data with
``flask demo load`` and serves on 127.0.0.1 on a free port (printed as ``PORT <n>``), with the
production configuration (CSRF on, no TESTING), until it is terminated.
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


def main(instance: Path) -> None:
    env = dict(os.environ, INSTANCE_DIR=str(instance),
               DATABASE_URL=f"sqlite:///{instance / 'browser.sqlite3'}",
               SECRET_KEY="browser-tests-secret")
    config = Config.from_env(env)
    config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"  # demo load in a second, not ten
    # Years of signed certificates only feed the KPI trends; the journeys here don't need them
    # and deciding and signing them dominated the start-up.
    config["DEMO_KPI_HISTORY"] = False
    app = create_app(config)
    assert app.config.get("WTF_CSRF_ENABLED", True), "CSRF must be on, as in production"
    with app.app_context():
        flask_migrate.upgrade()
        db.session.remove()
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    if result.exit_code != 0:
        sys.stderr.write(result.output + repr(result.exception) + "\n")
        sys.exit(2)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    print(f"PORT {server.server_port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
