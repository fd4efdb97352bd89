"""/tmf-api/ on a carrier host: the TM Forum Open API facades, their OpenAPI and docs."""

from django.urls import include, path

from openapi_tmf import catalog, ordering
from openapi_tmf.conventions import routes


def api(resources) -> list:
    return [route for resource in resources for route in routes(resource)]


urlpatterns = [
    path("productCatalogManagement/v4/", include(api(catalog.RESOURCES))),
    path("productOrderingManagement/v4/", include(api(ordering.RESOURCES))),
]
