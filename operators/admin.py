from axes.admin import AccessAttemptAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, User
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin.sites import platform_site
from orders.health import carrier_health
from tenants.gateways import simulated_systems
from tenants.middleware import forget_hosts
from tenants.models import Carrier, CarrierGroup, Domain


class DomainInline(admin.TabularInline):
    model = Domain
    extra = 0


@admin.register(Carrier, site=platform_site)
class CarrierAdmin(admin.ModelAdmin):
    list_display = (
        "slug",
        "name",
        "simulated",
        "group",
        "kind",
        "status",
        "orders_today",
        "failed_steps",
        "queue_lag",
        "locked_staff",
        "created_at",
    )
    list_filter = ("status", "kind", "group")
    search_fields = ("slug", "name")
    readonly_fields = ("schema_name", "created_at")
    inlines = [DomainInline]
    actions = ["enable", "disable"]

    def _health(self, carrier) -> dict:
        if not hasattr(carrier, "_health"):
            carrier._health = carrier_health(carrier) if carrier.status != Carrier.Status.TEMPLATE else {}
        return carrier._health

    @admin.display(description=_("simulated systems"))
    def simulated(self, carrier):
        systems = simulated_systems(carrier)
        if not systems:
            return "—"
        return format_html_join(
            " ",
            '<span class="hall-badge-simulated" title="{}">{}</span>',
            ((_("This system is simulated: no real money or checks."), s) for s in systems),
        )

    @admin.display(description=_("staff locked out"))
    def locked_staff(self, carrier):
        names = self._health(carrier).get("lockouts") or []
        return format_html("<strong>{}</strong>", ", ".join(names)) if names else "—"

    @admin.display(description=_("orders today"))
    def orders_today(self, carrier):
        return self._health(carrier).get("orders_today", "—")

    @admin.display(description=_("failed steps"))
    def failed_steps(self, carrier):
        return self._health(carrier).get("failed_steps", "—")

    @admin.display(description=_("oldest waiting paid order (s)"))
    def queue_lag(self, carrier):
        return self._health(carrier).get("lag_seconds", "—")

    @admin.action(description=_("Enable the selected carriers (their shops answer again)"))
    def enable(self, request, queryset):
        changed = queryset.filter(status=Carrier.Status.SUSPENDED).update(status=Carrier.Status.ACTIVE)
        forget_hosts()  # update() sends no signal: every web process must see it at once
        self.message_user(request, _("%(n)d carriers enabled.") % {"n": changed})

    @admin.action(description=_("Disable the selected carriers (their hosts answer as unknown)"))
    def disable(self, request, queryset):
        changed = queryset.filter(status=Carrier.Status.ACTIVE).update(status=Carrier.Status.SUSPENDED)
        forget_hosts()
        self.message_user(request, _("%(n)d carriers disabled.") % {"n": changed})

    def get_queryset(self, request):
        # The public row and the template schema are platform machinery, not carriers to edit:
        # a domain on the template would let strangers write rows that every new carrier copies.
        return super().get_queryset(request).exclude(kind=Carrier.Kind.PLATFORM)

    def has_add_permission(self, request):
        return False  # carriers are created with `manage.py create_carrier` (schema + staff, atomically)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CarrierGroup, site=platform_site)
class CarrierGroupAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "numbers_per_id", "minimum_age")


platform_site.register(User, UserAdmin)
platform_site.register(Group, GroupAdmin)


# The platform admin's own sign-in attempts and lockouts (public schema); each carrier's are in
# its own admin and counted in the carrier list above.
platform_site.register(AccessAttempt, AccessAttemptAdmin)
platform_site.register(AccessLog, AccessLogAdmin)
