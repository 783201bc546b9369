"""Security headers on every response."""
from flask import Flask, request
from flask_login import current_user

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
HSTS = "max-age=31536000; includeSubDomains"


def install_security_headers(app: Flask) -> None:
    @app.after_request
    def add_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        # Pages, and anything answered to a logged-in user (JSON of a library, a CSV export),
        # may carry personal data: no browser or proxy keeps a copy. Static files may be cached.
        # Only a deliberate public max-age (the app's fonts) is left alone.
        cache = response.headers.get("Cache-Control", "")
        if request.endpoint != "static" and "no-store" not in cache and "max-age" not in cache \
                and (response.mimetype == "text/html" or _logged_in()):
            response.headers["Cache-Control"] = "no-store" if not cache else "private, no-store"
        return response


def _logged_in() -> bool:
    try:
        return bool(current_user and current_user.is_authenticated)
    except Exception:  # noqa: BLE001 -- loading the user can fail with the database down (the
        return True      # 503 page): the answer must still go out, and is treated as private
