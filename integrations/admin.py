"""Staff issue and revoke API tokens; the secret is shown once, on the page after saving."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from integrations import tokens
from integrations.models import ApiToken
from integrations.scopes import SCOPES


class IssueTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"), choices=list(SCOPES.items()), widget=forms.CheckboxSelectMultiple
    )
    days = forms.IntegerField(label=_("valid for (days)"), min_value=1, max_value=3650, required=False)

    class Meta:
        model = ApiToken
        fields = ["name", "user", "scopes", "rate_per_minute"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "scope_list", "created_at", "expires_at", "last_used_at", "state"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    actions = ["revoke"]
    raw_id_fields = ["user"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = IssueTokenForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["name", "user", "prefix", "scopes", "created_at", "expires_at", "revoked_at", "last_used_at"]

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "user", "scopes", "days", "rate_per_minute"]
        return [
            "name",
            "user",
            "prefix",
            "scopes",
            "rate_per_minute",
            "created_at",
            "expires_at",
            "revoked_at",
            "last_used_at",
        ]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["rate_per_minute"])
            return
        token, secret = tokens.issue(
            form.cleaned_data["user"],
            form.cleaned_data["name"],
            form.cleaned_data["scopes"],
            days=form.cleaned_data.get("days"),
            rate_per_minute=form.cleaned_data["rate_per_minute"],
        )
        obj.pk = token.pk
        obj.refresh_from_db()
        messages.warning(request, _("The token, shown only now: %(secret)s") % {"secret": secret})

    @admin.display(description=_("scopes"))
    def scope_list(self, token: ApiToken) -> str:
        return ", ".join(token.scopes)

    @admin.display(description=_("state"))
    def state(self, token: ApiToken) -> str:
        if token.revoked_at:
            return str(_("revoked"))
        if token.expires_at and token.expires_at <= timezone.now():
            return str(_("expired"))
        return str(_("active"))

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        for token in queryset:
            tokens.revoke(token)
        self.message_user(request, _("Revoked."), messages.SUCCESS)
