"""TMF630 event subscriptions (`/hub`) for one TMF API, mounted by the facade:

    urlpatterns += [path("tmf-api/productOrderingManagement/v5/", include(hub_urlpatterns(ORDERING)))]

- `POST <base>/hub` `{"callback": "https://…", "query": "eventType=ProductOrderStateChangeEvent"}` → 201
  `{"id", "callback", "query", "secret"}`. TMF defines no signature; Hall signs every event it
  posts (`X-Hall-Signature`, see integrations.signing) with this `secret`, returned only here.
- `GET <base>/hub/{id}` → 200 `{"id", "callback", "query"}`; `DELETE <base>/hub/{id}` → 204.
- A token with the `events:write` scope; a token sees and removes only the subscriptions it made.
  Errors in the TMF630 shape `{"code", "reason", "message", "status", "@type": "Error"}`.

The query takes `eventType=` (a comma list of this API's event types; none = all of them) and
equality filters on dotted paths of the event body, e.g. `event.productOrder.state=completed`."""

from __future__ import annotations

import secrets

from django.db import transaction
from django.http import Http404
from django.urls import path
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from core.api import tmf_error_body
from core.errors import HallError
from integrations import callbacks
from integrations.auth import BearerTokenAuthentication, TokenScopes
from integrations.models import ApiToken, Subscription
from integrations.outbox import APIS, Query

MAX_PER_TOKEN = 100
REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
}


# the scope that reads what an API's events carry
READ_SCOPE = {
    "productOrderingManagement": "order:read",
    "productCatalogManagement": "catalog:read",
    "troubleTicket": "ticket:read",
}


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def tmf_error(status_code: int, message: object, reason: str = "") -> Response:
    body = tmf_error_body(status_code, str(status_code), reason or REASONS.get(status_code, "Error"), message)
    return Response(body, status=status_code)


def tmf_exception_handler(exc: Exception, context) -> Response | None:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    if isinstance(exc, HallError):
        return tmf_error(exc.status, exc.message)
    if not isinstance(exc, exceptions.APIException):
        return None
    detail = exc.detail
    if isinstance(detail, dict):
        message = "; ".join(
            f"{key}: {' '.join(map(str, v)) if isinstance(v, list) else v}" for key, v in detail.items()
        )
    elif isinstance(detail, list):
        message = " ".join(map(str, detail))
    else:
        message = str(detail)
    response = tmf_error(exc.status_code, message)
    if isinstance(exc, exceptions.Throttled) and (wait := getattr(exc, "wait", None)):
        response["Retry-After"] = str(int(wait))
    return response


class HubInput(serializers.Serializer):
    callback = serializers.CharField(max_length=callbacks.MAX_LENGTH)
    query = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class HubShown(serializers.Serializer):  # for the OpenAPI schema
    id = serializers.CharField()
    callback = serializers.CharField()
    query = serializers.CharField()


class HubCreated(HubShown):
    secret = serializers.CharField(help_text="Hall signs every event with it (X-Hall-Signature); shown only now.")


class TmfError(serializers.Serializer):
    code = serializers.CharField()
    reason = serializers.CharField()
    message = serializers.CharField()
    status = serializers.CharField()
    type = serializers.CharField(source="@type")


def check_query(api: str, query: str) -> str:
    parsed = Query.parse(query)
    known = APIS.get(api)
    if known is not None and (unknown := sorted(parsed.event_types - set(known))):
        raise HallError(
            _("Unknown event types for %(api)s: %(unknown)s. Known: %(known)s.")
            % {"api": api, "unknown": ", ".join(unknown), "known": ", ".join(known)},
            "invalid_query",
        )
    return query.strip().lstrip("?")


def shown(sub: Subscription, secret: str = "") -> dict:
    body = {"id": str(sub.pk), "callback": sub.callback, "query": sub.query}
    if secret:
        body["secret"] = secret
    return body


class HubViewSet(viewsets.ViewSet):
    """The `/hub` resource of one TMF API (`api`: the `as_view` initkwarg or the URL's `api`)."""

    authentication_classes = [BearerTokenAuthentication]
    permission_classes = [TokenScopes]
    scopes = {"*": "events:write"}
    api = ""
    throttle_classes: list = []  # the token's own rate limit applies (integrations.auth)

    def get_exception_handler(self):
        return tmf_exception_handler

    def api_name(self) -> str:
        return str(self.kwargs.get("api") or self.api)

    def token(self, request: Request) -> ApiToken:
        assert isinstance(request.auth, ApiToken)  # TokenScopes refused everything else
        return request.auth

    def mine(self, request: Request, pk: str) -> Subscription:
        if not (str(pk).isascii() and str(pk).isdecimal()) or len(str(pk)) > 18:
            raise Http404
        sub = Subscription.objects.filter(
            pk=int(pk), kind=Subscription.Kind.TMF_HUB, api=self.api_name(), token=self.token(request)
        ).first()
        if sub is None:
            raise exceptions.NotFound(_("No subscription %(id)s.") % {"id": pk})
        return sub

    @extend_schema(
        summary="Register an event subscription (TMF630 hub)",
        request=HubInput,
        responses={201: HubCreated, 400: TmfError, 401: TmfError, 403: TmfError},
    )
    def create(self, request: Request, *args, **kwargs) -> Response:
        if not isinstance(request.data, dict):
            return tmf_error(400, _("Send a JSON object with “callback” and “query”."))
        given = HubInput(data=request.data)
        given.is_valid(raise_exception=True)
        callback = callbacks.check(given.validated_data["callback"])
        query = check_query(self.api_name(), given.validated_data["query"])
        token, secret = self.token(request), new_secret()
        reading = READ_SCOPE.get(self.api_name(), "")
        if reading and not token.has_scope(reading):  # events show what a GET would: it needs the read scope too
            return tmf_error(403, _("This token lacks the scope “%(scope)s”.") % {"scope": reading})
        with transaction.atomic():
            ApiToken.objects.select_for_update().filter(pk=token.pk).first()  # one count at a time per token
            if Subscription.objects.filter(token=token).count() >= MAX_PER_TOKEN:
                raise HallError(_("A token may hold at most %(n)s subscriptions.") % {"n": MAX_PER_TOKEN}, "too_many")
            sub = Subscription.objects.create(
                kind=Subscription.Kind.TMF_HUB,
                api=self.api_name(),
                callback=callback,
                query=query,
                secret=secret,
                token=token,
                created_by=token.user,
            )
        response = Response(shown(sub, secret), status=status.HTTP_201_CREATED)
        response["Location"] = request.build_absolute_uri(request.path.rstrip("/") + f"/{sub.pk}")
        return response

    @extend_schema(summary="Read an event subscription", responses={200: HubShown, 404: TmfError})
    def retrieve(self, request: Request, pk: str = "", *args, **kwargs) -> Response:
        return Response(shown(self.mine(request, pk)))

    @extend_schema(summary="Remove an event subscription", responses={204: None, 404: TmfError})
    def destroy(self, request: Request, pk: str = "", *args, **kwargs) -> Response:
        self.mine(request, pk).delete()  # its pending deliveries go with it
        return Response(status=status.HTTP_204_NO_CONTENT)


def hub_urlpatterns(api: str) -> list:
    """`hub` and `hub/<id>` (no trailing slash, as TMF630 writes them) for the TMF API `api`, to
    include under that API's base path."""
    return [
        path("hub", HubViewSet.as_view({"post": "create"}, api=api), name=f"tmf-{api}-hub"),
        path(
            "hub/<str:pk>",
            HubViewSet.as_view({"get": "retrieve", "delete": "destroy"}, api=api),
            name=f"tmf-{api}-hub-detail",
        ),
    ]
