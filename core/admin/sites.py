from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.utils.translation import gettext_lazy as _


class StaffAuthenticationForm(AdminAuthenticationForm):
    """Django's stock wording ("注意，两者都区分大小写") in our own, for staff and operators."""

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "invalid_login": _("The username or the password is wrong, or the account is not a staff account."),
    }


class PlatformAdminSite(AdminSite):
    """The platform operators' admin on the public host. Carrier rows are registered here only,
    never on a carrier's own admin, so a carrier's staff cannot see other carriers."""

    site_header = _("Hall platform administration")
    site_title = _("Hall platform")
    index_title = _("Carriers and platform operators")
    login_form = StaffAuthenticationForm


platform_site = PlatformAdminSite(name="platform_admin")
