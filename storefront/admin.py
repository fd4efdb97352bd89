from django.apps import apps
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group, Permission, User
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.admin.sites import StaffAuthenticationForm

admin.site.site_header = _("Shop administration")
admin.site.site_title = _("Shop administration")
admin.site.index_template = "admin/shop_index.html"  # adds the decoration editor to the admin home
admin.site.login_form = StaffAuthenticationForm

# django-axes ships no Chinese: its app is named here, and the words it shows staff are in our
# catalogue (same msgids, so its own gettext calls find them).
apps.get_app_config("axes").verbose_name = _("Sign-in attempts and lockouts")


def _axes_titles() -> None:
    """axes names its rows in English ("Access Log for admin @ …"), and a row's name is its admin
    page's title: the same facts in the staff member's language."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django.utils.formats import date_format
    from django.utils.timezone import localtime

    def when(row) -> str:
        return date_format(localtime(row.attempt_time), "Y-m-d H:i:s")

    AccessLog.__str__ = lambda row: (
        gettext("Sign-in by %(user)s at %(when)s") % {"user": row.username, "when": when(row)}
    )
    AccessAttempt.__str__ = lambda row: (
        gettext("Failed sign-ins by %(user)s since %(when)s") % {"user": row.username, "when": when(row)}
    )
    AccessFailureLog.__str__ = lambda row: (
        gettext("Failed sign-in by %(user)s at %(when)s") % {"user": row.username, "when": when(row)}
    )


_axes_titles()
AXES_WORDS = (
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("Access lock out"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Expires At"),
    gettext_noop("Locked Out"),
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Access Attempt"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
)


# Django's own words that its Chinese catalogue lacks (5.2's new user-add texts).
DJANGO_WORDS = (
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop(
        "Whether the user will be able to authenticate using a password or not. If disabled, they may "
        "still be able to authenticate using other backends, such as Single Sign-On or LDAP."
    ),
)

PERMISSION_VERBS = {
    "add": pgettext_lazy("permission", "add"),
    "change": pgettext_lazy("permission", "change"),
    "delete": pgettext_lazy("permission", "delete"),
    "view": pgettext_lazy("permission", "view"),
}


def permission_label(permission: Permission) -> str:
    """“订单 | 查看 订单” instead of Django's stored English “orders | order | Can view order”."""
    content_type = permission.content_type
    model = content_type.model_class()
    app = apps.get_app_config(content_type.app_label).verbose_name if model else content_type.app_label
    verb, _sep, rest = permission.codename.partition("_")
    if model is not None and verb in PERMISSION_VERBS and rest == content_type.model:
        return f"{app} | {PERMISSION_VERBS[verb]} {model._meta.verbose_name}"
    return f"{app} | {gettext(permission.name)}"  # our own permissions' names are msgids


class PermissionLabels:
    def formfield_for_manytomany(self, db_field, request, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions") and field is not None:
            field.label_from_instance = permission_label
        return field


class CarrierUserAdmin(PermissionLabels, UserAdmin):
    pass


class CarrierGroupAdmin(PermissionLabels, GroupAdmin):
    pass


admin.site.unregister(User)
admin.site.unregister(Group)
admin.site.register(User, CarrierUserAdmin)
admin.site.register(Group, CarrierGroupAdmin)
