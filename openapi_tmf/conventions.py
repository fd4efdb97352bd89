"""TMF630 (TM Forum's REST design guidelines) once, for every facade: bearer tokens and scopes,
absolute `href` and `@type` on every resource, `fields=` projection, `offset`/`limit` with
`X-Total-Count` and `X-Result-Count`, attribute filters (`?name=…`, `?state=a,b`,
`?lastUpdate.gt=…`, dotted paths), UTC timestamps with `Z`, merge-patch, TMF's error body, and
paths without a trailing slash (one with a slash is served too, never redirected).

A facade declares a `Resource` (where rows come from, how one renders, how it is created, patched
and deleted through the existing services) and gets its collection and item views from it."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import QuerySet
from django.http import Http404
from django.urls import re_path
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.parsers import JSONParser
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import tmf_error_body
from core.errors import HallError
from integrations.auth import BearerTokenAuthentication, TokenScopes

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
PYTHON_FILTER_CAP = 5000  # rows a filter the database cannot do may scan (catalogue-sized sources)
RESERVED = {"fields", "offset", "limit", "sort", "depth", "expand"}
OPERATORS = ("gt", "gte", "lt", "lte", "ne")


class TmfError(HallError):
    """A refusal in TMF's words; `status` is the HTTP status (400, 404, 409, 422…)."""

    def __init__(self, message: object, status: int = 400, code: str = "", reason: str = "") -> None:
        super().__init__(message, code or str(status))
        self.status = status
        self.reason = reason


def int_id(value: str) -> int:
    """An id as the database's integer keys hold it, or -1 (found nowhere): ASCII digits only
    ("²" is a digit to str.isdigit), and small enough for an integer column."""
    return int(value) if value.isascii() and value.isdecimal() and len(value) < 10 else -1


def not_found(kind: str, ident: str) -> TmfError:
    return TmfError(_("No %(kind)s with id %(id)s.") % {"kind": kind, "id": ident}, 404, reason="Not found")


def invalid(message: object, field_name: str = "") -> TmfError:
    return TmfError(message, 400, reason=f"Invalid {field_name}" if field_name else "Invalid request")


def unprocessable(message: object) -> TmfError:
    return TmfError(message, 422, reason="Unprocessable entity")


error_body = tmf_error_body


# --- time --------------------------------------------------------------------------------------


def tmf_time(value: dt.datetime | None) -> str | None:
    """UTC with milliseconds and Z: `+00:00` would reach a filter as a space (a raw `+` in a query)."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def parse_time(text: str) -> dt.datetime:
    raw = text.strip().replace(" ", "+")  # a `+00:00` offset sent raw arrives as a space
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise invalid(
            _("“%(value)s” is not a date and time (e.g. 2026-12-08T01:02:03.456Z).") % {"value": text}
        ) from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    if not 1970 <= value.year <= 9998:  # what the database and the Z rendering hold, with room for offsets
        raise invalid(_("“%(value)s” is out of range (years 1970 to 9998).") % {"value": text})
    return value


def time_filter(column: str) -> Callable[[QuerySet, str, str], QuerySet]:
    """A database filter on a timestamp shown at millisecond precision: equality is the millisecond."""

    def apply(queryset: QuerySet, op: str, value: str) -> QuerySet:
        moment = parse_time(value)
        start = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        end = start + dt.timedelta(milliseconds=1)
        if op == "eq":
            return queryset.filter(**{f"{column}__gte": start, f"{column}__lt": end})
        if op == "ne":
            return queryset.exclude(**{f"{column}__gte": start, f"{column}__lt": end})
        bound = {"gt": ("gte", end), "gte": ("gte", start), "lt": ("lt", start), "lte": ("lt", end)}[op]
        return queryset.filter(**{f"{column}__{bound[0]}": bound[1]})

    return apply


def value_filter(column: str, mapping: Callable[[str], Any] | None = None) -> Callable[[QuerySet, str, str], QuerySet]:
    """Equality (a comma list is any of them) on a column; `mapping` turns TMF values into Hall's."""

    def apply(queryset: QuerySet, op: str, value: str) -> QuerySet:
        wanted = [mapping(v) if mapping else v for v in value.split(",")]
        wanted = [w for group in wanted for w in (group if isinstance(group, list | tuple | set) else [group])]
        if op == "eq":
            return queryset.filter(**{f"{column}__in": wanted})
        if op == "ne":
            return queryset.exclude(**{f"{column}__in": wanted})
        raise invalid(_("Only = and .ne compare %(name)s.") % {"name": column})

    return apply


# --- filtering rendered resources ---------------------------------------------------------------


def _values_at(document: Any, path: list[str]) -> list[Any]:
    if not path:
        return [document]
    if isinstance(document, list):
        return [v for item in document for v in _values_at(item, path)]
    if isinstance(document, dict) and path[0] in document:
        return _values_at(document[path[0]], path[1:])
    return []


def _compare(found: Any, op: str, wanted: str) -> bool:
    left: Any
    right: Any
    if isinstance(found, bool):
        found = "true" if found else "false"
    if isinstance(found, str) and len(found) >= 20 and found.endswith("Z") and found[4] == "-":
        try:
            left, right = parse_time(found), parse_time(wanted)
        except TmfError:
            left, right = found, wanted
    else:
        left, right = str(found), wanted
        with contextlib.suppress(ValueError):
            left, right = float(left), float(right)
    if op == "eq":
        return left == right
    if op == "ne":
        return left != right
    try:
        return {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}[op]
    except TypeError:
        return False


def matches(document: dict, path: str, op: str, value: str) -> bool:
    found = _values_at(document, path.split("."))
    if op == "ne":
        return all(_compare(f, "eq", v) is False for f in found for v in value.split(","))
    return any(_compare(f, op, v) for f in found for v in value.split(","))


def parse_filters(request: Request) -> list[tuple[str, str, str]]:
    filters = []
    for key, values in request.query_params.lists():
        if key in RESERVED:
            continue
        name, _dot, op = key.rpartition(".")
        if not _dot or op not in OPERATORS:
            name, op = key, "eq"
        for value in values:
            filters.append((name, op, value))
    return filters


def project(document: dict, fields: str | None) -> dict:
    """`fields=a,b.c`: the named first-level attributes, and always id, href and @type."""
    if not fields:
        return document
    wanted = {f.strip().split(".")[0] for f in fields.split(",") if f.strip()} | {"id", "href", "@type"}
    return {k: v for k, v in document.items() if k in wanted}


def _int_param(request: Request, name: str, default: int, maximum: int) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise invalid(_("%(name)s must be a whole number.") % {"name": name}, name) from None
    if value < 0:
        raise invalid(_("%(name)s cannot be negative.") % {"name": name}, name)
    return min(value, maximum)


# --- resources and their views ------------------------------------------------------------------


class MergePatchParser(JSONParser):
    media_type = "application/merge-patch+json"


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return patch
    result = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


@dataclass
class Resource:
    """One TMF resource of one API. `source` gives a queryset or a list; `db_filters` are the
    attributes the database filters (`{attr: fn(queryset, op, value)}`), any other attribute is
    filtered on the rendered documents."""

    name: str  # the path segment and the event's resource name, e.g. productOffering
    type: str  # @type, e.g. ProductOffering
    base: str  # the API's root path, e.g. /tmf-api/productCatalogManagement/v4/
    source: Callable[[Request], QuerySet | list]
    render: Callable[[Any, Request], dict]
    lookup: Callable[[Request, str], Any]
    scopes: dict[str, str]
    db_filters: dict[str, Callable[[QuerySet, str, str], QuerySet]] = field(default_factory=dict)
    create: Callable[[Request, dict], Any] | None = None
    update: Callable[[Request, Any, dict], Any] | None = None
    delete: Callable[[Request, Any], None] | None = None
    schema: dict = field(default_factory=dict)  # JSON schema of the rendered resource (the OpenAPI)
    create_schema: dict = field(default_factory=dict)
    description: str = ""

    def href(self, request: Request, ident: Any) -> str:
        return request.build_absolute_uri(f"{self.base}{self.name}/{ident}")

    def document(self, obj: Any, request: Request) -> dict:
        return {**self.render(obj, request), "@type": self.type}


class TmfView(APIView):
    """TMF's error body for every refusal, bearer tokens only, JSON and merge-patch in and out."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [TokenScopes]
    parser_classes = [JSONParser, MergePatchParser]
    renderer_classes = [JSONRenderer]
    resource: ClassVar[Resource]
    scopes: dict[str, str] = {}

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, Http404):
            exc = TmfError(_("Not found."), 404, reason="Not found")
        if isinstance(exc, TmfError):
            return Response(error_body(exc.status, exc.code, exc.reason or "Refused", exc.message), status=exc.status)
        if isinstance(exc, HallError):  # a refusal of the services (checkout, holds…): the request was understood
            code = exc.status if exc.status in (400, 404, 409) else 422
            return Response(error_body(code, exc.code, "Refused", exc.message), status=code)
        response = super().handle_exception(exc)
        if isinstance(exc, exceptions.APIException):
            detail = exc.detail
            message = "; ".join(_flatten(detail)) if isinstance(detail, dict | list) else str(detail)
            response.data = error_body(response.status_code, exc.default_code, str(exc.default_detail), message)
        return response

    def body(self, request: Request) -> dict:
        data = request.data
        if not isinstance(data, dict):
            raise invalid(_("Send one JSON object."))
        return data


def _flatten(detail: Any) -> Iterable[str]:
    if isinstance(detail, dict):
        for key, value in detail.items():
            for message in _flatten(value):
                yield f"{key}: {message}"
    elif isinstance(detail, list):
        for item in detail:
            yield from _flatten(item)
    else:
        yield str(detail)


def listing(resource: Resource, request: Request) -> Response:
    offset = _int_param(request, "offset", 0, 10**9)
    limit = _int_param(request, "limit", DEFAULT_LIMIT, MAX_LIMIT)
    rows = resource.source(request)
    later = []
    for name, op, value in parse_filters(request):
        if isinstance(rows, QuerySet) and name in resource.db_filters:
            rows = resource.db_filters[name](rows, op, value)
        else:
            later.append((name, op, value))
    if later:
        documents = [resource.document(obj, request) for obj in list(rows[:PYTHON_FILTER_CAP])]
        documents = [d for d in documents if all(matches(d, n, o, v) for n, o, v in later)]
        total = len(documents)
        page = documents[offset : offset + limit]
    else:
        total = rows.count() if isinstance(rows, QuerySet) else len(rows)
        page = [resource.document(obj, request) for obj in rows[offset : offset + limit]]
    fields = request.query_params.get("fields")
    body = [project(d, fields) for d in page]
    answer = Response(body, status=status.HTTP_200_OK)
    answer["X-Total-Count"] = str(total)
    answer["X-Result-Count"] = str(len(body))
    return answer


def collection_view(resource: Resource) -> type[TmfView]:
    class Collection(TmfView):
        scopes = resource.scopes

        def get(self, request: Request) -> Response:
            return listing(resource, request)

        def post(self, request: Request) -> Response:
            if resource.create is None:
                raise exceptions.MethodNotAllowed("POST")
            obj = resource.create(request, self.body(request))
            document = resource.document(obj, request)
            return Response(document, status=status.HTTP_201_CREATED, headers={"Location": document["href"]})

    Collection.__name__ = f"{resource.type}Collection"
    return Collection


def item_view(resource: Resource) -> type[TmfView]:
    class Item(TmfView):
        scopes = resource.scopes

        def get(self, request: Request, ident: str) -> Response:
            document = resource.document(resource.lookup(request, ident), request)
            return Response(project(document, request.query_params.get("fields")))

        def patch(self, request: Request, ident: str) -> Response:
            if resource.update is None:
                raise exceptions.MethodNotAllowed("PATCH")
            obj = resource.update(request, resource.lookup(request, ident), self.body(request))
            return Response(resource.document(obj, request))

        def delete(self, request: Request, ident: str) -> Response:
            if resource.delete is None:
                raise exceptions.MethodNotAllowed("DELETE")
            resource.delete(request, resource.lookup(request, ident))
            return Response(status=status.HTTP_204_NO_CONTENT)

    Item.__name__ = f"{resource.type}Item"
    return Item


def routes(resource: Resource) -> list:
    """The collection and the item, without a trailing slash (with one served the same, never redirected)."""
    return [
        re_path(rf"^{resource.name}/?$", collection_view(resource).as_view(), name=f"tmf-{resource.name}"),
        re_path(
            rf"^{resource.name}/(?P<ident>[^/]+)/?$", item_view(resource).as_view(), name=f"tmf-{resource.name}-item"
        ),
    ]


def ref(resource_base: str, resource: str, request: Request, ident: Any, **extra: Any) -> dict:
    """A reference to another resource: {id, href, …}."""
    return {"id": str(ident), "href": request.build_absolute_uri(f"{resource_base}{resource}/{ident}"), **extra}
