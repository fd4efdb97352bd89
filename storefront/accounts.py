"""Subscriber accounts of one carrier: sign-up with a mobile number and a password."""

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.utils.translation import gettext_lazy as _

from core.phone import MOBILE_NUMBER


class SignUpForm(forms.Form):
    phone = forms.CharField(label=_("Mobile number"), max_length=20)
    password1 = forms.CharField(label=_("Password"), widget=forms.PasswordInput, strip=False)
    password2 = forms.CharField(label=_("Password again"), widget=forms.PasswordInput, strip=False)

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        if not MOBILE_NUMBER.match(phone):
            raise forms.ValidationError(_("Enter an 11-digit mainland mobile number starting with 1."))
        if get_user_model().objects.filter(username=phone).exists():
            raise forms.ValidationError(_("This number already has an account. Sign in instead."))
        return phone

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password1") != data.get("password2"):
            self.add_error("password2", _("The two passwords differ."))
        elif data.get("password1"):
            user = get_user_model()(username=data.get("phone", ""))
            try:
                password_validation.validate_password(data["password1"], user)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return data


def create_subscriber(phone: str, password: str):
    return get_user_model().objects.create_user(username=phone, password=password)
