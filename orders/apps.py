from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from core.tenancy import in_public


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = _("Orders")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from orders import webhooks
        from orders.cart.visitor import adopt_session_cart
        from orders.models import Verification
        from realname import retention

        webhooks.register()  # Hall's JSON of orders, payments and tickets for the outbox
        retention.encrypted_bytes(Verification, "portrait_encrypted", "portrait")  # rotated with the keys

        def merge_cart_on_sign_in(sender, request, user, **kwargs):
            # Carts live in carrier schemas; the public host's operators have none.
            if request is not None and not in_public():
                adopt_session_cart(request, user)

        # weak=False: the receiver is a closure that would otherwise be collected right away.
        user_logged_in.connect(merge_cart_on_sign_in, weak=False, dispatch_uid="orders.merge_cart_on_sign_in")
