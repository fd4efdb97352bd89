"""A carrier's URLs plus one TMF API's `/hub`, as the openapi_tmf facade mounts it (for tests of
integrations.hub_api before and apart from the facade)."""

from django.urls import include, path

from hall.urls_tenant import urlpatterns as tenant_urls
from integrations.hub_api import hub_urlpatterns

BASE = "/tmf-api/productOrderingManagement/v5/"

urlpatterns = [
    path(BASE.lstrip("/"), include(hub_urlpatterns("productOrderingManagement"))),
    *tenant_urls,
]
