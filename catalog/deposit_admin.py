"""Staff configure deposit-for-credit offers in their admin."""

from django.contrib import admin

from catalog.deposit_offers import DepositOffer


@admin.register(DepositOffer)
class DepositOfferAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "deposit", "bonus", "months", "return_deposit_monthly", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name", "code")
