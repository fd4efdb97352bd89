"""The built-in courier simulator: a shipment is picked up, in transit, out for delivery and
delivered, each after `step_seconds` [min, max] (default [3, 10]); tracking shows the events
whose time has come. latency_ms and error_rate as the other simulators."""

from __future__ import annotations

import datetime as dt
import random
import secrets

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from tenants.gateways.logistics import LogisticsError, LogisticsGateway, Shipment, TrackingEvent
from tenants.simulators.behaviour import simulate_call
from tenants.simulators.models import SimShipment

STAGES = ("picked_up", "in_transit", "out_for_delivery", "delivered")


class SimulatedLogistics(LogisticsGateway):
    name = "simulator"

    def _call(self):
        simulate_call(
            self.config,
            lambda: LogisticsError("courier system busy (simulated)", "busy", transient=True),
            default_latency=(10, 80),
        )

    def create_shipment(self, *, reference, recipient, phone, address, items, key):
        self._call()
        low, high = self.config.get("step_seconds", (3, 10))
        at, events = timezone.now(), []
        for stage in STAGES:
            at += dt.timedelta(seconds=random.uniform(float(low), float(high)))
            events.append({"status": stage, "at": at.isoformat(), "where": address.split(" ")[0][:20]})
        parcel = SimShipment(
            key=key,
            tracking_no="SF" + "".join(secrets.choice("0123456789") for _ in range(12)),
            courier="顺丰速运",
            city=address[:30],
            events=events,
        )
        # The first shipment of a key stays (INSERT … ON CONFLICT DO NOTHING: no savepoint, no race)
        SimShipment.objects.bulk_create([parcel], ignore_conflicts=True)
        courier, tracking_no = SimShipment.objects.filter(key=key).values_list("courier", "tracking_no").get()
        return Shipment(courier, tracking_no)

    def track(self, tracking_no):
        self._call()
        shipment = SimShipment.objects.filter(tracking_no=tracking_no).first()
        if shipment is None:
            raise LogisticsError("no such shipment", transient=False)
        now = timezone.now()
        return [
            TrackingEvent(e["status"], parse_datetime(e["at"]), e["where"])
            for e in shipment.events
            if parse_datetime(e["at"]) <= now
        ]
