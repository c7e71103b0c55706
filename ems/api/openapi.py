"""The API's OpenAPI 3 description, built from the routes themselves.

Each API view carries its documentation (`operation`); the paths, path parameters, roles and
the errors every operation can answer come from the URL rules and the decorators, and the
request and response schemas from the marshmallow schemas that check and shape the data. A
route without documentation is a test failure, so the description cannot drift from the code.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import Flask
from marshmallow import Schema, fields
from werkzeug.routing import IntegerConverter, Rule

from ems.api.schemas import ProblemSchema
from ems.auth.models import Role
from ems.auth.permissions import ALLOWED_ROLES_ATTR
from ems.errors import PROBLEM_MEDIA_TYPE
from ems.web import MAX_ID, IdConverter

F = TypeVar("F", bound=Callable[..., Any])

API_PREFIX = "/api/v1"
API_VERSION = "1.0.0"
OPENAPI_VERSION = "3.0.3"
#: the attribute `operation` puts on a view
OPERATION_ATTR = "openapi_operation"
#: problem types with a page of their own in the documentation (other errors: about:blank)
PROBLEM_TYPES = {
    "validation": "Some fields are wrong: `errors` names each one with what is wrong.",
    "version-conflict": "The record changed since the version you read: read it again.",
    "rate-limited": "Too many requests this minute: wait for `Retry-After` seconds.",
}

ERROR_DESCRIPTIONS = {
    400: "The request is malformed (not JSON, a bad header).",
    401: "No API token, or one that is unknown, revoked or expired, or of a deactivated account.",
    403: "The token's account lacks the role this needs.",
    404: "Not found.",
    409: "The record changed meanwhile, or the change conflicts with another record.",
    413: "The body is too large.",
    415: "The body is not JSON.",
    422: "Some fields are wrong; `errors` names them.",
    428: "The version read is missing: send `version` or an If-Match header.",
    429: "Too many requests with this token this minute.",
}


@dataclass(frozen=True)
class Response:
    """A success response: a JSON schema, or another media type with a plain schema."""

    description: str
    schema: type[Schema] | None = None
    media_type: str = "application/json"
    raw_schema: dict[str, Any] | None = None
    headers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Operation:
    """What the description says about one view."""

    summary: str
    tag: str
    responses: dict[int, Response]
    description: str = ""
    query: type[Schema] | None = None
    body: type[Schema] | None = None
    #: errors beyond those every operation of its kind can answer
    errors: tuple[int, ...] = ()
    #: request headers the view reads, with their descriptions
    request_headers: dict[str, str] = field(default_factory=dict)
    #: example values of path parameters (used by the docs and by schemathesis' examples)
    examples: dict[str, Any] = field(default_factory=dict)


def operation(**kwargs: Any) -> Callable[[F], F]:
    """Attach the OpenAPI documentation of a view (see Operation)."""

    def decorator(view: F) -> F:
        setattr(view, OPERATION_ATTR, Operation(**kwargs))
        return view

    return decorator


HEADERS = {
    "Location": {"description": "The URL of the new record.", "schema": {"type": "string"}},
    "ETag": {
        "description": "The record's version, quoted: send it back as If-Match to update it.",
        "schema": {"type": "string"},
    },
    "Retry-After": {
        "description": "Seconds until the next minute's requests are counted.",
        "schema": {"type": "integer", "minimum": 1},
    },
    "WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}},
    "X-Content-SHA256": {
        "description": "The SHA-256 of the PDF, as stored when it was issued.",
        "schema": {"type": "string"},
    },
    "Content-Disposition": {"description": "attachment", "schema": {"type": "string"}},
}

_ARGUMENT = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def _path(rule: Rule) -> str:
    """The rule's path below the API prefix, with {parameters}."""
    return _ARGUMENT.sub(r"{\1}", rule.rule)[len(API_PREFIX) :]


def _path_parameters(rule: Rule, op: Operation) -> list[dict[str, Any]]:
    parameters = []
    for name, converter in rule._converters.items():
        schema: dict[str, Any] = {"type": "string"}
        if isinstance(converter, IdConverter):
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        elif isinstance(converter, IntegerConverter):
            schema = {"type": "integer"}
            if converter.min is not None:
                schema["minimum"] = converter.min
            if converter.max is not None:
                schema["maximum"] = converter.max
        parameter: dict[str, Any] = {"name": name, "in": "path", "required": True, "schema": schema}
        if name in op.examples:
            parameter["example"] = op.examples[name]
        parameters.append(parameter)
    return parameters


def _problem(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": ERROR_DESCRIPTIONS.get(status, "An error."),
        "content": {PROBLEM_MEDIA_TYPE: {"schema": ProblemSchema}},
    }
    if status == 429:
        response["headers"] = {"Retry-After": {**HEADERS["Retry-After"], "required": True}}
    if status == 401:
        response["headers"] = {
            "WWW-Authenticate": {**HEADERS["WWW-Authenticate"], "required": True}
        }
    return response


def _success(response: Response) -> dict[str, Any]:
    result: dict[str, Any] = {"description": response.description}
    if response.schema is not None:
        result["content"] = {response.media_type: {"schema": response.schema}}
    elif response.raw_schema is not None:
        result["content"] = {response.media_type: {"schema": response.raw_schema}}
    if response.headers:
        result["headers"] = {name: {**HEADERS[name], "required": True} for name in response.headers}
    return result


def _roles_text(roles: frozenset[Role] | None) -> str:
    if roles is None:
        return "Public: no token needed."
    names = sorted({role.value for role in roles} | {Role.admin.value})
    return "Roles: " + ", ".join(names) + "."


def _operation(rule: Rule, method: str, view: Callable[..., Any]) -> dict[str, Any]:
    op: Operation = getattr(view, OPERATION_ATTR)
    roles: frozenset[Role] | None = getattr(view, ALLOWED_ROLES_ATTR, None)
    parameters = _path_parameters(rule, op)
    if op.query is not None:
        parameters.append({"in": "query", "schema": op.query})
    parameters += [
        {
            "in": "header",
            "name": name,
            "required": False,
            "schema": {"type": "string"},
            "description": text,
        }
        for name, text in op.request_headers.items()
    ]
    errors = set(op.errors)
    if roles is not None:
        errors |= {401, 403, 429}
    if rule.arguments:
        errors.add(404)
    if op.query is not None:
        errors.add(422)
    if op.body is not None:
        errors |= {400, 413, 415, 422}
    responses = {str(status): _success(response) for status, response in op.responses.items()}
    responses |= {str(status): _problem(status) for status in sorted(errors)}
    result: dict[str, Any] = {
        "operationId": rule.endpoint.removeprefix("api."),
        "summary": op.summary,
        "description": "\n\n".join(filter(None, [op.description, _roles_text(roles)])),
        "tags": [op.tag],
        "responses": responses,
    }
    if roles is None:
        result["security"] = []
    else:
        result["x-roles"] = sorted({role.value for role in roles} | {Role.admin.value})
    if parameters:
        result["parameters"] = parameters
    if op.body is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": op.body}},
        }
    return result


def api_rules(app: Flask) -> list[Rule]:
    """The API's URL rules, in path order."""
    return sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")),
        key=lambda rule: (rule.rule, rule.endpoint),
    )


def build(app: Flask) -> dict[str, Any]:
    """The OpenAPI description of every API route of ``app``."""
    marshmallow_plugin = MarshmallowPlugin()
    spec = APISpec(
        title="ems API",
        version=API_VERSION,
        openapi_version=OPENAPI_VERSION,
        plugins=[marshmallow_plugin],
        info={
            "description": (
                "The greenhouse-gas inventory of the organisation: trips pushed by booking "
                "tools, energy and purchases, the inventory, targets, corrective actions and "
                "issued reports for finance and BI tools. Authenticate with an API token "
                "(`Authorization: Bearer ems_…`); each token acts with its account's roles. "
                "Errors are RFC 9457 problem details (`application/problem+json`)."
            )
        },
        servers=[{"url": API_PREFIX}],
        security=[{"bearerAuth": []}],
    )
    marshmallow_plugin.map_to_openapi_type(fields.Enum, "string", None)  # values, by_value
    spec.components.security_scheme(
        "bearerAuth",
        {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token: ems_ and 43 characters.",
        },
    )
    spec.components.schema("Problem", schema=ProblemSchema)
    paths: dict[str, dict[str, Any]] = {}
    for rule in api_rules(app):
        view = app.view_functions[rule.endpoint]
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(_path(rule), {})[method.lower()] = _operation(rule, method, view)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()


def undocumented(app: Flask) -> list[str]:
    """API endpoints whose view carries no `operation` (the tests want none)."""
    return [
        rule.endpoint
        for rule in api_rules(app)
        if not hasattr(app.view_functions[rule.endpoint], OPERATION_ATTR)
    ]


# --- the documentation page -------------------------------------------------------------------


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_text(schema: dict[str, Any]) -> str:
    """A schema's type in words: "integer", "array of Trip", "string (date) or null"."""
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    if "anyOf" in schema or "oneOf" in schema:
        parts = [type_text(part) for part in schema.get("anyOf", schema.get("oneOf", []))]
        return " or ".join(dict.fromkeys("null" if part == "object" else part for part in parts))
    kind = schema.get("type", "any")
    if kind == "array":
        text = "array of " + type_text(schema.get("items", {}))
    elif kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        text = "object of " + type_text(schema["additionalProperties"])
    else:
        text = str(kind)
    if "format" in schema:
        text += f" ({schema['format']})"
    if schema.get("nullable"):
        text += " or null"
    return text


def limits_text(schema: dict[str, Any]) -> str:
    """A schema's limits in words: "1 to 500", "at most 120 characters", "one of: `a`, `b`"
    (values to send in backticks, as code)."""
    parts = []
    if "enum" in schema:
        parts.append("one of: " + ", ".join(f"`{value}`" for value in schema["enum"]))
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None or high is not None:
        above = "above" if schema.get("exclusiveMinimum") else "from"
        parts.append(
            " ".join(
                p
                for p in (
                    f"{above} {low}" if low is not None else "",
                    f"up to {high}" if high is not None else "",
                )
                if p
            )
        )
    if "minLength" in schema or "maxLength" in schema:
        if schema.get("minLength") == schema.get("maxLength"):
            parts.append(f"{schema['maxLength']} characters")
        else:
            parts.append(
                " ".join(
                    p
                    for p in (
                        f"at least {schema['minLength']}" if "minLength" in schema else "",
                        f"at most {schema['maxLength']}" if "maxLength" in schema else "",
                    )
                    if p
                )
                + " characters"
            )
    if "maxItems" in schema:
        parts.append(f"at most {schema['maxItems']} items")
    if "default" in schema:
        parts.append(f"default `{schema['default']}`")
    return "; ".join(parts)


def _schema_name(content: dict[str, Any]) -> tuple[str, str]:
    media, body = next(iter(content.items()))
    return media, type_text(body.get("schema", {}))


#: the order of the documentation page's sections and of the operations of a path
TAG_ORDER = ("about", "travel", "energy", "procurement", "inventory", "actions", "reports")
METHOD_ORDER = ("GET", "POST", "PUT", "DELETE")


def operations_by_tag(spec: dict[str, Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """The description's operations grouped by tag (in order of first use), for the page."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            parameters = [
                {
                    "name": p["name"],
                    "in": p["in"],
                    "required": p.get("required", False),
                    "type": type_text(p.get("schema", {})),
                    "limits": limits_text(p.get("schema", {})),
                    "description": p.get("description", "")
                    or p.get("schema", {}).get("description", ""),
                }
                for p in op.get("parameters", [])
            ]
            body = op.get("requestBody", {}).get("content")
            responses = []
            for status, response in op["responses"].items():
                media, name = (
                    _schema_name(response["content"]) if "content" in response else ("", "")
                )
                responses.append(
                    {
                        "status": status,
                        "description": response.get("description", ""),
                        "media": media,
                        "schema": name,
                        "headers": sorted(response.get("headers", {})),
                    }
                )
            grouped.setdefault(op["tags"][0], []).append(
                {
                    "id": op["operationId"],
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "public": op.get("security") == [],
                    "parameters": parameters,
                    "body": _schema_name(body)[1] if body else "",
                    "responses": responses,
                }
            )
    order = {tag: index for index, tag in enumerate(TAG_ORDER)}
    methods = {method: index for index, method in enumerate(METHOD_ORDER)}
    return [
        (tag, sorted(ops, key=lambda op: (op["path"], methods.get(op["method"], 9))))
        for tag, ops in sorted(grouped.items(), key=lambda item: order.get(item[0], 99))
    ]


def schema_rows(spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every component schema with a row per property, for the page."""
    result = []
    for name, schema in sorted(spec["components"]["schemas"].items()):
        required = set(schema.get("required", []))
        result.append(
            {
                "name": name,
                "description": schema.get("description", ""),
                "properties": [
                    {
                        "name": prop_name,
                        "type": type_text(prop),
                        "required": prop_name in required,
                        "limits": limits_text(prop),
                        "description": prop.get("description", ""),
                        "ref": _ref_name(prop["$ref"]) if "$ref" in prop else "",
                    }
                    for prop_name, prop in schema.get("properties", {}).items()
                ],
            }
        )
    return result
