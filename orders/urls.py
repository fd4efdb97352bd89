from django.urls import path

from . import views

urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart-add"),
    path("cart/lines/<int:line_id>/quantity/", views.cart_quantity, name="cart-quantity"),
    path("cart/lines/<int:line_id>/remove/", views.cart_remove, name="cart-remove"),
]
