"""Operations declared next to their views, and the OpenAPI 3.1 document built from them.

Each API view is registered with ``api.operation(method, rule, ...)``, which states its summary,
query parameters, request body and response schema. The same declaration

- registers the Flask route (so an undeclared endpoint cannot exist),
- parses and checks the query and path parameters before the view runs (so the document says
  exactly what the code accepts),
- and becomes the view's entry in ``/api/v1/openapi.json`` and on ``/api/v1/docs``.

Schemas are JSON Schema 2020-12 dictionaries (what OpenAPI 3.1 uses), kept in ``SCHEMAS`` and
referenced with ``ref(name)``. A small module of our own rather than apispec / flask-smorest /
spectree: those bring marshmallow or pydantic models and their own request parsing and error
handling, which would sit beside Flask-WTF, the login gate and our DomainError handler instead
of using them.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import wraps
from typing import Callable

from flask import Blueprint, request
from flask_babel import lazy_gettext as _l

from lgo_assess.core.errors import Invalid, NotFound
from lgo_assess.core.security import AUTHENTICATED, PUBLIC, access_of

MAX_INT = 2**31 - 1
_RULE_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_INTEGER = re.compile(r"-?[0-9]{1,12}")


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict) -> dict:
    """``schema`` or null (JSON Schema 2020-12 style, as OpenAPI 3.1 has it)."""
    if "$ref" in schema:
        return {"anyOf": [schema, {"type": "null"}]}
    kind = schema["type"]
    return {**schema, "type": [kind, "null"] if isinstance(kind, str) else [*kind, "null"]}


SCHEMAS: dict[str, dict] = {}


def define(name: str, schema: dict) -> dict:
    """Register a named schema for ``components.schemas`` and return its reference."""
    SCHEMAS[name] = schema
    return ref(name)


@dataclass(frozen=True)
class Param:
    """A query or path parameter: its JSON Schema, and the one parser that enforces it."""

    name: str
    type: str                          # integer | string | boolean
    description: object                # a lazy string
    location: str = "query"
    minimum: int | None = None
    maximum: int | None = None
    enum: tuple[str, ...] | None = None
    pattern: str | None = None
    max_length: int = 100
    default: object = None
    example: object = None

    def schema(self) -> dict:
        schema: dict = {"type": self.type}
        if self.type == "integer":
            schema["minimum"] = self.minimum if self.minimum is not None else 1
            schema["maximum"] = self.maximum if self.maximum is not None else MAX_INT
        if self.type == "string":
            if self.enum:
                schema["enum"] = list(self.enum)
            else:
                schema["maxLength"] = self.max_length
                if self.pattern:
                    schema["pattern"] = f"^(?:{self.pattern})$"
        if self.default is not None:
            schema["default"] = self.default
        return schema

    def parse(self, raw: str):
        """The value, or ``ValueError`` when ``raw`` is not what the schema allows."""
        if "\x00" in raw or len(raw) > max(self.max_length, 20):
            raise ValueError(raw)
        if self.type == "integer":
            if not _INTEGER.fullmatch(raw.strip()):
                raise ValueError(raw)
            value = int(raw)
            low = self.minimum if self.minimum is not None else 1
            high = self.maximum if self.maximum is not None else MAX_INT
            if not low <= value <= high:
                raise ValueError(raw)
            return value
        if self.type == "boolean":
            lowered = raw.strip().lower()
            if lowered in ("true", "1"):
                return True
            if lowered in ("false", "0"):
                return False
            raise ValueError(raw)
        if self.enum is not None:
            if raw not in self.enum:
                raise ValueError(raw)
        elif self.pattern is not None and not re.fullmatch(self.pattern, raw):
            raise ValueError(raw)
        return raw

    def to_openapi(self) -> dict:
        entry = {"name": self.name, "in": self.location, "required": self.location == "path",
                 "description": str(self.description), "schema": self.schema()}
        if self.example is not None:
            entry["example"] = self.example
        return entry


@dataclass(frozen=True)
class Tag:
    name: str
    title: object
    description: object


@dataclass
class Operation:
    method: str
    rule: str
    endpoint: str
    summary: object
    description: object
    tag: str
    access: object
    query: tuple[Param, ...]
    path: tuple[Param, ...]
    response: dict | None
    status: int
    body: dict | None
    errors: tuple[int, ...]
    example_body: dict | None
    example_query: dict = field(default_factory=dict)

    @property
    def openapi_path(self) -> str:
        return _RULE_ARGUMENT.sub(lambda m: "{" + m.group(2) + "}", self.rule)

    @property
    def is_public(self) -> bool:
        return self.access == PUBLIC

    @property
    def needs_permission(self) -> bool:
        return isinstance(self.access, frozenset)

    @property
    def is_write(self) -> bool:
        return self.method not in ("GET", "HEAD", "OPTIONS")

    def error_statuses(self) -> list[int]:
        statuses = set(self.errors)
        if not self.is_public:
            statuses |= {401, 429}
        if self.needs_permission:
            statuses.add(403)
        if self.path:
            statuses.add(404)
        if self.query or self.body is not None or self.is_write:
            statuses.add(422)
        if self.body is not None:
            statuses.add(400)
        return sorted(statuses)

    def statuses(self) -> list[int]:
        return [self.status, *self.error_statuses()]

    def to_openapi(self) -> dict:
        entry: dict = {
            "operationId": self.endpoint.replace(".", "_"),
            "summary": str(self.summary),
            "tags": [self.tag],
            "parameters": [p.to_openapi() for p in (*self.path, *self.query)],
            "responses": {},
            "security": [] if self.is_public else [{"bearerAuth": []}],
        }
        if self.description:
            entry["description"] = str(self.description)
        if self.body is not None:
            content: dict = {"schema": self.body}
            if self.example_body is not None:
                content["example"] = self.example_body
            entry["requestBody"] = {"required": True, "content": {"application/json": content}}
        success: dict = {"description": str(STATUS_TEXT.get(self.status, self.status))}
        if self.response is not None:
            success["content"] = {"application/json": {"schema": self.response}}
        entry["responses"][str(self.status)] = success
        for status in self.error_statuses():
            entry["responses"][str(status)] = {"$ref": f"#/components/responses/{status}"}
        return entry

    def curl_example(self, base_url: str) -> str:
        """A curl command that calls the operation, for the docs page."""
        path = self.openapi_path
        for param in self.path:
            path = path.replace("{" + param.name + "}", str(param.example or param.name))
        if self.example_query:
            path += "?" + "&".join(f"{k}={v}" for k, v in self.example_query.items())
        parts = ["curl"]
        if self.method != "GET":
            parts += ["-X", self.method]
        if not self.is_public:
            parts += ["-H", '"Authorization: Bearer $LGOA_TOKEN"']
        parts += ["-H", '"Accept-Language: th"']
        if self.example_body is not None:
            parts += ["-H", '"Content-Type: application/json"', "-d",
                      "'" + json.dumps(self.example_body, ensure_ascii=False) + "'"]
        parts.append(f'"{base_url.rstrip("/")}{path}"')
        return " ".join(parts)


STATUS_TEXT = {
    200: _l("The result."),
    201: _l("Created."),
    204: _l("Done; no content."),
    400: _l("The request body is not JSON."),
    401: _l("No valid token: the Authorization header is missing, or the token is unknown, "
            "revoked or expired."),
    403: _l("The token's user may not do this, or the object is outside the user's scope."),
    404: _l("No such object."),
    409: _l("Someone saved in between: the problem's ``current`` holds what is stored now, "
            "with its version."),
    422: _l("A parameter or the body is not valid; ``detail`` says which."),
    429: _l("Too many requests for this token; wait ``Retry-After`` seconds."),
}


class Api:
    """The operations of one blueprint."""

    def __init__(self, blueprint: Blueprint, path_parameters: dict[str, Param]):
        self.blueprint = blueprint
        self.path_parameters = path_parameters
        self.operations: list[Operation] = []
        self.tags: dict[str, Tag] = {}

    def tag(self, name: str, title, description) -> str:
        self.tags[name] = Tag(name, title, description)
        return name

    def operation(self, method: str, rule: str, *, summary, tag: str, description=None,
                  query: tuple[Param, ...] = (), response: dict | None = None,
                  status: int = 200, body: dict | None = None, errors: tuple[int, ...] = (),
                  example_body: dict | None = None, example_query: dict | None = None
                  ) -> Callable:
        """Register ``view`` for ``method rule`` with what the document says about it. The view
        receives its path arguments, and ``query`` (a dict) when it declares query parameters.
        Put it above the access decorator (``@public``, ``@login_required_only``,
        ``@require``), whose mark it reads."""
        names = [m.group(2) for m in _RULE_ARGUMENT.finditer(rule)]
        unknown = [n for n in names if n not in self.path_parameters]
        if unknown:
            raise LookupError(f"path parameters with no declaration: {unknown}")
        path = tuple(self.path_parameters[n] for n in names)
        if tag not in self.tags:
            raise LookupError(f"unknown tag {tag!r}")

        def decorate(view):
            access = access_of(view)
            if access is None:
                raise TypeError(f"{view.__name__}: put @api.operation above the access decorator")
            full_rule = (self.blueprint.url_prefix or "") + rule
            operation = Operation(method, full_rule, f"{self.blueprint.name}.{view.__name__}",
                                  summary, description, tag, access, tuple(query), path,
                                  response, status, body, tuple(errors), example_body,
                                  dict(example_query or {}))

            @wraps(view)
            def endpoint(**arguments):
                for param in path:
                    try:
                        arguments[param.name] = param.parse(str(arguments[param.name]))
                    except ValueError:
                        raise NotFound() from None
                if query:
                    arguments["query"] = parse_query(query, request.args)
                return view(**arguments)

            endpoint.operation = operation
            self.blueprint.add_url_rule(rule, view.__name__, endpoint, methods=[method])
            self.operations.append(operation)
            return endpoint
        return decorate


def parse_query(params: tuple[Param, ...], args) -> dict:
    values = {}
    for param in params:
        raw = args.get(param.name)
        if raw is None or raw == "":
            values[param.name] = param.default
            continue
        try:
            values[param.name] = param.parse(raw)
        except ValueError:
            raise Invalid(_l("The query parameter “%(name)s” is not valid.",
                             name=param.name)) from None
    return values


# -- The document ------------------------------------------------------------------------------

PROBLEM = define("Problem", {
    "type": "object",
    "description": "An error, as RFC 9457 describes (application/problem+json).",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string", "description": "What kind of error, in th or en."},
        "status": {"type": "integer"},
        "detail": {"type": "string", "description": "What went wrong here, in th or en."},
        "current": {"description": "After a 409: what is stored now, with its version."},
        "missing": {"type": "array"},
    },
})


def _error_response(status: int) -> dict:
    response: dict = {"description": str(STATUS_TEXT[status]),
                      "content": {"application/problem+json": {"schema": PROBLEM}}}
    if status == 401:
        response["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"}}}
    if status == 429:
        response["headers"] = {"Retry-After": {
            "description": str(_l("Seconds until the token's window resets.")),
            "schema": {"type": "integer"}}}
    return response


def build_document(api: Api, *, title: str, version: str, description: str) -> dict:
    paths: dict[str, dict] = {}
    for operation in api.operations:
        paths.setdefault(operation.openapi_path, {})[operation.method.lower()] = \
            operation.to_openapi()
    used = sorted({s for op in api.operations for s in op.error_statuses()})
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": title, "version": version, "description": description},
        "tags": [{"name": tag.name, "description": str(tag.description)}
                 for tag in api.tags.values()],
        "paths": paths,
        "components": {
            "schemas": SCHEMAS,
            "responses": {str(status): _error_response(status) for status in used},
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": str(_l("A personal API token, created on your profile page. It "
                                      "acts with your roles and scopes."))}},
        },
    }


__all__ = ["AUTHENTICATED", "Api", "Operation", "Param", "PUBLIC", "SCHEMAS", "build_document",
           "define", "nullable", "ref"]
