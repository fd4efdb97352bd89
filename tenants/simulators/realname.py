"""The built-in real-name provider simulator. Outcomes are deterministic, so demos and tests
can show each one (documented in the README):
- a name containing 假 ............................. failed, "mismatch" (name and ID do not match)
- an ID whose sequence digits (15th–17th) are 999 .. failed, "liveness"
- no liveness evidence ............................. failed, "liveness"
- a portrait under 1 KB ............................ failed, "poor_image"
- anything else .................................... passed
The decision is ready `decision_delay` seconds after submission (config, default [1, 3]), like
a provider working in the background; latency_ms and error_rate as the other simulators.

The two-factor check (二要素) answers at once by the same name rule (假 → mismatch). A carrier's
config `"identity_check": false` turns it off, as for a provider that does not offer it: then a
mismatch is found only after shipping, when the portrait is checked."""

from __future__ import annotations

import datetime as dt
import random
import secrets

from django.utils import timezone

from tenants.gateways.realname import Decision, ProviderError, RealnameProvider
from tenants.simulators.behaviour import simulate_call
from tenants.simulators.models import SimVerification


def outcome_for(name: str, id_number: str, portrait: bytes, liveness: dict) -> tuple[str, str]:
    if "假" in name:
        return "failed", "mismatch"
    if id_number[14:17] == "999" or not liveness or liveness.get("method") == "none":
        return "failed", "liveness"
    if len(portrait) < 1024:
        return "failed", "poor_image"
    return "passed", ""


class SimulatedRealnameProvider(RealnameProvider):
    name = "simulator"

    def __init__(self, carrier, config: dict):
        super().__init__(carrier, config)
        self.supports_identity_check = bool(config.get("identity_check", True))

    def _call(self):
        simulate_call(self.config, lambda: ProviderError("real-name provider busy (simulated)", "busy", transient=True))

    def submit(self, *, reference, name, id_number, portrait, liveness):
        self._call()
        outcome, reason = outcome_for(name, id_number, portrait, liveness)
        low, high = self.config.get("decision_delay", (1, 3))
        record, _created = SimVerification.objects.get_or_create(
            reference=reference,
            defaults={
                "request_id": secrets.token_hex(8),
                "outcome": outcome,
                "reason": reason,
                "decide_at": timezone.now() + dt.timedelta(seconds=random.uniform(float(low), float(high))),
            },
        )
        return record.request_id

    def check_identity(self, *, name, id_number):
        self._call()
        return Decision("failed", "mismatch") if "假" in name else Decision("passed")

    def result(self, request_id):
        self._call()
        record = SimVerification.objects.filter(request_id=request_id).first()
        if record is None:
            raise ProviderError("no such request", transient=False)
        if record.decide_at > timezone.now():
            return Decision("pending")
        return Decision(record.outcome, record.reason)
