"""A rendered TMF document against the JSON schema its `Resource` declares for the OpenAPI."""

from __future__ import annotations


def conforms(resource, *documents: dict) -> None:
    from jsonschema import Draft202012Validator

    validator = Draft202012Validator(resource.schema)
    Draft202012Validator.check_schema(resource.schema)
    Draft202012Validator.check_schema(resource.create_schema or {})
    for document in documents:
        problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(document)]
        assert not problems, problems
