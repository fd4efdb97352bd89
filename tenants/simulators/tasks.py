"""Thin Celery wrappers: the simulated gateways' own background work."""

from celery import shared_task

from tenants.gateways import config_for
from tenants.simulators import delivery


@shared_task(bind=True, acks_late=True, max_retries=delivery.MAX_ATTEMPTS)
def deliver_notification(self, notification_id: int, duplicate: bool = False) -> str:
    outcome = delivery.deliver(notification_id, duplicate)
    if outcome == "retry":
        base = float(config_for("payment").get("retry_base_seconds", 5))
        raise self.retry(countdown=min(base * 2**self.request.retries, 3600))
    return outcome
