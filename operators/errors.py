from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import get_template
from django.utils.translation import gettext as _
from django.views import View

from core.api import api_error
from core.tenancy import in_public


class UnknownHostView(View):
    """A host name that no carrier owns: a friendly page, never Django's debug page."""

    def dispatch(self, request, *args, **kwargs):
        return render(request, "errors/unknown_host.html", {"host": request.get_host().split(":")[0]}, status=404)


def not_found(request, exception=None):
    body = api_error(request.path_info, 404, "not_found", _("Not found."))
    if body is not None:  # a path no API view matched: the API's one error shape, not the shop's page
        return JsonResponse(body, status=404)
    if not in_public():  # inside a carrier's shop: keep its header and tabs
        return render(request, "errors/404_shop.html", {"tab": ""}, status=404)
    return render(request, "errors/404.html", status=404)


def server_error(request):
    body = api_error(request.path_info, 500, "server_error", _("Something went wrong on our side."))
    if body is not None:
        return JsonResponse(body, status=500)
    # No request context: the context processors query the database, which may be what failed.
    return HttpResponseServerError(get_template("errors/500.html").render())
