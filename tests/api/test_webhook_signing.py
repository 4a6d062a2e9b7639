"""The signing against the Standard Webhooks specification: its own library verifies
what syn0 sends and signs what syn0 signs, and the README's verifier agrees."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import standardwebhooks

from syn0.webhooks import signing

README = Path(__file__).resolve().parents[2] / "README.md"


def test_a_secret_is_whsec_and_base64_of_32_random_bytes():
    secrets = {signing.new_secret() for _ in range(50)}
    assert len(secrets) == 50
    for secret in secrets:
        assert secret.startswith("whsec_")
        assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32


def test_the_specifications_library_verifies_and_signs_the_same():
    secret = signing.new_secret()
    at = datetime(2026, 11, 29, 7, 30, 1, 250000, tzinfo=UTC)
    payload = signing.body("job.succeeded", at, {"id": "j1", "status": "succeeded"})
    assert json.loads(payload) == {
        "type": "job.succeeded",
        "timestamp": "2026-11-29T07:30:01.250000Z",
        "data": {"id": "j1", "status": "succeeded"},
    }
    now = int(time.time())
    headers = signing.headers(secret, "msg_abc", now, payload)
    spec = standardwebhooks.Webhook(secret)
    assert spec.verify(payload, headers) == json.loads(payload)
    expected = spec.sign("msg_abc", datetime.fromtimestamp(now, UTC), payload)
    assert headers["webhook-signature"] == expected
    # a changed body, id or timestamp fails
    for changed in (
        {"webhook-id": "msg_abd"},
        {"webhook-timestamp": str(now - 1)},
    ):
        with pytest.raises(standardwebhooks.WebhookVerificationError):
            spec.verify(payload, {**headers, **changed})
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        spec.verify(payload.replace("j1", "j2"), headers)
    with pytest.raises(standardwebhooks.WebhookVerificationError):
        standardwebhooks.Webhook(signing.new_secret()).verify(payload, headers)


def test_the_readmes_verifier_accepts_a_delivery_and_refuses_a_forgery():
    (code,) = re.findall(
        r"```python\n(import base64, hashlib, hmac, time\n.*?)```", README.read_text(), re.S
    )
    namespace: dict = {}
    exec(code, namespace)
    verify = namespace["verify"]
    secret = signing.new_secret()
    payload = signing.body("model.alias_moved", datetime.now(UTC), {"alias": "production"})
    headers = signing.headers(secret, "msg_1", int(time.time()), payload)
    verify(secret, headers, payload.encode())
    with pytest.raises(ValueError, match="bad signature"):
        verify(secret, headers, payload.encode() + b" ")
    old = signing.headers(secret, "msg_1", int(time.time()) - 3600, payload)
    with pytest.raises(ValueError, match="too old"):
        verify(secret, old, payload.encode())
