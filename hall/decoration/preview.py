"""Preview links: a signed, short-lived token naming one page version, for the editor's phone
frame and for sharing with a colleague who has no staff account."""
from django.core import signing

SALT = "hall.decoration.preview"
MAX_AGE_SECONDS = 30 * 60


def make_token(version) -> str:
    return signing.TimestampSigner(salt=SALT).sign(f"{version.page_id}:{version.pk}")


def token_allows(token: str, version) -> bool:
    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token or "", max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return False
    return value == f"{version.page_id}:{version.pk}"
