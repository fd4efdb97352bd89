"""/tmf-api/ on a carrier host: the TM Forum Open API facades, their OpenAPI and docs."""

from django.urls import include, path

from openapi_tmf import balance, catalog, inventory, numbers, tickets
from openapi_tmf.conventions import routes


def api(resources) -> list:
    return [route for resource in resources for route in routes(resource)]


urlpatterns = [
    path("productCatalogManagement/v4/", include(api(catalog.RESOURCES))),
    path("resourcePoolManagement/v4/", include(numbers.ROUTES)),
    path("productInventory/v4/", include(api(inventory.RESOURCES))),
    path("prepayBalanceManagement/v4/", include(api(balance.RESOURCES))),
    path("troubleTicket/v4/", include(api(tickets.RESOURCES))),
]
