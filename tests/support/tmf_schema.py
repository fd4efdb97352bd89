"""A rendered TMF document against the JSON schema its `Resource` declares for the OpenAPI."""

from __future__ import annotations


def _json_schema(schema):
    """OpenAPI 3.0's `nullable` in JSON Schema's words."""
    if isinstance(schema, list):
        return [_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    found = {k: _json_schema(v) for k, v in schema.items() if k != "nullable"}
    if schema.get("nullable") and "type" in found:
        found["type"] = [found["type"], "null"]
    return found


def conforms(resource, *documents: dict) -> None:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(_json_schema(resource.schema))
    Draft202012Validator.check_schema(resource.schema)
    Draft202012Validator.check_schema(resource.create_schema or {})
    for document in documents:
        problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
        assert not problems, problems
