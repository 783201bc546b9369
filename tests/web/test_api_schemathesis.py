"""Schemathesis against ``/api/v1/openapi.json``, in-process through the app's WSGI interface:
for every operation, generated requests (within the schema, and, for the path, with the ids of
real objects too) get no server error and no response that breaks the document — status code,
content type, headers and body schema all as declared.

Bounded: a fixed number of examples per operation, derandomized so that CI runs are the same
every time (change ``SEED`` to explore further)."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.specs.openapi.checks import (content_type_conformance,
                                               response_headers_conformance,
                                               response_schema_conformance,
                                               status_code_conformance)

from schemathesis import GenerationMode
from schemathesis.core.failures import FailureGroup

from lgo_assess.assessments import services as assessments
from lgo_assess.core.db import db
from tests.factories_certification import make_certificate
from tests.factories_kpi import make_kpi
from tests.web.api_helpers import bearer, make_everyone, make_world, token_for

CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance,
          content_type_conformance, response_headers_conformance, response_schema_conformance]
# Requests outside the schema (wrong types, missing fields…): refused as documented, never a 500.
NEGATIVE_CHECKS = [schemathesis.checks.not_a_server_error, status_code_conformance,
                   content_type_conformance]
EXAMPLES = 4           # per operation and strategy
SEED = 2569


@pytest.fixture
def seeded(app, app_ctx, monkeypatch):
    """A little of everything, a token of a user holding every role (so reads see the whole
    scope and writes are allowed where the rules allow), and a rate limit out of the way."""
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", 1_000_000)
    world = make_world()
    everyone = make_everyone(world)
    assessments.save_response(world.assessment_a, "1.1", {"level": 2}, expected_version=None,
                              actor=everyone)
    certificate = make_certificate(lgo=world.lgo_a)
    kpi = make_kpi("T-SHARE")
    secret = token_for(everyone)
    real = {"dla_code": world.lgo_a.dla_code, "province_code": world.province_a.code,
            "standard_code": "TST", "edition_code": world.cycle.edition.code,
            "criterion_code": "1.1",
            "cycle_id": world.cycle.id, "assessment_id": world.assessment_a.id,
            "evidence_id": 1, "serial": certificate.serial, "kpi_id": kpi.id}
    db.session.commit()
    return secret, real


def _operations(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20, "the document lost operations"
    return operations


def _run(strategy, headers, statuses, checks=CHECKS) -> list[str]:
    failures: list[str] = []

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate],
              suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def exercise(case):
        response = case.call(headers=headers)
        statuses.append(response.status_code)
        try:
            case.validate_response(response, checks=checks, headers=headers)
        except FailureGroup as group:
            failures.append(f"{case.method} {case.formatted_path}: " + "; ".join(
                str(failure.title) + ": " + str(failure.message) for failure in group.exceptions))

    exercise()
    return failures


def test_the_api_answers_every_generated_request_as_its_document_says(app, seeded):
    secret, real = seeded
    headers = bearer(secret)
    failures: list[str] = []
    statuses: list[int] = []
    for operation in _operations(app):
        names = [p.name for p in operation.path_parameters]
        strategies = [operation.as_strategy()]
        if names:
            strategies.append(operation.as_strategy(
                path_parameters={name: real[name] for name in names}))
        for strategy in strategies:
            failures += _run(strategy, headers, statuses)
        if operation.path_parameters or operation.query or operation.body:
            failures += _run(operation.as_strategy(GenerationMode.NEGATIVE), headers,
                             statuses, NEGATIVE_CHECKS)
    assert not failures, "\n\n".join(failures[:10])
    assert statuses.count(200) >= 40, "too few requests reached real objects to mean much"
    assert {401, 500}.isdisjoint(statuses)
