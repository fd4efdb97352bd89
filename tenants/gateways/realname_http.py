"""A protocol adapter for an HTTP JSON real-name provider, as the big ones work: JSON bodies,
requests signed with HMAC-SHA256 over method, path, timestamp and body (headers X-App-Id,
X-Timestamp, X-Signature), portrait base64-encoded. Configuration: base_url, app_id, secret,
timeout, and `identity_check: true` where the provider offers the two-factor check
(POST /v1/identity-checks {name, id_number} → {"match": true|false}). Point it at a provider's
endpoint (or a stand-in) by naming it in Carrier.gateways."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING

from tenants.gateways.realname import Decision, ProviderError, RealnameProvider

if TYPE_CHECKING:
    from tenants.models import Carrier  # the gateways sit below the models that name them


def signature(secret: str, method: str, path: str, timestamp: str, body: bytes) -> str:
    message = b"\n".join([method.encode(), path.encode(), timestamp.encode(), body])
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class HttpJsonRealnameProvider(RealnameProvider):
    name = "http-json"

    def __init__(self, carrier: Carrier | None, config: dict):
        super().__init__(carrier, config)
        self.supports_identity_check = bool(config.get("identity_check"))

    def _request(self, method: str, path: str, payload: dict | None = None) -> dict:
        body = json.dumps(payload, ensure_ascii=False).encode() if payload is not None else b""
        timestamp = str(int(time.time()))
        request = urllib.request.Request(
            self.config["base_url"].rstrip("/") + path,
            data=body or None,
            method=method,
            headers={
                "Content-Type": "application/json",
                "X-App-Id": self.config["app_id"],
                "X-Timestamp": timestamp,
                "X-Signature": signature(self.config["secret"], method, path, timestamp, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=float(self.config.get("timeout", 10))) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            raise ProviderError(
                f"provider answered {exc.code}", f"http_{exc.code}", transient=exc.code >= 500
            ) from None
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise ProviderError(f"provider unreachable: {type(exc).__name__}", "unreachable", transient=True) from None

    def submit(self, *, reference: str, name: str, id_number: str, portrait: bytes, liveness: dict):
        answer = self._request(
            "POST",
            "/v1/verifications",
            {
                "reference": reference,
                "name": name,
                "id_number": id_number,
                "portrait": base64.b64encode(portrait).decode(),
                "liveness": liveness,
            },
        )
        return str(answer["request_id"])

    def result(self, request_id):
        answer = self._request("GET", f"/v1/verifications/{request_id}")
        return Decision(answer.get("status", "pending"), answer.get("reason", ""))

    def check_identity(self, *, name: str, id_number: str):
        answer = self._request("POST", "/v1/identity-checks", {"name": name, "id_number": id_number})
        if "match" not in answer:
            raise ProviderError("provider's identity check answered without a result", "bad_answer", transient=True)
        return Decision("passed") if answer["match"] else Decision("failed", "mismatch")
