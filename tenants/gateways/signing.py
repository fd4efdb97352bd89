"""Signing gateway messages: HMAC-SHA256 with a shared key, or RSA (SHA-256, PKCS#1 v1.5, as
Alipay's "RSA2") with the gateway's key pair. The signed string is the sorted `key=value` pairs
without `sign` and `sign_type`, as the big Chinese gateways do it."""

from __future__ import annotations

import base64
import hashlib
import hmac

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

UNSIGNED = {"sign", "sign_type"}


def canonical(fields: dict) -> bytes:
    pairs = sorted((k, str(v)) for k, v in fields.items() if k not in UNSIGNED and v not in (None, ""))
    return "&".join(f"{k}={v}" for k, v in pairs).encode()


class HmacSigner:
    sign_type = "HMAC-SHA256"

    def __init__(self, secret: bytes):
        self.secret = secret

    def sign(self, fields: dict) -> str:
        return hmac.new(self.secret, canonical(fields), hashlib.sha256).hexdigest()

    def verify(self, fields: dict) -> bool:
        given = str(fields.get("sign") or "")
        return fields.get("sign_type") == self.sign_type and hmac.compare_digest(given, self.sign(fields))


class RsaSigner:
    """Signs with the private key (the gateway's side) and verifies with the public key (ours)."""

    sign_type = "RSA2"

    def __init__(self, public_pem: str, private_pem: str = ""):
        public_key = serialization.load_pem_public_key(public_pem.encode())
        private_key = serialization.load_pem_private_key(private_pem.encode(), None) if private_pem else None
        # RSA2 means RSA: a configured EC or Ed25519 key is a configuration mistake, said at once
        if not isinstance(public_key, rsa.RSAPublicKey) or not (
            private_key is None or isinstance(private_key, rsa.RSAPrivateKey)
        ):
            raise ValueError("RSA2 signing needs RSA keys")
        self.public_key: rsa.RSAPublicKey = public_key
        self.private_key: rsa.RSAPrivateKey | None = private_key

    def sign(self, fields: dict) -> str:
        if self.private_key is None:
            raise ValueError("signing needs the private key")
        signature = self.private_key.sign(canonical(fields), padding.PKCS1v15(), hashes.SHA256())
        return base64.b64encode(signature).decode()

    def verify(self, fields: dict) -> bool:
        if fields.get("sign_type") != self.sign_type:
            return False
        try:
            self.public_key.verify(
                base64.b64decode(str(fields.get("sign") or ""), validate=True),
                canonical(fields),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            return False
        return True


def signed(fields: dict, signer: HmacSigner | RsaSigner) -> dict:
    fields = {k: v for k, v in fields.items() if k not in UNSIGNED}
    fields["sign_type"] = signer.sign_type
    fields["sign"] = signer.sign(fields)
    return fields
