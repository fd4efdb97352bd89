from django.urls import path

from orders.views import cart as views
from orders.views import order as order_views
from orders.views import receipt as receipt_views
from orders.views import telecom as telecom_views
from orders.views import tickets as ticket_views

urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart-add"),
    path("cart/lines/<int:line_id>/quantity/", views.cart_quantity, name="cart-quantity"),
    path("cart/lines/<int:line_id>/remove/", views.cart_remove, name="cart-remove"),
    path("cart/codes/add/", views.cart_code_add, name="cart-code-add"),
    path("cart/codes/remove/", views.cart_code_remove, name="cart-code-remove"),
    path("checkout/", order_views.checkout_page, name="checkout"),
    path("topup/", order_views.top_up, name="top-up"),
    path("topup/balance/", order_views.top_up_balance, name="top-up-balance"),
    path("broadband/renew/", telecom_views.broadband_start, name="broadband-renew"),
    path("broadband/renew/<str:account>/", telecom_views.broadband_account, name="broadband-account"),
    path("deposit/", telecom_views.deposit_offers, name="deposit-offers"),
    path("deposit/<slug:code>/", telecom_views.deposit_offer, name="deposit-offer"),
    path("orders/", order_views.order_list, name="orders"),
    path("orders/<str:number>/", order_views.order_detail, name="order"),
    path("orders/<str:number>/pay/", order_views.order_pay, name="order-pay"),
    path("orders/<str:number>/pay/<str:token>/", order_views.order_pay_link, name="order-pay-link"),
    path("orders/<str:number>/receipt/", receipt_views.order_receipt, name="order-receipt"),
    path("orders/<str:number>/return/", order_views.order_return, name="order-return"),
    path("orders/<str:number>/cancel/", order_views.order_cancel, name="order-cancel"),
    path("orders/<str:number>/verify/", order_views.order_verify, name="order-verify"),
    path("orders/<str:number>/identity/", order_views.order_identity, name="order-identity"),
    path("orders/<str:number>/status.json", order_views.order_status, name="order-status"),
    path("orders/<str:number>/tickets/", ticket_views.open_ticket, name="order-ticket"),
    path("tickets/", ticket_views.ticket_list, name="tickets"),
    path("tickets/new/", ticket_views.open_ticket, name="ticket-new"),
    path("tickets/<int:pk>/", ticket_views.ticket_detail, name="ticket"),
]
