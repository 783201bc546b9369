"""Domain errors and the one place that turns them into HTTP responses."""
from __future__ import annotations

import secrets

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from lgo_assess.core.db import db


class DomainError(Exception):
    """A rule of the domain refused an action. Carries an HTTP status and a translatable message."""

    status = 422
    default_message = _l("The request could not be completed.")

    def __init__(self, message=None, **details):
        super().__init__(str(message or self.default_message))
        self.message = message or self.default_message
        self.details = details


class NotFound(DomainError):
    status = 404
    default_message = _l("The page or record was not found.")


class Forbidden(DomainError):
    status = 403
    default_message = _l("You do not have permission to do this.")


class Conflict(DomainError):
    status = 409
    default_message = _l("Someone else changed this record; reload and try again.")


class Invalid(DomainError):
    status = 422
    default_message = _l("The data given is not valid.")


def _wants_json() -> bool:
    return request.path.startswith("/api/") or (
        request.accept_mimetypes.best == "application/json")


def _error_response(status: int, message: str, incident: str | None = None):
    if _wants_json():
        body = {"type": "about:blank", "title": message, "status": status}
        if incident:
            body["incident"] = incident
        response = jsonify(body)
        response.status_code = status
        response.mimetype = "application/problem+json"
        return response
    return render_template("core/error.html", status=status, message=message,
                           incident=incident), status


_HTTP_MESSAGES = {
    400: _l("The request was not understood."),
    401: _l("Please log in to continue."),
    403: _l("You do not have permission to see this page."),
    404: _l("The page or record was not found."),
    405: _l("This action is not allowed here."),
    409: _l("Someone else changed this record; reload and try again."),
    413: _l("The file is larger than the limit."),
    422: _l("The data given is not valid."),
    429: _l("Too many requests; wait a moment and try again."),
    500: _l("Something went wrong on our side. The team has been told."),
    503: _l("The service is briefly unavailable. Your work is safe; try again in a moment."),
}


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        db.session.rollback()
        return _error_response(error.status, str(error.message))

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        message = _HTTP_MESSAGES.get(status) or _("The request could not be completed.")
        return _error_response(status, str(message))

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        """A generic page and an incident reference the user can quote; the details (stack
        trace, SQL) go to the log under that reference, never to the user."""
        db.session.rollback()
        incident = secrets.token_hex(4).upper()
        app.logger.exception("unhandled error, incident %s", incident)
        from sqlalchemy.exc import OperationalError, SQLAlchemyError
        status = 503 if isinstance(error, OperationalError) else 500
        try:
            return _error_response(status, str(_HTTP_MESSAGES[status]), incident)
        except SQLAlchemyError:
            # The page itself needs the database (the user for the language and the menu) and
            # the database is what failed: answer without it.
            db.session.rollback()
            return _bare_error_response(status, incident)


# Both languages, since choosing one needs the user's setting from the database.
_BARE_MESSAGES = {
    500: ("ระบบขัดข้อง ทีมงานได้รับแจ้งแล้ว", "Something went wrong on our side. The team has been told."),
    503: ("ระบบขัดข้องชั่วคราว งานของท่านไม่สูญหาย โปรดลองใหม่อีกครั้งในอีกสักครู่",
          "The service is briefly unavailable. Your work is safe; try again in a moment."),
}


def _bare_error_response(status: int, incident: str):
    """The error page when the database is unreachable: no template, no translation lookup,
    no user; Thai and English both, with the incident reference."""
    thai, english = _BARE_MESSAGES[status]
    if _wants_json():
        response = jsonify({"type": "about:blank", "title": english, "status": status,
                            "incident": incident})
        response.status_code = status
        response.mimetype = "application/problem+json"
        return response
    html = (f'<!doctype html>\n<html lang="th">\n<head><meta charset="utf-8">'
            f"<title>{status}</title></head>\n<body><main>\n<h1>{thai}</h1>\n"
            f'<p lang="en">{english}</p>\n<p>อ้างอิง / Reference: {incident}</p>\n'
            f'<p><a href="/">หน้าแรก / Home</a></p>\n</main></body>\n</html>\n')
    return Response(html, status=status, mimetype="text/html")
