"""Flask extension instances, created unbound and initialised in ``create_app`` (Flask-Babel's
catalogue cache is made per app there: core.i18n.AppDomain)."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from lgo_assess.core.db import db

babel = Babel()
login_manager = LoginManager()
migrate = Migrate()
csrf = CSRFProtect()

__all__ = ["babel", "csrf", "db", "login_manager", "migrate"]
