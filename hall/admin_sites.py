from django.contrib.admin import AdminSite
from django.utils.translation import gettext_lazy as _


class PlatformAdminSite(AdminSite):
    """The platform operators' admin on the public host. Carrier rows are registered here only,
    never on a carrier's own admin, so a carrier's staff cannot see other carriers."""

    site_header = _("Hall platform administration")
    site_title = _("Hall platform")
    index_title = _("Carriers and platform operators")


platform_site = PlatformAdminSite(name="platform_admin")
