from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template.loader import get_template
from django.views import View


class UnknownHostView(View):
    """A host name that no carrier owns: a friendly page, never Django's debug page."""

    def dispatch(self, request, *args, **kwargs):
        return render(request, "errors/unknown_host.html", {"host": request.get_host().split(":")[0]},
                      status=404)


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No request context: the context processors query the database, which may be what failed.
    return HttpResponseServerError(get_template("errors/500.html").render())
