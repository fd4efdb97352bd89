"""Small HTTP helpers shared by views."""

import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.http import HttpRequest
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    class SignedInRequest(HttpRequest):
        """A request behind login_required or the staff admin: its user is signed in (for typing)."""

        user: User

else:
    SignedInRequest = HttpRequest


def redirect_back(request: HttpRequest, fallback):
    """Back to where a form was posted from (`next` field or Referer) when that is this host."""
    target = request.POST.get("next") or request.META.get("HTTP_REFERER")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return redirect(target)
    return redirect(fallback)


def max_body(limit: int) -> Callable:
    """Refuse bodies over `limit` bytes with 413 (core.middleware.BadInputMiddleware reads it)."""

    def decorate(view: Callable) -> Callable:
        view.max_body_bytes = limit  # type: ignore[attr-defined]  # a mark on the view, read by the middleware
        return view

    return decorate


MAX_JSON_DEPTH = 64  # deeper than any body Hall takes; Python's json would recurse past its limit
_JSON_TOKEN = re.compile(r'[\[\]{}"\\]')


def json_too_deep(text: str) -> bool:
    """One linear pass over the brackets, quotes and backslashes (no backtracking regex: an
    unclosed string of escapes must not cost a worker minutes)."""
    depth, in_string, skip = 0, False, -1
    for match in _JSON_TOKEN.finditer(text):
        at, char = match.start(), match.group()
        if at == skip:  # the character after a backslash inside a string
            continue
        if in_string:
            if char == "\\":
                skip = at + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def has_nul(value) -> bool:
    """A NUL anywhere in a decoded JSON document (keys too), without recursion."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def loads_safely(text: str) -> Any:
    """json.loads for JSON that arrives inside a form field: ValueError if it is malformed, nested
    deeper than MAX_JSON_DEPTH or holds a NUL (what the middleware checks for JSON bodies)."""
    if json_too_deep(text):
        raise ValueError("nested too deeply")
    value = json.loads(text)
    if has_nul(value):
        raise ValueError("NUL in a string")
    return value
