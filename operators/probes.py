"""Probes for an orchestrator, answered before host routing (any Host header, even a pod's IP;
no carrier look-up, no HTTPS redirect):

- `/livez`: the process answers. Nothing else is asked, so a database, Redis or worker outage
  never makes an orchestrator restart healthy web processes (restarting would not help).
- `/readyz`: this process can serve pages: its database and Redis answer (200, else 503). Celery
  workers are not asked: with every worker down the shop still shows and takes orders (they wait
  in the broker), so web must stay in the load balancer.

`/healthz` (operators.health) stays the whole-stack check for people and monitoring: database,
Redis and at least one worker."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse

from operators.health import database_check, redis_check

LIVE, READY = "/livez", "/readyz"


def readiness() -> tuple[dict, int]:
    checks = {"database": database_check(), "redis": redis_check()[0]}
    ok = all(check["ok"] for check in checks.values())
    return {"status": "ok" if ok else "failing", "checks": checks}, (200 if ok else 503)


class ProbeMiddleware:
    """First in MIDDLEWARE: answers the two probe paths and passes everything else on."""

    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        path = request.path_info
        if path == LIVE:
            return HttpResponse("ok", content_type="text/plain", headers={"Cache-Control": "no-store"})
        if path == READY:
            body, status = readiness()
            return JsonResponse(body, status=status, headers={"Cache-Control": "no-store"})
        return self.get_response(request)
