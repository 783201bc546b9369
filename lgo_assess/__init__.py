"""LGO Assess: the application factory."""
from __future__ import annotations

from flask import Flask

from lgo_assess.config import DEVELOPMENT_SECRET_KEY, Config

BLUEPRINTS = (
    "lgo_assess.core.views",
    "lgo_assess.accounts.views",
    "lgo_assess.registry.views",
    "lgo_assess.criteria.views",
    "lgo_assess.assessments.views",
    "lgo_assess.assessments.cycle_views",
    "lgo_assess.notifications.views",
    "lgo_assess.evidence.views",
    "lgo_assess.review.views",
    "lgo_assess.certification.views",
    "lgo_assess.certification.history_views",
    "lgo_assess.kpi.views",
    "lgo_assess.api.views",
    "lgo_assess.api.token_views",
)

CLI_GROUPS = (
    "lgo_assess.registry.cli",
    "lgo_assess.accounts.cli",
    "lgo_assess.core.cli",
    "lgo_assess.core.backup_cli",
    "lgo_assess.criteria.cli",
    "lgo_assess.notifications.cli",
    "lgo_assess.evidence.cli",
    "lgo_assess.certification.cli",
    "lgo_assess.certification.keys_cli",
    "lgo_assess.certification.history_cli",
    "lgo_assess.demo",
    "lgo_assess.kpi.cli",
)


class InsecureConfiguration(RuntimeError):
    """The app would run in production with a setting only fit for a developer's laptop."""


def refuse_development_secret_key(app: Flask) -> None:
    """Outside debug and testing, refuse to start with the development SECRET_KEY (or none):
    anyone who knows it could forge session cookies."""
    if app.debug or app.testing:
        return
    key = app.config.get("SECRET_KEY") or ""
    if key == DEVELOPMENT_SECRET_KEY or not key.strip():
        raise InsecureConfiguration(
            "SECRET_KEY is not set (or is the development default). Set it in the environment to a long random value, e.g. "
            "export SECRET_KEY=\"$(python3 -c 'import secrets; print(secrets.token_hex(32))')\" "
            "and keep it secret; or, on a developer's laptop only, set FLASK_DEBUG=1 (make run "
            "does).")


def create_app(config: dict | None = None) -> Flask:
    """Build the app from the environment, overlaid with ``config``. No side effects: it
    migrates, seeds, writes and fetches nothing."""
    from importlib import import_module

    settings = Config.from_env()
    settings.update(config or {})
    app = Flask(__name__, static_folder=str(settings["STATIC_DIR"]), static_url_path="/static",
                instance_path=str(settings["INSTANCE_DIR"]))
    app.config.update(settings)
    refuse_development_secret_key(app)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(app.config["TRANSLATIONS_DIR"])
    if app.config["TRUSTED_PROXIES"]:
        # Behind a reverse proxy the client's address is in X-Forwarded-For; the login
        # throttle counts failures per address, so it must see the real one.
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    from lgo_assess import extensions
    from lgo_assess.accounts.services import load_user_by_session_token
    from lgo_assess.core.audit import install_audit_guard
    from lgo_assess.core.errors import register_error_handlers
    from lgo_assess.core.headers import install_security_headers
    from lgo_assess.core.i18n import AppDomain, register_template_helpers, select_locale
    from lgo_assess.core.navigation import register_navigation
    from lgo_assess.core.security import install_login_gate

    extensions.db.init_app(app)
    extensions.migrate.init_app(app, extensions.db, directory=str(settings["MIGRATIONS_DIR"]),
                                render_as_batch=True, compare_type=True)
    extensions.csrf.init_app(app)
    extensions.babel.init_app(app, locale_selector=select_locale)
    extensions.babel.domain_instance = AppDomain()  # catalogues cached per app, not per process
    extensions.login_manager.init_app(app)
    extensions.login_manager.login_view = "accounts.login"
    extensions.login_manager.user_loader(load_user_by_session_token)

    import_module("lgo_assess.models")  # every model registered before migrations look
    for name in BLUEPRINTS:
        app.register_blueprint(import_module(name).bp)
    for name in CLI_GROUPS:
        app.cli.add_command(import_module(name).cli)

    install_login_gate(app)
    install_security_headers(app)
    install_audit_guard(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_navigation(app)
    return app
