"""What the shop's order pages tell listeners (analytics) about a visitor's steps. The pages send;
they never import a listener. Each signal's keyword arguments are listed beside it."""

from django.dispatch import Signal

line_added = Signal()  # request, line: a CartLine just added to the cart
checkout_started = Signal()  # request, offer_kind: the checkout page was shown for a cart
order_handed_to_payment = Signal()  # request, order: the order this visitor placed goes to payment
