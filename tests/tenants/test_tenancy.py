"""Host routing and tenant isolation."""

from django.contrib.auth import get_user_model
from django.db import connection
from django_tenants.utils import schema_context

from storefront.decoration.models import ShopAsset
from tests.support.clients import CARRIER_A, CARRIER_B, STAFF_PASSWORD, host_client, sign_in


def test_each_carrier_host_shows_its_own_name_and_colour(client_a, client_b):
    page_a = client_a.get("/").content.decode()
    page_b = client_b.get("/").content.decode()
    assert CARRIER_A["name"] in page_a and CARRIER_B["name"] not in page_a
    assert CARRIER_B["name"] in page_b and CARRIER_A["name"] not in page_b
    assert f"--hall-primary:{CARRIER_A['primary'].lower()}" in page_a
    assert f"--hall-primary:{CARRIER_B['primary'].lower()}" in page_b


def test_unknown_host_gets_a_friendly_404_not_a_debug_page(db, settings):
    settings.DEBUG = True  # even in debug mode, a stranger's host never sees Django's debug page
    response = host_client("nobody.localhost").get("/")
    body = response.content.decode()
    assert response.status_code == 404
    assert "nobody.localhost" in body and "没有" in body
    assert "Traceback" not in body and "URLconf" not in body


def test_public_host_lists_carriers_with_links_but_not_the_template(db):
    response = host_client("localhost").get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'href="http://alpha.localhost/"' in body and 'href="http://beta.localhost/"' in body
    assert CARRIER_A["name"] in body and CARRIER_B["name"] in body
    assert "carrier_template" not in body and "template" not in body.lower().split("<body")[1]


def test_a_row_made_in_carrier_a_is_invisible_from_carrier_b(carrier_a, carrier_b):
    with schema_context(carrier_a.schema_name):
        get_user_model().objects.create_user(username="13900000009", password="x-Secret-42")
        assert get_user_model().objects.filter(username="13900000009").exists()
    with schema_context(carrier_b.schema_name):
        assert not get_user_model().objects.filter(username="13900000009").exists()
    # and nothing leaked into the public schema's own user table
    assert connection.schema_name == "public"
    assert not get_user_model().objects.filter(username="13900000009").exists()


def test_staff_of_carrier_a_cannot_sign_in_on_carrier_b(client_a, client_b):
    assert sign_in(client_a, "admin", STAFF_PASSWORD)
    assert client_a.get("/admin/").status_code == 200
    session_cookie = client_a.cookies["sessionid"].value
    client_b.cookies["sessionid"] = session_cookie  # replay A's session on B's host
    response = client_b.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_carrier_admin_does_not_expose_other_carriers(client_a):
    assert sign_in(client_a, "admin", STAFF_PASSWORD)
    index = client_a.get("/admin/").content.decode()
    assert "tenants/carrier" not in index and CARRIER_B["name"] not in index
    assert client_a.get("/admin/tenants/carrier/").status_code == 404


def test_uploads_are_served_only_on_their_own_carriers_host(carrier_a, client_a, client_b):
    from django.core.files.base import ContentFile

    with schema_context(carrier_a.schema_name):
        asset = ShopAsset(title="logo")
        asset.image.save("logo-test.png", ContentFile(b"\x89PNG fake"), save=True)
        url = asset.image.url
    assert url.startswith(f"/media/{carrier_a.schema_name}/")
    assert client_a.get(url).status_code == 200
    assert client_b.get(url).status_code == 404


def test_theme_colours_reach_css_only_as_hex():
    from storefront.decoration.theme import css_variables

    css = css_variables(
        {
            "primary": "red;}body{background:url(//evil)}",
            "on_primary": "#FFFFFF",
            "accent": "#00ff00",
            "radius": "9px;}",
            "font_scale": "expression(alert(1))",
        }
    )
    assert "evil" not in css and "expression" not in css
    assert "--hall-primary:#c8102e;" in css and "--hall-accent:#00ff00;" in css and "--hall-radius:12px;" in css


def test_host_lookup_is_cached_for_a_few_seconds(client_a, settings):
    from django.test.utils import CaptureQueriesContext

    from tenants.middleware import CachedTenantMiddleware

    settings.HALL_TENANT_CACHE_SECONDS = 60
    CachedTenantMiddleware.forget()
    try:
        with CaptureQueriesContext(connection) as first:
            client_a.get("/healthz")
        with CaptureQueriesContext(connection) as second:
            client_a.get("/healthz")
        assert any("tenants_domain" in q["sql"] for q in first.captured_queries)
        assert not any("tenants_domain" in q["sql"] for q in second.captured_queries)
        assert host_client("nobody.localhost").get("/").status_code == 404  # misses are not cached
    finally:
        CachedTenantMiddleware.forget()


def test_suspended_carrier_answers_like_an_unknown_host(carrier_b, client_b):
    from tenants.models import Carrier

    Carrier.objects.filter(pk=carrier_b.pk).update(status=Carrier.Status.SUSPENDED)
    for path in ("/", "/admin/login/", "/api/v1/offers/"):
        response = client_b.get(path)
        assert response.status_code == 404 and "没有这个店铺" in response.content.decode()


def test_host_names_ignore_case(db):
    assert CARRIER_A["name"] in host_client("ALPHA.LocalHost").get("/").content.decode()


def test_platform_admin_never_lists_the_template_or_public_rows(db):
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_superuser("ops", password="Ops-pass-2026")
    client = host_client("localhost")
    assert sign_in(client, "ops", "Ops-pass-2026")
    listing = client.get("/admin/tenants/carrier/").content.decode()
    assert "alpha" in listing and "carrier-template" not in listing and ">public<" not in listing


def test_nul_bytes_and_junk_never_reach_the_database(client_a):
    assert client_a.post("/city/", {"city": "\x00"}, follow=True).status_code == 400
    assert client_a.get("/api/v1/offers/", {"city": "\x00"}).status_code == 400
    assert client_a.get("/api/v1/offers/%00/").status_code in (400, 404)
    assert client_a.get("/api/v1/categories/%00/").status_code in (400, 404)
    assert client_a.get("/catalogue/", {"q": "\x00"}).status_code == 400


def test_server_errors_get_a_plain_page_without_touching_the_database(rf):
    from operators.errors import server_error

    response = server_error(rf.get("/"))
    assert response.status_code == 500 and "系统繁忙" in response.content.decode()


def test_favicon_is_served_on_every_host(client_a):
    for client in (client_a, host_client("localhost")):
        response = client.get("/favicon.ico")
        assert response.status_code == 302 and response["Location"].endswith(".svg"), response.status_code
    assert 'rel="icon"' in client_a.get("/").content.decode()
    assert 'rel="icon"' in client_a.get("/admin/login/").content.decode()


def test_a_missing_page_in_a_shop_keeps_the_shops_header_and_tabs(client_a):
    response = client_a.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404 and 'data-testid="not-found"' in page
    assert 'class="tab-bar"' in page and CARRIER_A["name"] in page
    assert host_client("localhost").get("/no-such-page/").status_code == 404  # the public host: plain page


def _schema_in_use() -> str:
    """The schema PostgreSQL resolves names in right now (not what the connection believes)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        return cursor.fetchone()[0]


def test_one_search_path_per_tenant_and_none_stale_after_a_savepoint_rollback(carrier_a, carrier_b):
    """TENANT_LIMIT_SET_CALLS: the search_path is sent once, not per cursor; a savepoint rolled back
    undoes a SET made inside it, and the next cursor sends it again instead of trusting it."""
    import contextlib

    from django.db import transaction
    from django.test.utils import CaptureQueriesContext

    connection.set_tenant(carrier_a)
    with CaptureQueriesContext(connection) as sent:
        assert _schema_in_use() == carrier_a.schema_name
        assert _schema_in_use() == carrier_a.schema_name
    assert [q["sql"].startswith("SET search_path") for q in sent.captured_queries] == [True, False, False]

    with contextlib.suppress(RuntimeError), transaction.atomic():  # switched inside, rolled back
        connection.set_tenant(carrier_b)
        assert _schema_in_use() == carrier_b.schema_name
        raise RuntimeError
    assert connection.schema_name == carrier_b.schema_name  # the switch itself stays
    assert _schema_in_use() == carrier_b.schema_name  # PostgreSQL went back to A: sent again

    connection.set_tenant(carrier_a)
    with contextlib.suppress(RuntimeError), transaction.atomic():  # switched before, first sent inside
        assert _schema_in_use() == carrier_a.schema_name
        raise RuntimeError
    assert _schema_in_use() == carrier_a.schema_name


def test_no_stale_search_path_after_a_transaction_rolls_back(carrier_a, carrier_b, django_db_blocker):
    """The same for a whole transaction (its own connection, so a real BEGIN and ROLLBACK)."""
    import contextlib

    from django.db import transaction

    from tests.support.clients import in_own_connection

    def work():
        connection.set_tenant(carrier_a)
        assert _schema_in_use() == carrier_a.schema_name  # set outside a transaction: it stays
        with contextlib.suppress(RuntimeError), transaction.atomic():
            connection.set_tenant(carrier_b)
            assert _schema_in_use() == carrier_b.schema_name
            raise RuntimeError
        return _schema_in_use()

    with django_db_blocker.unblock():
        assert in_own_connection(work) == carrier_b.schema_name
