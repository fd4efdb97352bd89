"""The shop shell's pages: home, account. Number selection fills in with its issue."""
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

from hall.accounts import SignUpForm, create_subscriber


def home(request):
    return render(request, "hall/home.html", {"tab": "home"})


def coming_soon(tab, title):
    def view(request):
        return render(request, "hall/coming_soon.html", {"tab": tab, "title": title})
    view.__name__ = f"{tab}_coming_soon"
    return view


numbers = coming_soon("numbers", _("Choose a number"))


def account(request):
    return render(request, "hall/account.html", {"tab": "me"})


def sign_up(request):
    if request.user.is_authenticated:
        return redirect("account")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = create_subscriber(form.cleaned_data["phone"], form.cleaned_data["password1"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome! Your account is ready."))
        target = request.GET.get("next")
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
            return redirect(target)
        return redirect("account")
    return render(request, "hall/signup.html", {"tab": "me", "form": form})


class LoginView(auth_views.LoginView):
    template_name = "hall/login.html"
    extra_context = {"tab": "me"}
    redirect_authenticated_user = True
