"""A subscriber signed in the way people sign in: a code texted to a fresh number (of another
carrier, so nothing is bound until a test binds it)."""

import random


def fresh_number() -> str:
    return f"139{random.randrange(10**8):08d}"


def signed_in_by_code(number: str | None = None):
    """(client, user) of a subscriber who just signed in by code on carrier alpha."""
    from django.contrib.auth.models import User

    from tests.support.clients import host_client
    from tests.support.telecom import sent_code

    number = number or fresh_number()
    client = host_client("alpha.localhost")
    client.post("/me/login/", {"action": "send", "number": number})
    client.post("/me/login/", {"action": "verify", "code": sent_code(number)})
    return client, User.objects.get(username=number)
