"""The beacon endpoint for block clicks on decorated pages."""

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from analytics.capture import record_click
from core import ratelimit

CLICKS_PER_MINUTE = 120


@csrf_exempt  # a beacon carries no CSRF token; it can only add an anonymous click count
@require_POST
def block_click(request):
    if ratelimit.allow(request, "analytics-click", CLICKS_PER_MINUTE):
        record_click(
            request,
            request.POST.get("block", ""),
            request.POST.get("page_type", ""),
            request.POST.get("page_id", ""),
            request.POST.get("version", ""),
        )
    return HttpResponse(status=204)
