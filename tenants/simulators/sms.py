"""The built-in SMS simulator: messages land in an outbox staff can read on the demo page
(the subscriber's phone, in effect). Configuration: latency_ms, error_rate."""

from tenants.gateways.sms import SmsError, SmsGateway
from tenants.simulators.behaviour import simulate_call
from tenants.simulators.models import SimSms


class SimulatedSms(SmsGateway):
    name = "simulator"

    def send(self, *, number, text, key):
        simulate_call(
            self.config,
            lambda: SmsError("SMS gateway busy (simulated)", "busy", transient=True),
            default_latency=(10, 80),
        )
        # The first text of a key stays: one INSERT … ON CONFLICT that returns its id (no savepoint, no race)
        message = SimSms(key=key, number=number, text=text[:300])
        SimSms.objects.bulk_create([message], update_conflicts=True, unique_fields=["key"], update_fields=["key"])
        return str(message.pk)
