"""/tmf-api/ on a carrier host: the TM Forum Open API facades, their OpenAPI and docs."""

from csp.decorators import csp_exempt
from django.urls import include, path
from drf_spectacular.views import SpectacularSwaggerView

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


def api(resources) -> list:
    return [route for resource in resources for route in routes(resource)]


urlpatterns = [
    path(prefix.removeprefix("/tmf-api/"), include(api(resources))) for prefix, resources in APIS.items()
] + [
    path("schema", schema_view(lambda: document(APIS)), name="tmf-schema"),
    # Swagger UI from our own static files (sidecar), as /api/docs/
    path("docs", csp_exempt()(SpectacularSwaggerView.as_view(url="/tmf-api/schema")), name="tmf-docs"),
]
