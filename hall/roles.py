"""Staff roles of a carrier, as Django groups with model permissions: catalogue managers run
the catalogue, order handlers the carts and orders. Kept current after every migration."""
from django.utils.translation import gettext_lazy as _

ROLES = {
    "catalogue_manager": (_("Catalogue managers"), {"catalog": ["category", "offer", "offervariant",
                                                                 "offerimage", "city"]}),
    "order_handler": (_("Order handlers"), {"orders": ["cart", "cartline"], "catalog": []}),
}
ROLE_GROUP_NAMES = {"catalogue_manager": "商品管理员", "order_handler": "订单处理员"}


def ensure_staff_roles():
    from django.contrib.auth.models import Group, Permission

    for code, (_label, models) in ROLES.items():
        group, _created = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[code])
        wanted = Permission.objects.none()
        for app_label, model_names in models.items():
            wanted = wanted | Permission.objects.filter(content_type__app_label=app_label,
                                                        content_type__model__in=model_names)
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender, **kwargs):
    """post_migrate of the apps whose permissions the roles hold (auth's own receiver has made
    that app's permissions by then); carrier schemas only."""
    from django.db import connection

    if sender.label in {"catalog", "orders"} and connection.schema_name != "public":
        ensure_staff_roles()
