"""Flask extension instances, created unbound and initialised in ``create_app``."""
from flask import current_app
from flask_babel import Babel, Domain
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from lgo_assess.core.db import db


class AppDomain(Domain):
    """The message domain with its loaded catalogues cached per application, not per process.

    Flask-Babel keeps one cache on the shared ``Babel`` object, keyed by locale only, so two apps
    in one process (tests build one without and one with the compiled Thai catalogue) would read
    whichever catalogue was loaded first."""

    def get_translations_cache(self, ctx):
        return current_app.extensions.setdefault("lgo_assess.translations", {})


babel = Babel()
babel.domain_instance = AppDomain()
login_manager = LoginManager()
migrate = Migrate()
csrf = CSRFProtect()

__all__ = ["babel", "csrf", "db", "login_manager", "migrate"]
