"""Carts (and, with checkout, orders) of one carrier's subscribers (tenant schema)."""
from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Offer, OfferVariant


class Cart(models.Model):
    """An anonymous visitor's cart is found by a random token kept in the session (the session
    key itself changes at sign-in); a signed-in subscriber's by the user. Signing in merges the
    first into the second."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="cart")
    token = models.CharField(max_length=32, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("cart")
        verbose_name_plural = _("carts")
        constraints = [
            models.CheckConstraint(condition=models.Q(user__isnull=False) | models.Q(token__isnull=False),
                                   name="cart_has_an_owner"),
        ]

    def __str__(self):
        return f"cart {self.pk}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="lines")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(OfferVariant, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)], default=1)
    # What the offer still needs before checkout (a chosen number, an installation address).
    details = models.JSONField(default=dict, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cart", "offer", "variant"], name="cart_line_unique",
                                    nulls_distinct=False),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="cart_line_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.offer} × {self.quantity}"
