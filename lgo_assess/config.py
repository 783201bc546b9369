"""Configuration read from the environment, with safe defaults for a developer's laptop."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _database_url(raw: str | None, instance_dir: Path) -> str:
    """SQLite in ``instance/`` unless ``DATABASE_URL`` names another database.

    ``postgres://`` and ``postgresql://`` URLs are given the psycopg 3 driver, so operators can
    paste the URL their platform hands them.
    """
    if not raw:
        return f"sqlite:///{instance_dir / 'lgo_assess.sqlite3'}"
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix):]
    return raw


DEVELOPMENT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 -- development default; create_app refuses it outside debug and testing (see SECURITY.md)


class Config:
    """Defaults; ``from_env`` overlays the environment."""

    SECRET_KEY = DEVELOPMENT_SECRET_KEY
    # Encrypts stored TOTP secrets; SECRET_KEY when unset. Set it on its own so that SECRET_KEY
    # can be rotated without every user setting up their authenticator again.
    SECOND_FACTOR_KEY = None
    INSTANCE_DIR = PROJECT_ROOT / "instance"
    SQLALCHEMY_DATABASE_URI = ""
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_RECORD_QUERIES = False

    CRITERIA_DIR = PROJECT_ROOT / "criteria"
    MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
    TRANSLATIONS_DIR = PROJECT_ROOT / "translations"
    STATIC_DIR = PROJECT_ROOT / "static"
    EVIDENCE_DIR = INSTANCE_DIR / "evidence"
    KEYS_DIR = INSTANCE_DIR / "keys"
    GEOGRAPHY_DIR = PROJECT_ROOT.parent / "shared" / "data" / "thailand-geography"

    BABEL_DEFAULT_LOCALE = "th"
    BABEL_DEFAULT_TIMEZONE = "Asia/Bangkok"
    LANGUAGES = ("th", "en")
    CLI_LANGUAGE = None  # commands speak the default language unless the operator sets "en"

    # Password hashing: werkzeug's scrypt by default (memory-hard, OWASP-approved).
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 -- the name of a hash algorithm, not a password
    PASSWORD_MIN_LENGTH = 12
    # Failed logins allowed per e-mail address and per IP address within the window (seconds).
    LOGIN_THROTTLE_WINDOW = 15 * 60
    LOGIN_THROTTLE_PER_ACCOUNT = 5
    LOGIN_THROTTLE_PER_ADDRESS = 20

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    PERMANENT_SESSION_LIFETIME = 8 * 3600
    LOGIN_SESSION_RETENTION_DAYS = 90  # ended login sessions are deleted this long after
    WTF_CSRF_TIME_LIMIT = None

    MAX_CONTENT_LENGTH = 220 * 1024 * 1024
    EVIDENCE_MAX_BYTES = 20 * 1024 * 1024
    EVIDENCE_QUOTA_BYTES = 2 * 1024 * 1024 * 1024  # per LGO, each distinct file counted once
    # Each worker process keeps rendered workspace criteria, deflated, up to this size
    # (assessments/fragments.py): ~1.8 KB a criterion, so 128 MB hold the workspaces of ~2,000
    # editors at work at once (39 criteria each).
    WORKSPACE_CACHE_BYTES = 128 * 1024 * 1024

    # E-mail by SMTP (STARTTLS if MAIL_USE_TLS; port 465: TLS). No MAIL_SERVER: kept in the outbox.
    MAIL_SERVER, MAIL_PORT, MAIL_USERNAME, MAIL_PASSWORD = "", 587, "", ""
    MAIL_USE_TLS, MAIL_FROM = True, "LGO Assess <no-reply@localhost>"
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    TESTING = False
    # A request that commits a write without an audit event: "log" an error, "raise" (tests), or
    # "" to switch the check off (lgo_assess/core/audit.py, install_audit_guard).
    AUDIT_GUARD = "log"
    # How many reverse proxies in front of the app set X-Forwarded-For (0: none, trust nothing).
    TRUSTED_PROXIES = 0
    API_RATE_LIMIT, API_RATE_WINDOW = 600, 600  # API requests per token per window (seconds)
    # Certificates: emblem image (None: the built-in neutral one), signatory, verify-page limit.
    CERTIFICATE_EMBLEM, CERTIFICATE_SIGNATORY_NAME_TH, CERTIFICATE_SIGNATORY_NAME_EN = None, "", ""
    CERTIFICATE_SIGNATORY_TITLE_TH, CERTIFICATE_SIGNATORY_TITLE_EN = "", ""
    VERIFY_RATE_LIMIT, VERIFY_RATE_WINDOW = 60, 60   # requests per address per window (s)

    @classmethod
    def from_env(cls, environ: os._Environ | dict | None = None) -> dict:
        env = os.environ if environ is None else environ
        instance_dir = Path(env.get("INSTANCE_DIR", cls.INSTANCE_DIR))
        values = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        values["INSTANCE_DIR"] = instance_dir
        values["SQLALCHEMY_DATABASE_URI"] = _database_url(env.get("DATABASE_URL"), instance_dir)
        values["EVIDENCE_DIR"] = Path(env.get("EVIDENCE_DIR", instance_dir / "evidence"))
        values["KEYS_DIR"] = Path(env.get("KEYS_DIR", instance_dir / "keys"))
        if "GEOGRAPHY_DIR" in env:
            values["GEOGRAPHY_DIR"] = Path(env["GEOGRAPHY_DIR"])
        if env.get("CLI_LANGUAGE") in cls.LANGUAGES:
            values["CLI_LANGUAGE"] = env["CLI_LANGUAGE"]
        if "SECRET_KEY" in env:
            values["SECRET_KEY"] = env["SECRET_KEY"]
        if env.get("SECOND_FACTOR_KEY"):
            values["SECOND_FACTOR_KEY"] = env["SECOND_FACTOR_KEY"]
        if "LOGIN_SESSION_RETENTION_DAYS" in env:
            values["LOGIN_SESSION_RETENTION_DAYS"] = int(env["LOGIN_SESSION_RETENTION_DAYS"])
        if "PUBLIC_BASE_URL" in env:
            values["PUBLIC_BASE_URL"] = env["PUBLIC_BASE_URL"].rstrip("/")
        # Cookies are sent over HTTPS only when the site is served over HTTPS (PUBLIC_BASE_URL),
        # unless SESSION_COOKIE_SECURE says otherwise.
        values["SESSION_COOKIE_SECURE"] = values["PUBLIC_BASE_URL"].startswith("https://")
        if "SESSION_COOKIE_SECURE" in env:
            values["SESSION_COOKIE_SECURE"] = env["SESSION_COOKIE_SECURE"].lower() in (
                "1", "true", "yes")
        values.update({k: int(env[k]) for k in ("API_RATE_LIMIT", "API_RATE_WINDOW") if k in env})
        if "TRUSTED_PROXIES" in env:
            values["TRUSTED_PROXIES"] = int(env["TRUSTED_PROXIES"])
        values.update({k: env[k] for k in ("MAIL_SERVER", "MAIL_USERNAME", "MAIL_PASSWORD",
                                           "MAIL_FROM") if k in env})
        values["MAIL_PORT"] = int(env.get("MAIL_PORT", cls.MAIL_PORT))
        values["MAIL_USE_TLS"] = env.get("MAIL_USE_TLS", "1").lower() in ("1", "true", "yes")
        values.update({k: int(env[k]) for k in ("EVIDENCE_MAX_BYTES", "EVIDENCE_QUOTA_BYTES",
                                                 "WORKSPACE_CACHE_BYTES") if k in env})
        values.update({k: env[k] for k in env if k.startswith("CERTIFICATE_")})
        values.update({k: int(env[k]) for k in ("VERIFY_RATE_LIMIT", "VERIFY_RATE_WINDOW")
                       if k in env})
        return values
