"""REST API plumbing shared by every app: one error body shape, pagination, docs."""
from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler


def error_body(code, message, fields=None):
    body = {"error": {"code": code, "message": message}}
    if fields:
        body["error"]["fields"] = fields
    return body


def api_exception_handler(exc, context):
    """Every error as {"error": {"code", "message", "fields"?}}, in the request's language."""
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, ValidationError):
        detail = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body("invalid", _("Some values are not valid."), detail)
    else:
        # Django's Http404/PermissionDenied reach here unconverted: they carry no DRF code.
        code = getattr(exc, "default_code", None) or {404: "not_found", 403: "permission_denied"}.get(
            response.status_code, "error")
        message = str(response.data.get("detail", "")) if isinstance(response.data, dict) else ""
        message = message or _("The request failed.")
        response.data = error_body(code, message)
    return response


class Pages(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
