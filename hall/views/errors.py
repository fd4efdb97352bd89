from django.shortcuts import render
from django.views import View


class UnknownHostView(View):
    """A host name that no carrier owns: a friendly page, never Django's debug page."""

    def dispatch(self, request, *args, **kwargs):
        return render(request, "errors/unknown_host.html", {"host": request.get_host().split(":")[0]},
                      status=404)


def not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    return render(request, "errors/500.html", status=500)
