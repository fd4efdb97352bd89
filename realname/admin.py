"""Identities in the carrier's admin: masked always; a full value only for
staff with the reveal permission, one identity at a time, with a reason, audited."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.admin.readonly import ReadOnlyAdmin
from realname.models import Identity, RevealAudit
from realname.reveal import reveal


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


@admin.register(RevealAudit)
class RevealAuditAdmin(ReadOnlyAdmin):
    list_display = ("at", "staff_username", "identity_masked", "reason")
    search_fields = ("staff_username",)
