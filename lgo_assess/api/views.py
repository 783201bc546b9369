"""The API blueprint as ``create_app`` registers it: authentication, the operations of every
resource module, and the OpenAPI document with its readable page.

Adding an endpoint is one decorated function in a resource module; the document, the docs page
and parameter checking follow from its declaration.
"""
from __future__ import annotations

from flask import jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from lgo_assess.api import auth
from lgo_assess.api import (assessment_endpoints, certificate_endpoints,  # noqa: F401
                            criteria_endpoints, kpi_endpoints, registry_endpoints)
from lgo_assess.api.openapi import build_document
from lgo_assess.api.routing import META, PREFIX, api, bp
from lgo_assess.core.security import ROLE_PERMISSIONS, public

API_VERSION = "1.0.0"

auth.install(bp)


def openapi_document() -> dict:
    return build_document(
        api, title="LGO Assess API", version=API_VERSION,
        description=str(_l("Read the registry, standards, cycles, assessments, certificates "
                           "and the plan's KPIs; save an LGO's answers and evidence links and "
                           "an assessor's scores. Authenticate with a personal API token from "
                           "your profile page: Authorization: Bearer <token>. Errors are "
                           "application/problem+json, in Thai or English by Accept-Language.")))


@api.operation("GET", "/openapi.json", summary=_l("This API as an OpenAPI 3.1 document"),
               tag=META, response={"type": "object"})
@public
def openapi_json():
    language = auth.api_language()
    with force_locale(language):
        response = jsonify(openapi_document())
    response.headers["Content-Language"] = language
    return response


@api.operation("GET", "/docs", summary=_l("This API as a page to read"), tag=META)
@public
def docs():
    by_tag = {name: [op for op in api.operations if op.tag == name] for name in api.tags}
    return render_template("api/docs.html", tags=api.tags, by_tag=by_tag,
                           base_url=request.host_url.rstrip("/"), prefix=PREFIX,
                           version=API_VERSION, roles_for=_roles_for)


def _roles_for(operation) -> list[str]:
    """The titles of the roles whose permissions meet the operation's ``@require``."""
    return [role.title for role, permissions in ROLE_PERMISSIONS.items()
            if permissions & operation.access]
