"""The shop shell's pages. Catalogue, numbers and cart fill in as their issues land."""
from django.contrib.auth import views as auth_views
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _


def home(request):
    return render(request, "hall/home.html", {"tab": "home"})


def coming_soon(tab, title):
    def view(request):
        return render(request, "hall/coming_soon.html", {"tab": tab, "title": title})
    view.__name__ = f"{tab}_coming_soon"
    return view


catalogue = coming_soon("catalogue", _("Catalogue"))
numbers = coming_soon("numbers", _("Choose a number"))
cart = coming_soon("cart", _("Cart"))


def account(request):
    return render(request, "hall/account.html", {"tab": "me"})


class LoginView(auth_views.LoginView):
    template_name = "hall/login.html"
    extra_context = {"tab": "me"}
    redirect_authenticated_user = True
