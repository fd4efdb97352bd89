from django.shortcuts import render

from tenants.models import Carrier
from tenants.services import shop_carriers


def directory(request):
    """The public host: every carrier's shop with a link to its host."""
    port = request.get_host().rpartition(":")[2] if ":" in request.get_host() else ""
    suffix = f":{port}" if port else ""
    carriers = [
        {"carrier": c, "url": f"{request.scheme}://{c.primary_domain.domain}{suffix}/"}
        for c in shop_carriers().filter(status=Carrier.Status.ACTIVE)
        if c.primary_domain
    ]
    return render(request, "public/directory.html", {"carriers": carriers})
