"""URLs of a carrier's host (<slug>.localhost): the shop, its staff admin and its API."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from analytics import dashboard_views as dashboard
from analytics import festival_views as festival
from analytics import views as analytics
from operators import errors, health, media
from selfcare import coupon_views
from selfcare import views as selfcare
from storefront import number_views, signin_views
from storefront import views as storefront
from storefront.decoration import preview_views as preview

urlpatterns = [
    path("", storefront.home, name="home"),
    path("", include("catalog.urls")),
    path("", include("orders.urls")),
    path("numbers/", number_views.numbers, name="numbers"),
    path("numbers/hold/", number_views.hold_number, name="number-hold"),
    path("numbers/held/<str:number>/", number_views.held, name="number-held"),
    path("p/<slug:slug>/", storefront.landing_page, name="landing-page"),
    path("agreements/<slug:kind>/", storefront.agreement, name="agreement"),
    path("preview/<slug:slug>/<int:version_id>/", preview.preview, name="decoration-preview"),
    path("admin/decoration/", include("storefront.decoration.editor_urls")),
    path("admin/dashboard/", dashboard.dashboard, name="staff-dashboard"),
    path("admin/festivals/<int:festival_id>/", admin.site.admin_view(festival.dashboard), name="festival-dashboard"),
    path(
        "admin/festivals/<int:festival_id>/figures.json",
        admin.site.admin_view(festival.dashboard_data),
        name="festival-dashboard-data",
    ),
    path("analytics/click/", analytics.block_click, name="analytics-click"),
    path("me/", selfcare.me, name="account"),
    path("me/coupons/", coupon_views.wallet, name="wallet"),
    path("coupons/claim/", coupon_views.claim, name="claim-coupon"),
    path("festival/<slug:slug>/", storefront.festival, name="festival"),
    path("me/numbers/bind/", selfcare.bind_number, name="bind-number"),
    path("me/numbers/<str:number>/", selfcare.number_action, name="number-action"),
    path("me/numbers/<str:number>/bills/", selfcare.bills, name="bills"),
    path("me/numbers/<str:number>/plan/", selfcare.plan, name="my-plan"),
    path("me/numbers/<str:number>/services/cancel/", selfcare.cancel_service, name="cancel-service"),
    path("me/numbers/<str:number>/bills/<str:period>/records/", selfcare.bill_records, name="bill-records"),
    path("me/login/", signin_views.sign_in, name="account-login"),
    path("me/signup/", signin_views.sign_in, name="account-signup"),  # one flow: the code makes the account
    path("me/password/", storefront.set_password, name="account-password"),
    path("me/logout/", auth_views.LogoutView.as_view(), name="account-logout"),
    path("api/", include("hall.urls_api")),
    path("tmf-api/", include("openapi_tmf.urls")),
    path("sim/", include("tenants.simulators.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("favicon.ico", media.favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("media/<path:path>", media.tenant_media, name="media"),
]

handler404 = errors.not_found
handler500 = errors.server_error
