"""/api/ on a carrier host: v1 endpoints, the OpenAPI schema and its docs page."""

from csp.decorators import csp_exempt
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from catalog.api import CategoryViewSet, OfferViewSet
from orders.api.cart import CartCodesView, CartCodeView, CartLinesView, CartLineView, CartView
from orders.api.orders import OrdersView, OrderView, payment_notify
from selfcare.api import (
    BillsView,
    BindNumbersView,
    CancelServiceView,
    MeView,
    PlanChangeView,
    PlanView,
    RecordsView,
    VerifyBindCodeView,
)
from selfcare.coupon_api import ClaimableView, ClaimView, WalletView
from storefront.number_api import NumberHoldView, NumberSearchView

router = DefaultRouter()
router.register("categories", CategoryViewSet, basename="api-category")
router.register("offers", OfferViewSet, basename="api-offer")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("v1/numbers/", NumberSearchView.as_view(), name="api-numbers"),
    path("v1/numbers/hold/", NumberHoldView.as_view(), name="api-number-hold"),
    path("v1/cart/", CartView.as_view(), name="api-cart"),
    path("v1/cart/lines/", CartLinesView.as_view(), name="api-cart-lines"),
    path("v1/cart/lines/<int:line_id>/", CartLineView.as_view(), name="api-cart-line"),
    path("v1/cart/codes/", CartCodesView.as_view(), name="api-cart-codes"),
    path("v1/cart/codes/<str:code>/", CartCodeView.as_view(), name="api-cart-code"),
    path("v1/coupons/", ClaimableView.as_view(), name="api-coupons"),
    path("v1/coupons/claim/", ClaimView.as_view(), name="api-coupon-claim"),
    path("v1/me/coupons/", WalletView.as_view(), name="api-me-coupons"),
    path("v1/orders/", OrdersView.as_view(), name="api-orders"),
    path("v1/orders/<str:number>/", OrderView.as_view(), name="api-order"),
    path("v1/me/", MeView.as_view(), name="api-me"),
    path("v1/me/numbers/", BindNumbersView.as_view(), name="api-me-bind"),
    path("v1/me/numbers/verify/", VerifyBindCodeView.as_view(), name="api-me-bind-verify"),
    path("v1/me/numbers/<str:number>/bills/", BillsView.as_view(), name="api-me-bills"),
    path("v1/me/numbers/<str:number>/plan/", PlanView.as_view(), name="api-me-plan"),
    path("v1/me/numbers/<str:number>/services/<str:code>/cancel/", CancelServiceView.as_view(), name="api-me-cancel"),
    path("v1/me/numbers/<str:number>/bills/<str:period>/records/", RecordsView.as_view(), name="api-me-records"),
    path("v1/me/numbers/<str:number>/plan-change/", PlanChangeView.as_view(), name="api-me-plan-change"),
    path("payments/notify/<slug:adapter>/", payment_notify, name="payment-notify"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # Swagger UI's page carries inline script; it is served from our own static files (sidecar).
    path("docs/", csp_exempt()(SpectacularSwaggerView.as_view(url_name="api-schema")), name="api-docs"),
]
