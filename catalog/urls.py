from django.urls import path

from catalog import views

urlpatterns = [
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<slug:slug>/", views.category, name="category"),
    path("offers/<slug:slug>/", views.offer_detail, name="offer"),
    path("compare/", views.compare, name="compare"),
    path("compare/add/", views.compare_add, name="compare-add"),
    path("compare/remove/", views.compare_remove, name="compare-remove"),
    path("city/", views.set_city, name="set-city"),
]
