"""Locale selection and the template helpers that show dates the Thai way."""
from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import Domain, get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_eval_context
from markupsafe import Markup

from lgo_assess.core import thaidate


class AppDomain(Domain):
    """Flask-Babel's message domain, with loaded catalogues cached per application.

    Flask-Babel keeps one cache per process, keyed only by locale, so two apps with different
    translation folders (the tests' app and their Thai app) would read whichever catalogue was
    loaded first."""

    @property
    def cache(self) -> dict:
        return current_app.extensions.setdefault("lgo_assess_translations", {})

    @cache.setter
    def cache(self, value) -> None:  # Domain.__init__ assigns one; each app makes its own
        pass

    def get_translations_cache(self, ctx) -> dict:
        return self.cache


def select_locale() -> str:
    """The user's saved language, then the session's choice, then Thai."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        # The CLI: the operator's choice (CLI_LANGUAGE, e.g. "en"), else the default language.
        cli_language = current_app.config.get("CLI_LANGUAGE")
        if cli_language in languages:
            return cli_language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    asked = request.args.get("lang")
    if asked in languages:
        return asked
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_language() -> str:
    locale = get_locale()
    return locale.language if locale else "th"


def localized(obj, field: str = "name") -> str:
    """``obj.name_th`` or ``obj.name_en`` by the current language, falling back to Thai."""
    lang = current_language()
    value = getattr(obj, f"{field}_{lang}", None)
    return value or getattr(obj, f"{field}_th", "") or ""


def register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["be_date"] = lambda d, short=False: thaidate.format_date(
        d, current_language(), short=short)
    app.jinja_env.filters["be_datetime"] = lambda d: thaidate.format_datetime(
        d, current_language())
    app.jinja_env.filters["fiscal_year"] = lambda fy: thaidate.format_fiscal_year(
        fy, current_language())
    app.jinja_env.filters["localized"] = localized
    app.jinja_env.filters["number"] = lambda n: f"{n:,}" if n is not None else ""

    @app.context_processor
    def inject_language():
        return {"current_language": current_language(),
                "languages": app.config["LANGUAGES"],
                **template_gettext(get_translations())}


def template_gettext(translations) -> dict:
    """``_``, ``gettext`` and ``ngettext`` for one rendering, bound to the catalogue chosen when it
    began. They behave exactly as Jinja's new-style callables that Flask-Babel installs (the text
    is always a format string, escaped under autoescape), without looking the request's locale
    and catalogue up again for every string: a workspace page translates ~700 strings, and
    those lookups were 40% of its rendering time. A ``force_locale`` block around a rendering
    still applies, since this runs at the start of each ``render_template``."""

    constants: dict[tuple[str, bool], str] = {}     # a text without variables, translated once

    @pass_eval_context
    def gettext(eval_ctx, string, /, **variables):
        if not variables:
            key = (string, eval_ctx.autoescape)
            text = constants.get(key)
            if text is None:
                text = constants[key] = _formatted(translations.ugettext(string), eval_ctx, {})
            return text
        return _formatted(translations.ugettext(string), eval_ctx, variables)

    @pass_eval_context
    def ngettext(eval_ctx, singular, plural, num, /, **variables):
        variables.setdefault("num", num)
        return _formatted(translations.ungettext(singular, plural, num), eval_ctx, variables)

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


def _formatted(text: str, eval_ctx, variables: dict):
    if eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704 -- a catalogue's own text, as Jinja's gettext trusts it
    return text % variables
