"""The facades' OpenAPI document, built from their `Resource` declarations (one source: the routes,
scopes, filters and shapes the views serve), at /tmf-api/schema and its docs page /tmf-api/docs."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse

from openapi_tmf.conventions import Resource

ERROR = {
    "type": "object",
    "description": "TMF630's error: an application code, a reason, a message in the request's language.",
    "properties": {
        "code": {"type": "string"},
        "reason": {"type": "string"},
        "message": {"type": "string"},
        "status": {"type": "string"},
        "@type": {"type": "string"},
    },
    "required": ["code", "reason", "message", "status", "@type"],
}
ERRORS = {
    "400": "The request is not valid.",
    "401": "No token, or a token that is not valid here (expired, revoked, another carrier's).",
    "403": "The token lacks the scope this needs.",
    "404": "Not found.",
    "405": "This method is not allowed here.",
    "406": "Only JSON is served.",
    "409": "Conflicts with the resource's state (e.g. a number just taken).",
    "415": "Send JSON or merge-patch JSON.",
    "422": "Understood but refused (e.g. an unknown offering, a launch only staff may do).",
    "429": "Too many requests for this token: wait for Retry-After seconds.",
}
COUNT = {"schema": {"type": "integer"}}
QUERY = [
    {
        "name": "fields",
        "in": "query",
        "schema": {"type": "string"},
        "description": "Comma-separated attributes to return.",
    },
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 0}},
]


def resource_schema(always: list[str], properties: dict[str, Any]) -> dict:
    """A resource's JSON schema: the given attributes typed, any other allowed (TMF extends freely).
    Only id, href and @type are required: `fields=` leaves the others out; `always` are there otherwise."""
    base = {"id": {"type": "string"}, "href": {"type": "string"}, "@type": {"type": "string"}}
    described = f"Without fields=, always has: {', '.join(always)}." if always else ""
    return {
        "type": "object",
        "description": described,
        "properties": base | properties,
        "required": ["id", "href", "@type"],
    }


def _errors(*codes: str) -> dict:
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    return {
        code: {"description": ERRORS[code], "content": error}
        for code in sorted({"400", "401", "403", "405", "406", "429", *codes})
    }


def _json(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def _body(schema: dict, required: bool = True) -> dict:
    return {
        "required": required,
        "content": {"application/json": {"schema": schema}, "application/merge-patch+json": {"schema": schema}},
    }


def paths(prefix: str, resources: list[Resource]) -> dict:
    found: dict[str, dict] = {}
    for resource in resources:
        name = resource.name
        ref = {"$ref": f"#/components/schemas/{resource.type}"}
        filters = [
            {"name": attr, "in": "query", "schema": {"type": "string"}, "description": "Equal to (a comma list: any)."}
            for attr in resource.db_filters
        ]
        collection: dict[str, Any] = {
            "get": {
                "operationId": f"list{resource.type}",
                "summary": resource.description or f"List {name}",
                "tags": [prefix.strip("/").split("/")[-2]],
                "parameters": QUERY + filters,
                "responses": {
                    "200": {
                        "description": "The page asked for.",
                        "headers": {"X-Total-Count": COUNT, "X-Result-Count": COUNT},
                        "content": _json({"type": "array", "items": ref}),
                    },
                    **_errors("415", "422"),
                },
            }
        }
        if resource.create is not None:
            collection["post"] = {
                "operationId": f"create{resource.type}",
                "summary": f"Create a {name}",
                "tags": [prefix.strip("/").split("/")[-2]],
                "requestBody": _body(resource.create_schema or {"type": "object"}),
                "responses": {
                    "201": {"description": "Created.", "content": _json(ref)},
                    **_errors("404", "409", "415", "422"),
                },
            }
        item: dict[str, Any] = {
            "parameters": [{"name": "ident", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {
                "operationId": f"retrieve{resource.type}",
                "summary": f"One {name}",
                "tags": [prefix.strip("/").split("/")[-2]],
                "parameters": QUERY[:1],
                "responses": {"200": {"description": "Found.", "content": _json(ref)}, **_errors("404", "415")},
            },
        }
        if resource.update is not None:
            item["patch"] = {
                "operationId": f"patch{resource.type}",
                "summary": f"Change a {name} (merge-patch)",
                "tags": [prefix.strip("/").split("/")[-2]],
                "requestBody": _body({"type": "object"}),
                "responses": {
                    "200": {"description": "Changed.", "content": _json(ref)},
                    **_errors("404", "409", "415", "422"),
                },
            }
        if resource.delete is not None:
            item["delete"] = {
                "operationId": f"delete{resource.type}",
                "summary": f"Delete a {name}",
                "tags": [prefix.strip("/").split("/")[-2]],
                "responses": {"204": {"description": "Deleted."}, **_errors("404", "409", "415")},
            }
        found[f"{prefix}{name}"] = collection
        found[f"{prefix}{name}/{{ident}}"] = item
    return found


HUB: dict[str, Any] = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "callback": {"type": "string"}, "query": {"type": "string"}},
    "required": ["id", "callback", "query"],
}
HUB_INPUT = {
    "type": "object",
    "properties": {"callback": {"type": "string", "maxLength": 2000}, "query": {"type": "string", "maxLength": 1000}},
    "required": ["callback"],
}


def hub_paths(prefix: str) -> dict:
    """TMF630's event subscription: POST hub, GET and DELETE hub/{id} (integrations.hub_api)."""
    tag = prefix.strip("/").split("/")[-2]
    created = {
        "type": "object",
        "properties": HUB["properties"] | {"secret": {"type": "string", "description": "Hall signs events with it."}},
        "required": [*HUB["required"], "secret"],
    }
    return {
        f"{prefix}hub": {
            "post": {
                "operationId": f"registerListener{tag}",
                "summary": "Subscribe a callback to this API's events (signed with the returned secret)",
                "tags": [tag],
                "requestBody": {"required": True, "content": {"application/json": {"schema": HUB_INPUT}}},
                "responses": {
                    "201": {"description": "Registered.", "content": _json(created)},
                    **_errors("415", "422"),
                },
            }
        },
        f"{prefix}hub/{{id}}": {
            "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            "get": {
                "operationId": f"retrieveListener{tag}",
                "summary": "One subscription of this token",
                "tags": [tag],
                "responses": {"200": {"description": "Found.", "content": _json(HUB)}, **_errors("404", "415")},
            },
            "delete": {
                "operationId": f"unregisterListener{tag}",
                "summary": "Remove a subscription",
                "tags": [tag],
                "responses": {"204": {"description": "Removed."}, **_errors("404", "415")},
            },
        },
    }


def document(apis: dict[str, list[Resource]], hubs: list[str] | tuple = ()) -> dict:
    schemas = {"Error": ERROR}
    all_paths: dict[str, dict] = {}
    for prefix, resources in apis.items():
        all_paths |= paths(prefix, resources)
        if prefix in hubs:
            all_paths |= hub_paths(prefix)
        for resource in resources:
            schemas[resource.type] = resource.schema or resource_schema([], {})
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Hall TM Forum Open APIs",
            "version": "4.0.0",
            "description": "TMF620, TMF622, TMF685, TMF637, TMF654 and TMF621 (v4) over the shop's own services, "
            "with TMF630's conventions. Every request carries `Authorization: Bearer <token>` (issued by the "
            "carrier's staff or `manage.py create_api_token`); each operation needs its scope.",
        },
        "paths": all_paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }


def schema_view(build):
    def view(request: HttpRequest) -> JsonResponse:
        return JsonResponse(build(), json_dumps_params={"ensure_ascii": False})

    return view
