"""The facades' OpenAPI says what they answer: schemathesis drives the real server (gunicorn on
the test database) from /tmf-api/schema with a partner's token of every scope, and fails on any
5xx and any status, content type, header or body the schema does not document."""

import json
import urllib.request
import uuid

import pytest

from tests.support.fuzz import run_schemathesis
from tests.support.live_server import database_env, gunicorn
from tests.support.tmf import catalogue_marks, remove_catalogue_after

HOST = "alpha.localhost"
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def tmf_server(django_db_setup):
    env = database_env(DJANGO_SETTINGS_MODULE="tests.support.api_schema_settings")
    with gunicorn(env, workers=3) as server:
        yield server


@pytest.fixture(scope="module")
def partner(django_db_setup, django_db_blocker):
    from django.contrib.auth import get_user_model
    from django_tenants.utils import schema_context

    from integrations import tokens
    from integrations.scopes import SCOPES
    from tenants.models import Carrier

    with django_db_blocker.unblock():
        schema = Carrier.objects.get(domains__domain=HOST).schema_name
        with schema_context(schema):
            user = get_user_model().objects.create_user(f"fuzz-{uuid.uuid4().hex[:8]}")
            _token, secret = tokens.issue(user, "fuzz", [s for s in SCOPES if s != "order:prepaid"])
            before = catalogue_marks()
        yield secret
        with schema_context(schema):
            from orders.models import Order

            Order.objects.filter(user=user).delete()
            remove_catalogue_after(before)  # the shop's own tests read alpha's committed catalogue
            from integrations.models import Subscription

            Subscription.objects.filter(token__user=user).delete()  # the hubs the fuzzer registered
            user.delete()


def test_schema_is_served_and_linked(tmf_server):
    request = urllib.request.Request(f"http://127.0.0.1:{tmf_server.port}/tmf-api/schema", headers={"Host": HOST})
    schema = json.load(urllib.request.urlopen(request))
    assert "/tmf-api/productOrderingManagement/v4/productOrder" in schema["paths"]
    assert "/tmf-api/productCatalogManagement/v4/productOffering/{ident}" in schema["paths"]
    docs = urllib.request.Request(f"http://127.0.0.1:{tmf_server.port}/api/schema/?format=json", headers={"Host": HOST})
    assert "/tmf-api/docs" in json.load(urllib.request.urlopen(docs))["info"]["description"]


def test_facades_answer_as_their_schema_says(tmf_server, partner):
    code, output = run_schemathesis(tmf_server.port, "/tmf-api/schema", HOST, f"Authorization: Bearer {partner}")
    print(output)
    assert code == 0, f"schemathesis found problems:\n{output[-12000:]}\n--- server log ---\n{tmf_server.log_tail()}"
    summary = output[output.rindex("SUMMARY") :]
    assert " passed" in summary, summary
