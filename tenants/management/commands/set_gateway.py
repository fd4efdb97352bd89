"""Point one of a carrier's systems at an adapter, or opt a simulator in for a demo site. Works
while production refuses to start (it is a command, not a page), so the fix is always at hand."""

from __future__ import annotations

import json

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from core.commands import HallCommand
from tenants.gateways import ADAPTERS, is_simulated
from tenants.models import Carrier


class Command(HallCommand):
    help = "Set Carrier.gateways[SYSTEM]: its adapter, options, and allow_in_production for a simulator."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--carrier", required=True, help="the carrier's slug")
        parser.add_argument("--system", required=True, choices=sorted(ADAPTERS))
        parser.add_argument("--adapter", help="adapter name, e.g. simulator")
        parser.add_argument(
            "--option",
            action="append",
            default=[],
            metavar="KEY=JSON",
            help="an adapter option, the value as JSON (e.g. latency_ms=[0,50]); repeatable",
        )
        allow = parser.add_mutually_exclusive_group()
        allow.add_argument(
            "--allow-in-production",
            dest="allow",
            action="store_true",
            default=None,
            help="let production use this simulator (a demo site only)",
        )
        allow.add_argument("--refuse-in-production", dest="allow", action="store_false")

    def handle(self, *args, **opts) -> None:
        system = opts["system"]
        if opts["adapter"] and opts["adapter"] not in ADAPTERS[system]:
            raise CommandError(
                _("No %(system)s adapter named “%(adapter)s”; known: %(known)s.")
                % {"system": system, "adapter": opts["adapter"], "known": ", ".join(ADAPTERS[system])}
            )
        options = {}
        for item in opts["option"]:
            key, sep, raw = item.partition("=")
            if not sep or not key:
                raise CommandError(_("--option needs KEY=JSON, not “%(item)s”.") % {"item": item})
            try:
                options[key] = json.loads(raw)
            except ValueError:
                options[key] = raw  # a plain string
        with transaction.atomic():
            carrier = Carrier.objects.select_for_update().filter(slug=opts["carrier"]).first()
            if carrier is None:
                raise CommandError(
                    _("No carrier “%(slug)s” (see `manage.py list_carriers`).") % {"slug": opts["carrier"]}
                )
            config = dict((carrier.gateways or {}).get(system) or {})
            if opts["adapter"]:
                config["adapter"] = opts["adapter"]
            config.update(options)
            if opts["allow"] is True:
                config["allow_in_production"] = True
            elif opts["allow"] is False:
                config.pop("allow_in_production", None)
            carrier.gateways = {**(carrier.gateways or {}), system: config}
            carrier.save(update_fields=["gateways"])
        self.table(
            [_("carrier"), _("system"), _("settings"), _("adapter")],
            [
                (
                    carrier.slug,
                    system,
                    json.dumps(config, ensure_ascii=False),
                    _("a simulator") if is_simulated(system, carrier) else _("a real adapter"),
                )
            ],
        )
