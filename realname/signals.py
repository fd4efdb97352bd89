"""What happens to a verification, for whoever listens: the order's workflow does
(`orders.fulfilment.verification` connects at start-up). realname never imports orders."""

from django.dispatch import Signal

# In the transaction that changed the verification. kwargs: verification, action, data
happened = Signal()
# A decision (passed or failed) was stored, in its transaction. kwargs: verification
decided = Signal()
# The deadline passed. `expiring` comes first, outside any transaction, for the carrier's side
# (numbers released at the BSS); `expired` in the transaction that marks it expired. kwargs: verification
expiring = Signal()
expired = Signal()
