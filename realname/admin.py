"""Identities and verifications in the carrier's admin: masked always; a full value only for
staff with the reveal permission, one identity at a time, with a reason, audited."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.admin.readonly import ReadOnlyAdmin
from realname.models import Identity, RevealAudit, Verification
from realname.reveal import reveal
from realname.services import reason_text

PROVIDERS = {"simulator": _("the built-in simulated provider"), "http-json": _("HTTP JSON provider")}
PRECHECK = {  # how the name + ID check before the order went (realname.services.check_before_order)
    "passed": _("passed before the order"),
    "skipped": _("not offered by the provider"),
    "unavailable": _("provider unavailable: checked later"),
}


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Why you need the full value"), max_length=200, min_length=4)


@admin.register(Identity)
class IdentityAdmin(ReadOnlyAdmin):
    list_display = ("name_masked", "id_number_masked", "created_at")
    fields = ("name_masked", "id_number_masked", "created_at")
    change_form_template = "admin/realname/identity/change_form.html"

    def get_urls(self):
        view = self.admin_site.admin_view(self.reveal_view)
        return [path("<int:identity_id>/reveal/", view, name="realname_identity_reveal"), *super().get_urls()]

    def reveal_view(self, request, identity_id):
        if not request.user.has_perm("realname.reveal_identity"):
            raise PermissionDenied
        identity = get_object_or_404(Identity, pk=identity_id)
        form = RevealForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            name, id_number = reveal(identity, request.user, form.cleaned_data["reason"])
            response = render(
                request,
                "admin/realname/identity/revealed.html",
                {
                    **self.admin_site.each_context(request),
                    "identity": identity,
                    "name": name,
                    "id_number": id_number,
                    "title": _("Full identity"),
                },
            )
            response["Cache-Control"] = "no-store"
            return response
        if request.method == "POST":
            messages.error(request, _("Give a reason of at least 4 characters."))
            return redirect("admin:realname_identity_change", identity_id)
        return redirect("admin:realname_identity_change", identity_id)


@admin.register(Verification)
class VerificationAdmin(ReadOnlyAdmin):
    list_display = ("order", "status", "why", "name_id_check", "attempts", "deadline", "decided_at")
    list_filter = ("status",)
    fields = (
        "order",
        "identity",
        "status",
        "why",
        "name_id_check",
        "attempts",
        "provider_shown",
        "provider_ref",
        "deadline",
        "reminders",
        "submitted_at",
        "decided_at",
    )
    readonly_fields = ("why", "name_id_check", "provider_shown", "reminders")
    list_select_related = ("order",)

    @admin.display(description=_("reason"), ordering="reason")
    def why(self, verification):
        return reason_text(verification) if verification.reason else "—"

    @admin.display(description=_("name and ID check before the order"), ordering="precheck")
    def name_id_check(self, verification):
        return PRECHECK.get(verification.precheck, verification.precheck or "—")

    @admin.display(description=_("provider"), ordering="provider")
    def provider_shown(self, verification):
        return PROVIDERS.get(verification.provider, verification.provider or "—")

    @admin.display(description=_("reminders sent (days left)"))
    def reminders(self, verification):
        return "、".join(str(d) for d in verification.reminders_sent or []) or "—"


@admin.register(RevealAudit)
class RevealAuditAdmin(ReadOnlyAdmin):
    list_display = ("at", "staff_username", "identity_masked", "reason")
    search_fields = ("staff_username",)
