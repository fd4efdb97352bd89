"""/tmf-api/ on a carrier host: the TM Forum Open API facades, their OpenAPI and docs."""

from csp.decorators import csp_exempt
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerView

from integrations.hub_api import hub_urlpatterns
from integrations.outbox import APIS as EVENT_APIS
from openapi_tmf import balance, catalog, inventory, numbers, ordering, tickets
from openapi_tmf.conventions import routes
from openapi_tmf.schema import document, schema_view

APIS = {
    "/tmf-api/productCatalogManagement/v4/": catalog.RESOURCES,
    "/tmf-api/productOrderingManagement/v4/": ordering.RESOURCES,
    "/tmf-api/resourcePoolManagement/v4/": numbers.RESOURCES,
    "/tmf-api/productInventory/v4/": inventory.RESOURCES,
    "/tmf-api/prepayBalanceManagement/v4/": balance.RESOURCES,
    "/tmf-api/troubleTicket/v4/": tickets.RESOURCES,
}


def api(prefix: str, resources) -> list:
    name = prefix.split("/")[2]  # /tmf-api/<name>/v4/
    hub = hub_urlpatterns(name) if name in EVENT_APIS else []  # TMF630 event subscriptions
    return hub + [route for resource in resources for route in routes(resource)]


urlpatterns = [
    path(prefix.removeprefix("/tmf-api/"), include(api(prefix, resources))) for prefix, resources in APIS.items()
] + [
    path(
        "schema",
        schema_view(lambda: document(APIS, hubs=[p for p in APIS if p.split("/")[2] in EVENT_APIS])),
        name="tmf-schema",
    ),
    # Swagger UI from our own static files (sidecar), as /api/docs/
    path("docs", csp_exempt()(SpectacularSwaggerView.as_view(url="/tmf-api/schema")), name="tmf-docs"),
]
