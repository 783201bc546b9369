"""The OpenAPI document and the docs page are generated from the operations' declarations: every
API route is in both, with the parameters its view checks."""
from __future__ import annotations

import re

import pytest

from lgo_assess.api.openapi import Param
from lgo_assess.api.routing import PREFIX


def _document(client, language="en"):
    response = client.get("/api/v1/openapi.json", headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_json()


def _api_rules(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield path, method.lower()


def test_every_api_route_is_in_the_document_and_nothing_else(app, client):
    document = _document(client)
    documented = {(path, method) for path, item in document["paths"].items()
                  for method in item}
    assert documented == set(_api_rules(app))
    assert document["openapi"].startswith("3.1")


def test_protected_operations_say_how_they_refuse(client):
    for path, item in _document(client)["paths"].items():
        for method, operation in item.items():
            statuses = set(operation["responses"])
            if path in (f"{PREFIX}/openapi.json", f"{PREFIX}/docs"):
                assert operation["security"] == []
                continue
            assert operation["security"] == [{"bearerAuth": []}], path
            assert {"401", "429"} <= statuses, f"{method} {path}"
            if "{" in path:
                assert "404" in statuses, f"{method} {path}"
            if method != "get":
                assert {"403", "422"} <= statuses, f"{method} {path}"


def test_the_document_follows_accept_language(app, client, monkeypatch):
    from flask_babel import get_domain

    from tests.web.api_helpers import thai_catalog
    with app.app_context():
        cache = get_domain().get_translations_cache(None)     # this app's own cache
    monkeypatch.setitem(cache, ("th", "messages"), thai_catalog({"Regions": "ภาค"}))
    summaries = {language: _document(client, language)["paths"][f"{PREFIX}/regions"]["get"][
        "summary"] for language in ("th", "en")}
    assert summaries == {"th": "ภาค", "en": "Regions"}


def test_the_docs_page_lists_every_operation_with_a_curl_example(app, client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for path, method in _api_rules(app):
        assert path in html, path
    assert "curl" in html and "Authorization: Bearer $LGOA_TOKEN" in html
    assert "<script" not in html


@pytest.mark.parametrize("raw, ok", [("2569", True), ("2499", False), ("25x9", False),
                                     ("", False), ("2569\x00", False), ("9" * 30, False)])
def test_an_integer_parameter_parses_only_what_its_schema_allows(raw, ok):
    param = Param("fiscal_year", "integer", "B.E.", minimum=2500, maximum=2700)
    if ok:
        assert param.parse(raw) == int(raw)
        assert param.schema() == {"type": "integer", "minimum": 2500, "maximum": 2700}
    else:
        with pytest.raises(ValueError):
            param.parse(raw)


def test_a_string_parameter_keeps_to_its_pattern():
    param = Param("province", "string", "DOPA code", pattern=r"[0-9]{2}", max_length=2)
    assert param.parse("10") == "10"
    for raw in ("1", "100", "ab", "1\x00"):
        with pytest.raises(ValueError):
            param.parse(raw)
    assert param.schema()["pattern"] == "^(?:[0-9]{2})$"
