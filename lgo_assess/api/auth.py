"""Who calls the API, how often, and how refusals read.

- A request with ``Authorization: Bearer <token>`` acts as the token's user (with the user's
  roles and scopes); an unknown, revoked or expired token is a 401, whatever cookie comes along.
- Without a token, reads may use the browser's login session (handy for exploring the API while
  logged in); writes never do: a cross-site page can make a browser send its cookie, never a
  token, so refusing cookies on writes is the API's defence against CSRF.
- Each caller (token, or session user) has a fixed-window request budget, counted in the
  database (``API_RATE_LIMIT`` requests per ``API_RATE_WINDOW`` seconds; 600 per 10 minutes by
  default); past it, 429 with ``Retry-After``.
- Errors are ``application/problem+json`` (RFC 9457), with ``title`` and ``detail`` in Thai or
  English by ``Accept-Language`` (Thai when it names neither).
"""
from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.exceptions import HTTPException

from lgo_assess.api import services
from lgo_assess.core.db import db, utcnow
from lgo_assess.core.errors import DomainError
from lgo_assess.core.security import PUBLIC, access_of

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LANGUAGES = ("th", "en")
DEFAULT_RATE_LIMIT = 600
DEFAULT_RATE_WINDOW = 600


class Unauthenticated(DomainError):
    status = 401
    default_message = _l("Send a personal API token: Authorization: Bearer <token>. Create one "
                         "on your profile page.")


class RateLimited(DomainError):
    status = 429
    default_message = _l("This token has used up its requests for now; try again in "
                         "Retry-After seconds.")


TITLES = {
    400: _l("Bad request"),
    401: _l("Not authenticated"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    413: _l("Too large"),
    422: _l("Invalid request"),
    429: _l("Too many requests"),
    500: _l("Server error"),
    503: _l("Service unavailable"),
}

DETAILS = {
    400: _l("The request body could not be read as JSON."),
    401: Unauthenticated.default_message,
    403: _l("Your roles do not allow this."),
    404: _l("There is nothing at this address."),
    405: _l("This address does not answer this method."),
    413: _l("The request is larger than the limit."),
    429: RateLimited.default_message,
    500: _l("Something went wrong on our side. The team has been told."),
    503: _l("The service is briefly unavailable; try again in a moment."),
}


def api_language() -> str:
    """Thai or English, by ``Accept-Language``; Thai when the header names neither."""
    return request.accept_languages.best_match(LANGUAGES) or "th"


def problem(status: int, detail=None, *, headers: dict | None = None, **extra):
    """An ``application/problem+json`` response in the caller's language."""
    language = api_language()
    with force_locale(language):
        body = {"type": "about:blank", "title": str(TITLES.get(status, TITLES[500])),
                "status": status}
        detail = detail if detail is not None else DETAILS.get(status)
        if detail is not None:
            body["detail"] = str(detail)
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    response.headers["Content-Language"] = language
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _is_public_endpoint() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return access_of(view) == PUBLIC


def authenticate(blueprint_name: str):
    """``before_app_request``: runs before the login gate (blueprints are registered before it),
    so that the gate sees the token's user."""
    if request.blueprint != blueprint_name or _is_public_endpoint():
        return None
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, secret = header.strip().partition(" ")
        token = services.token_for(secret.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            raise Unauthenticated(_l("The token is unknown, revoked or expired."),
                                  error="invalid_token")
        g._login_user = token.user      # what Flask-Login's current_user returns
        g.api_token = token
        key = f"token:{token.id}"
    elif request.method not in SAFE_METHODS:
        raise Unauthenticated(_l("API writes need a personal API token (Authorization: Bearer "
                                 "<token>); the browser's login session is not accepted for "
                                 "them."))
    elif current_user.is_authenticated:
        key = f"session:{current_user.id}"
    else:
        return None    # the login gate answers 401
    config = current_app.config
    state = services.count_request(key, limit=config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT),
                                   window_seconds=config.get("API_RATE_WINDOW",
                                                             DEFAULT_RATE_WINDOW))
    db.session.commit()   # the count (and the token's last use) stand, whatever follows
    g.api_rate = state
    if state.exceeded:
        raise RateLimited(retry_after=state.seconds_to_reset(utcnow()))
    return None


def add_headers(response):
    state = g.get("api_rate")
    if state is not None:
        response.headers["X-RateLimit-Limit"] = str(state.limit)
        response.headers["X-RateLimit-Remaining"] = str(state.remaining)
        response.headers["X-RateLimit-Reset"] = str(state.seconds_to_reset(utcnow()))
    if not _is_public_endpoint():
        response.headers["Cache-Control"] = "no-store"
    response.vary.update(("Authorization", "Accept-Language"))
    return response


def handle_domain_error(error: DomainError):
    db.session.rollback()
    headers = {}
    if error.status == 401:
        value = 'Bearer realm="api"'
        if error.details.get("error"):
            value += f', error="{error.details["error"]}"'
        headers["WWW-Authenticate"] = value
    if error.status == 429:
        headers["Retry-After"] = str(error.details.get("retry_after", 60))
    return problem(error.status, error.message, headers=headers,
                   current=error.details.get("current"), missing=error.details.get("missing"))


def handle_http_error(error: HTTPException):
    status = error.code or 500
    headers = {"WWW-Authenticate": 'Bearer realm="api"'} if status == 401 else {}
    if status == 405 and error.valid_methods:
        headers["Allow"] = ", ".join(error.valid_methods)
    return problem(status, headers=headers)


def install(bp: Blueprint) -> None:
    bp.before_app_request(lambda: authenticate(bp.name))
    bp.after_request(add_headers)
    bp.register_error_handler(DomainError, handle_domain_error)
    bp.register_error_handler(HTTPException, handle_http_error)
