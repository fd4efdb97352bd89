"""What an API token may do. A scope names a resource family and read or write; `order:prepaid`
lets a partner that settles with the carrier place orders that start paid."""

from django.utils.translation import gettext_lazy as _

SCOPES: dict[str, object] = {
    "catalog:read": _("Read the catalogue"),
    "catalog:write": _("Change the catalogue"),
    "order:read": _("Read orders"),
    "order:write": _("Place and cancel orders"),
    "order:prepaid": _("Place orders that start paid (the partner settles with the carrier)"),
    "inventory:read": _("Read numbers and subscribers' products"),
    "inventory:write": _("Reserve numbers"),
    "balance:read": _("Read prepaid balances"),
    "balance:write": _("Top up prepaid balances"),
    "ticket:read": _("Read after-sales tickets"),
    "ticket:write": _("Open and update after-sales tickets"),
    "events:write": _("Register event subscriptions"),
}
READ_SCOPES = [scope for scope in SCOPES if scope.endswith(":read")]
