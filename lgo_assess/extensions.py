"""Flask extension instances, created unbound and initialised in ``create_app``."""
from flask_babel import Babel, Domain
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf import CSRFProtect
from werkzeug.utils import cached_property

from lgo_assess.core.db import db


class _AppDomain(Domain):
    """Flask-Babel caches loaded catalogues by locale alone, in one cache for every app that
    shares the extension; here each set of translation folders gets its own, so two apps in one
    process (the tests' app without a compiled catalogue and their Thai app) never read each
    other's Thai."""

    def get_translations_cache(self, ctx):
        return self.cache.setdefault(tuple(self.translation_directories), {})


class _Babel(Babel):
    @cached_property
    def domain_instance(self):
        return _AppDomain(domain=self.domain)


babel = _Babel()
login_manager = LoginManager()
migrate = Migrate()
csrf = CSRFProtect()

__all__ = ["babel", "csrf", "db", "login_manager", "migrate"]
