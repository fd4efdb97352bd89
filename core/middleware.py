import json
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from core.api import api_error
from core.errors import HallError
from core.http import MAX_JSON_DEPTH, has_nul, json_too_deep


class ShopLanguageMiddleware:
    """zh-hans unless the visitor chose another language (cookie set by /i18n/setlang/).

    Django's LocaleMiddleware would follow the browser's Accept-Language; a Chinese carrier's
    shop shows Chinese by default whatever the browser says."""

    def __init__(self, get_response: Callable):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response


MAX_JSON_BYTES = 256 * 1024  # Hall's JSON bodies are a few hundred bytes
UTF8 = {"utf-8", "utf8", "ascii", "us-ascii"}


def _bad_input(request: HttpRequest) -> str | None:
    """Why this request cannot be taken, or None. PostgreSQL text cannot hold NUL, and no form
    or serializer should have to remember that; Python's json recursion must not be reached."""
    nul = _("The request contains a character that is not allowed (a NUL byte).")
    charset = (request.content_params or {}).get("charset", "utf-8").strip().lower()
    if charset not in UTF8:  # Django and DRF would decode query and body with it (utf-7 hides NUL)
        return _("Send the request in UTF-8.")
    if (
        "\x00" in request.path_info
        or "%00" in request.META.get("QUERY_STRING", "")
        or any("\x00" in key or "\x00" in value for key, values in request.GET.lists() for value in values)
        or any("\x00" in value for value in request.COOKIES.values())
    ):
        return nul
    if request.method not in ("POST", "PUT", "PATCH", "DELETE"):
        return None
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":  # files may hold NUL bytes: check the fields only
        fields = [v for _k, values in request.POST.lists() for v in values] + list(request.POST.keys())
        names = [f.name or "" for files in request.FILES.lists() for f in files[1]]
        return nul if any("\x00" in v for v in fields + names) else None
    body = request.body
    if content_type == "application/json" or content_type.endswith("+json"):
        if len(body) > MAX_JSON_BYTES:
            raise RequestDataTooBig
        text = body.decode("utf-8", errors="replace")
        if json_too_deep(text):
            return _("The request's JSON is nested too deeply (at most %(depth)d levels).") % {"depth": MAX_JSON_DEPTH}
        if "\x00" in text:
            return nul
        if "\\u0000" in text.lower():
            try:
                return nul if has_nul(json.loads(text)) else None
            except ValueError:
                return None  # malformed: the parser says so itself
        return None
    return nul if b"\x00" in body or b"%00" in body else None


class BadInputMiddleware:
    """One place that refuses NUL bytes (path, query, cookies, form and JSON bodies), JSON nested
    too deeply, and bodies over a view's `max_body_bytes`: a clear 400 (413) before any view
    runs, so nothing is half-written and no new view can forget it. It also maps a HallError
    that no view caught to a page (or the API's error body)."""

    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict):
        limit = getattr(view_func, "max_body_bytes", None)
        if limit is not None and _over(request, limit):
            return _refusal(request, 413, _("The request is too large (at most %(kb)d KB).") % {"kb": limit // 1024})
        try:
            problem = _bad_input(request)
        except RequestDataTooBig:
            return _refusal(request, 413, _("The request is too large."))
        except TooManyFieldsSent:
            return _refusal(request, 400, _("The request has too many fields."))
        if problem:
            return _refusal(request, 400, problem)
        return None

    def process_exception(self, request: HttpRequest, exception: Exception):
        """A refusal no view caught (core.errors): its message on a clear page (or the API's error
        body), with its status; the transaction it interrupted was rolled back, so nothing is half-written."""
        if isinstance(exception, HallError):
            return _refusal(request, exception.status, exception.message, exception.code)
        return None


def _over(request: HttpRequest, limit: int) -> bool:
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        return True
    return len(request.body) > limit  # no length declared: read (Django caps it) and measure


def _refusal(request: HttpRequest, status: int, message: str, code: str = "") -> HttpResponse:
    body = api_error(request.path_info, status, code or ("bad_input" if status == 400 else "too_large"), message)
    if body is not None:
        return JsonResponse(body, status=status)
    return render(request, "errors/bad_request.html", {"message": message}, status=status)
