"""Staff roles of a carrier, as Django groups with model permissions: catalogue managers run
the catalogue, order handlers the carts and orders, promotion managers make promotions and
approvers approve, publish and pause them. Kept current after every migration."""

from django.utils.translation import gettext_lazy as _

from core.tenancy import PUBLIC, in_public

# Staff who make promotions: add, change and view them, their batches and festivals; read coupons
# and redemptions (services write those). Approving, publishing and pausing is the approver's.
PROMOTION_WORK = [
    *(f"{verb}_{model}" for verb in ("add", "change", "view") for model in ("promotion", "couponbatch", "festival")),
    "view_coupon",
    "view_redemption",
]
ROLES = {
    "catalogue_manager": (
        _("Catalogue managers"),
        {"catalog": ["category", "offer", "offervariant", "offerimage", "city", "depositoffer"]},
    ),
    "order_handler": (
        _("Order handlers"),
        {
            "orders": [
                "cart",
                "cartline",
                "order",
                "orderline",
                "orderevent",
                "payment",
                "refund",
                "act_on_order",
                "ticket",
                "ticketevent",
            ],
            "catalog": [],
        },
    ),
    "shop_designer": (_("Shop designers"), {"shop": ["decorate_page", "shopasset"]}),
    "shop_publisher": (_("Shop publishers"), {"shop": ["decorate_page", "publish_page", "shopasset"]}),
    # Codenames, not models: a manager must not hold approve_promotion (four eyes).
    "promotion_manager": (_("Promotion managers"), {"promotions": PROMOTION_WORK}),
    "promotion_approver": (_("Promotion approvers"), {"promotions": [*PROMOTION_WORK, "approve_promotion"]}),
}
ROLE_GROUP_NAMES = {
    "catalogue_manager": "商品管理员",
    "order_handler": "订单处理员",
    "shop_designer": "店铺装修员",
    "shop_publisher": "店铺发布员",
    "promotion_manager": "促销管理员",
    "promotion_approver": "促销审核员",
}


def ensure_staff_roles():
    from django.contrib.auth.models import Group, Permission
    from django.db.models import Q

    for code, (_label, models) in ROLES.items():
        group, _created = Group.objects.get_or_create(name=ROLE_GROUP_NAMES[code])
        wanted = Permission.objects.none()
        for app_label, names in models.items():
            # a name is a model (all its permissions) or a single permission codename
            wanted = wanted | Permission.objects.filter(
                Q(content_type__model__in=names) | Q(codename__in=names), content_type__app_label=app_label
            )
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender, **kwargs):
    """post_migrate of the apps whose permissions the roles hold (auth's own receiver has made
    that app's permissions by then); carrier schemas only."""

    if sender.label in {"shop", "catalog", "numberpool", "orders", "promotions"} and not in_public():
        ensure_staff_roles()


def sync_roles_in_new_schema(sender, tenant, **kwargs) -> None:
    """A new carrier's schema, copied from the template without running post_migrate: the roles
    follow this code even when the template was last migrated by older code."""
    from django_tenants.utils import schema_context

    if tenant.schema_name == PUBLIC:  # django-tenants sends it for the public row's save too
        return
    with schema_context(tenant.schema_name):
        ensure_staff_roles()
