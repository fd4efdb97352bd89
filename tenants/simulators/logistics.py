"""The built-in courier simulator: a shipment is picked up, in transit, out for delivery and
delivered, each after `step_seconds` [min, max] (default [3, 10]); tracking shows the events
whose time has come. latency_ms and error_rate as the other simulators."""

from __future__ import annotations

import datetime as dt
import random
import secrets

from django.db import connection
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
        # The first shipment of a key stays: one INSERT … ON CONFLICT that returns the stored parcel
        # (no savepoint, no race); the ORM's upsert returns only the id, hence the SQL.
        table = connection.ops.quote_name(SimShipment._meta.db_table)
        events_field = SimShipment._meta.get_field("events")
        with connection.cursor() as cursor:
            cursor.execute(
                f'INSERT INTO {table} ("key", tracking_no, courier, city, events, created_at) '
                'VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT ("key") DO UPDATE SET "key" = EXCLUDED."key" '
                "RETURNING courier, tracking_no",
                [
                    parcel.key,
                    parcel.tracking_no,
                    parcel.courier,
                    parcel.city,
                    events_field.get_db_prep_value(parcel.events, connection),
                    timezone.now(),
                ],
            )
            courier, tracking_no = cursor.fetchone()
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
