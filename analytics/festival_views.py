"""A festival's live dashboard for staff (who may view promotions): the page, and the figures as
JSON that static/hall/festival.js polls every few seconds (no inline script: the CSP holds)."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from analytics.festival import figures
from promotions.models import Festival

POLL_SECONDS = 5


def _festival(request: HttpRequest, festival_id: int) -> Festival:
    if not request.user.has_perm("promotions.view_promotion"):
        raise PermissionDenied
    return get_object_or_404(Festival, pk=festival_id)


def dashboard(request: HttpRequest, festival_id: int) -> HttpResponse:
    festival = _festival(request, festival_id)
    return render(
        request,
        "admin/promotions/festival/dashboard.html",
        {
            **admin.site.each_context(request),
            "title": _("Festival dashboard: %(name)s") % {"name": festival.name},
            "festival": festival,
            "figures": figures(festival),
            "data_url": reverse("festival-dashboard-data", args=[festival.pk]),
            "poll_ms": POLL_SECONDS * 1000,
            "opts": Festival._meta,
        },
    )


def dashboard_data(request: HttpRequest, festival_id: int) -> JsonResponse:
    response = JsonResponse(figures(_festival(request, festival_id)).as_json())
    response["Cache-Control"] = "no-store"
    return response
