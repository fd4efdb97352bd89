"""The simulated gateway's cashier page: what a payer sees after "pay" in the shop."""

from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from tenants import ports
from tenants.simulators import payment as cashier_actions
from tenants.simulators.models import SimPayment


@never_cache
def cashier(request, token):
    payment = get_object_or_404(SimPayment, token=token)
    error = ""
    if request.method == "POST":
        simulator = ports.payment(adapter="simulator")
        action = request.POST.get("action")
        try:
            if action == "pay":
                cashier_actions.pay(token, simulator)
                return HttpResponseRedirect(payment.return_url)
            if action == "fail":
                cashier_actions.fail(token, simulator)
                error = _("Payment failed (simulated): the card was declined. Try again or use another card.")
            elif action == "abandon":
                return HttpResponseRedirect(payment.return_url)
        except cashier_actions.CashierError:
            error = _("This payment has closed and can no longer be paid.")
        payment.refresh_from_db()
    return render(request, "simulators/cashier.html", {"payment": payment, "error": error})
