"""REST API plumbing shared by every app: one error body shape, pagination, docs."""

import logging
from collections.abc import Iterable
from typing import cast

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest
from django.utils.translation import gettext as _
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.errors import HallError


def error_body(code, message: object, fields: dict | None = None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return body


TMF_PREFIX = "/tmf-api/"


def tmf_error_body(status_code: int, code: str, reason: str, message: object) -> dict:
    """TMF630's error shape, for the TM Forum facades under /tmf-api/."""
    return {"code": code, "reason": reason, "message": str(message), "status": str(status_code), "@type": "Error"}


def api_error(path: str, status_code: int, code: str, message: object) -> dict | None:
    """The error body for an API path (Hall's under /api/, TMF's under /tmf-api/); None for pages."""
    if path.startswith(TMF_PREFIX):
        return tmf_error_body(status_code, code, code.replace("_", " "), message)
    if path.startswith("/api/"):
        return error_body(code, message)
    return None


def api_exception_handler(exc: Exception, context):
    """Every error as {"error": {"code", "message", "fields"?}}, in the request's language."""
    if isinstance(exc, (SuspiciousOperation, BadRequest)):  # Django would answer with its HTML 400 page
        logging.getLogger(f"django.security.{exc.__class__.__name__}").error(str(exc))
        if isinstance(exc, RequestDataTooBig):
            return Response(
                error_body("too_large", _("The request is too large.")), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
            )
        return Response(error_body("bad_request", _("The request failed.")), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, HallError):  # every refusal the product explains, mapped here once
        return Response(error_body(exc.code, exc.message), status=exc.status)
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body("invalid", _("Some values are not valid."), detail)
    else:
        # Django's Http404/PermissionDenied reach here unconverted: they carry no DRF code.
        code = getattr(exc, "default_code", None) or {404: "not_found", 403: "permission_denied"}.get(
            response.status_code, "error"
        )
        message = str(response.data.get("detail", "")) if isinstance(response.data, dict) else ""
        message = message or _("The request failed.")
        response.data = error_body(code, message)
    return response


class Pages(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


# --- OpenAPI (drf-spectacular) ---------------------------------------------------------------


class CsrfSessionScheme(SessionScheme):
    """The shop's session cookie (core.api_auth), documented like DRF's own session auth."""

    target_class = "core.api_auth.CsrfSessionAuthentication"


def form_parameters(form_class) -> list[OpenApiParameter]:
    """Query parameters documented from the Django form that parses them (one source of truth)."""
    from django import forms

    parameters = []
    schema: dict[str, object]
    for name, field in form_class.base_fields.items():
        if isinstance(field, forms.ChoiceField):
            choices = cast("Iterable[tuple[object, object]]", field.choices)
            schema = {"type": "string", "enum": [str(value) for value, _label in choices if value != ""]}
        elif isinstance(field, forms.IntegerField):  # DecimalField and FloatField are IntegerFields too
            schema = {"type": "number" if isinstance(field, forms.DecimalField | forms.FloatField) else "integer"}
            schema |= {
                k: int(v) if v == int(v) else float(v)
                for k, v in (("minimum", field.min_value), ("maximum", field.max_value))
                if v is not None
            }
        else:
            schema = {"type": "string"}
            if isinstance(field, forms.RegexField):
                schema["pattern"] = field.regex.pattern
            elif isinstance(field, forms.SlugField):
                schema["pattern"] = r"^[-a-zA-Z0-9_]+$"
            schema |= {
                k: v for k, v in (("minLength", field.min_length), ("maxLength", field.max_length)) if v is not None
            }
        parameters.append(
            OpenApiParameter(
                name, schema, OpenApiParameter.QUERY, required=field.required, description=str(field.label or "")
            )
        )
    return parameters


def api_endpoints_only(endpoints, **kwargs):
    """Preprocessing hook: the payment gateways' notification endpoint is not part of the API, nor
    are the TM Forum facades (they describe themselves at /tmf-api/schema)."""
    return [endpoint for endpoint in endpoints if not endpoint[0].startswith(("/api/payments/", TMF_PREFIX))]


ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: a stable code, a message in the request's language and, for invalid input, "
    "the messages per field.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": True},
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}
# Answers any operation may give, whatever the view: bad input (serializers, and the NUL/deep-JSON
# refusal of core.middleware.BadInputMiddleware), credentials and CSRF, unknown paths, methods, limits.
SHARED_ERRORS = {
    "400": "The request is not valid (see error.fields).",
    "401": "The credentials sent are not valid.",
    "403": "Not allowed: not signed in, or a session request without its CSRF token.",
    "404": "Not found.",
    "405": "This method is not allowed here.",
    "429": "Too many requests: wait for Retry-After seconds.",
}
BODY_ERRORS = {"413": "The request body is too large."}
RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}


def document_errors(result, generator, request: HttpRequest, public):
    """Postprocessing hook: every operation documents the shared error answers, and every 4xx
    answer without a body of its own gets the one Error shape (core.api.error_body)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for item in result.get("paths", {}).values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            for code, description in (SHARED_ERRORS | (BODY_ERRORS if "requestBody" in operation else {})).items():
                responses.setdefault(code, {"description": description})
            for code, response in responses.items():
                if code.startswith("4"):
                    response.setdefault("content", error)
                    if not response.get("description"):
                        response["description"] = SHARED_ERRORS.get(code, "")
            responses["429"].setdefault("headers", RETRY_AFTER)
            operation["responses"] = dict(sorted(responses.items()))
    return result
