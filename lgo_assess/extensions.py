"""Flask extension instances, created unbound and initialised in ``create_app``; Flask-Babel's is
made per app (``translations_for``)."""
from flask_babel import Babel
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect

from lgo_assess.core.db import db

login_manager = LoginManager()
migrate = Migrate()
csrf = CSRFProtect()

__all__ = ["csrf", "db", "login_manager", "migrate", "translations_for"]


def translations_for(app, **options) -> Babel:
    """A Flask-Babel instance of the app's own. Flask-Babel caches the catalogues it loads on
    the extension object, keyed by locale only, so one instance shared by two apps in a process
    (the test suite's English and Thai apps) would give the second the first one's translations,
    or none, whatever its TRANSLATIONS_DIR says."""
    return Babel(app, **options)
