"""URLs of the public host (bare localhost): the directory of carriers and the platform admin."""

from django.urls import include, path

from core.admin.sites import platform_site
from operators import directory, errors, health, media

urlpatterns = [
    path("", directory.directory, name="directory"),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", media.favicon, name="favicon"),
    path("admin/", platform_site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler404 = errors.not_found
handler500 = errors.server_error
