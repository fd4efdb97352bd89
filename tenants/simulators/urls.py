from django.urls import path

from . import views

urlpatterns = [
    path("pay/<str:token>/", views.cashier, name="sim-pay"),
]
