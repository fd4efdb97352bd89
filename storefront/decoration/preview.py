"""Preview links: a signed, short-lived token naming one page version, for the editor's phone
frame and for sharing with a colleague who has no staff account.

Ids repeat in every carrier's schema, so the token names the carrier (its schema) and the page's
slug too: a link made at one carrier opens nothing at another."""

from django.core import signing

from core.tenancy import current_schema

SALT = "storefront.decoration.preview"
MAX_AGE_SECONDS = 30 * 60


def _subject(version) -> str:
    return f"{current_schema()}:{version.page.slug}:{version.page_id}:{version.pk}"


def make_token(version) -> str:
    return signing.TimestampSigner(salt=SALT).sign(_subject(version))


def token_allows(token: str, version) -> bool:
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token or "", max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return False
    return value == _subject(version)
