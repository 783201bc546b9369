"""Scope of the review pages beyond roles: on the matrix scene, the assessor assigned to the
own LGO's review is refused (403) every review page of the other LGO's review, where someone
else is the lead; so is the officer of the own province (the route × role matrix checks that
too, for every row with a province scope)."""
from __future__ import annotations

from lgo_assess.core.security import Role
from tests.web.access_matrix import ACCESS, url_values
from tests.web.walk import build_scene, isolated, request_with, rules, session_cookie


def _refusals(app, scene, principal: Role) -> tuple[list[str], list[str]]:
    cookie = session_cookie(app, scene.principals[principal.value])
    checked, failures = [], []
    for endpoint, rule, method in rules(app):
        access = ACCESS.get(endpoint)
        if not endpoint.startswith("review.") or "assessment_id" not in rule.arguments \
                or access is None or principal not in access.roles:
            continue
        values, missing = url_values(endpoint, rule.arguments, scene, scene.other)
        assert not missing, (endpoint, missing)
        url = rule.build(values, append_unknown=False)[1]
        with isolated():
            response = request_with(app, cookie, method, url)
        checked.append(endpoint)
        if response.status_code != 403:
            failures.append(f"{method} {url} ({endpoint}): {response.status_code}, not 403")
    return checked, failures


def test_an_unassigned_assessor_is_refused_every_page_of_the_review(app):
    scene = build_scene()
    checked, failures = _refusals(app, scene, Role.ASSESSOR)
    assert {"review.show", "review.scores", "review.consensus", "review.onsite_sheet",
            "review.recommend", "review.request_evidence"} <= set(checked)
    assert not failures, "\n".join(failures)


def test_an_officer_of_another_province_is_refused_every_page_of_the_review(app):
    scene = build_scene()
    checked, failures = _refusals(app, scene, Role.PROVINCIAL_OFFICER)
    assert {"review.show", "review.team", "review.accept", "review.changes"} <= set(checked)
    assert not failures, "\n".join(failures)
