"""Paths that notifications point to, built without a request (the CLI sends reminders too).

The pages belong to other packages, named here by endpoint; while a page does not exist (a
package not installed, an endpoint renamed), notifications simply carry no link.
"""
from __future__ import annotations

from flask import current_app, has_app_context
from werkzeug.routing import BuildError

# What → endpoint; the endpoint takes the keyword arguments given to ``path_to``.
PAGES: dict[str, str] = {
    "notifications": "notifications.index",
    "assessment": "assessments.workspace",             # assessment_id
    "lgo_assessments": "assessments.my_assessments",   # where an LGO starts its assessments
}


def path_for(endpoint: str, **values) -> str | None:
    """The path of ``endpoint`` with ``values``, or None when the app has no such page."""
    if not has_app_context():
        return None
    adapter = current_app.url_map.bind(
        "localhost", script_name=current_app.config.get("APPLICATION_ROOT") or "/")
    try:
        return adapter.build(endpoint, values)
    except BuildError:
        return None


def path_to(what: str, **values) -> str | None:
    endpoint = PAGES.get(what)
    return path_for(endpoint, **values) if endpoint else None
