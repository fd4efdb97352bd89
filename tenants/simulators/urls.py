"""The simulators' own pages (the simulated cashier). In production they answer 404 unless the
carrier opted in to its simulated payment gateway (tenants.gateways.simulator_allowed)."""

from __future__ import annotations

from functools import wraps

from django.http import Http404
from django.urls import path

from tenants.gateways import current_carrier, simulator_allowed
from tenants.simulators import views


def _only_where_allowed(system: str, view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not simulator_allowed(system, current_carrier()):
            raise Http404
        return view(request, *args, **kwargs)

    return guarded


urlpatterns = [
    path("pay/<str:token>/", _only_where_allowed("payment", views.cashier), name="sim-pay"),
]
