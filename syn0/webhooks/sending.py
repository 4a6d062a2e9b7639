"""One try of a delivery over HTTP: the URL checked again, the connection pinned to the
addresses that passed, the signed body POSTed, redirects not followed, the reply's body
never read."""

from __future__ import annotations

import ssl
import time
from dataclasses import dataclass

import httpx

from syn0.webhooks import signing, urls

USER_AGENT = "syn0-webhooks/1"
ERROR_CHARS = 500


@dataclass(frozen=True)
class Outcome:
    """What a try got: a status code, or the error that left none; its duration."""

    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def client(timeout_seconds: float, verify: ssl.SSLContext | bool = True) -> httpx.Client:
    """The HTTP client of a worker's sender: no redirects, no proxies from the
    environment (a proxy would connect to addresses this never checked), and no
    connection kept: a connection is made to an address for one host's name (its TLS
    checked for that name), so it must not carry a try for another name there."""
    return httpx.Client(
        timeout=timeout_seconds,
        follow_redirects=False,
        trust_env=False,
        verify=verify,
        limits=httpx.Limits(max_keepalive_connections=0),
        headers={"user-agent": USER_AGENT},
    )


def send(
    http: httpx.Client,
    url: str,
    secret: str,
    msg_id: str,
    payload: str,
    *,
    allow_private: bool,
    timestamp: int | None = None,
) -> Outcome:
    """POST ``payload`` to ``url``, signed for this try (``timestamp``: now)."""
    started = time.monotonic()

    def outcome(status_code: int | None, error: str | None = None) -> Outcome:
        elapsed = round((time.monotonic() - started) * 1000)
        return Outcome(status_code, error[:ERROR_CHARS] if error else None, elapsed)

    try:
        target = urls.check(url, allow_private)
    except urls.UnsafeUrl as exc:
        return outcome(None, f"refused: {exc}")
    stamp = int(time.time()) if timestamp is None else timestamp
    signed = signing.headers(secret, msg_id, stamp, payload)
    request = http.build_request("POST", url, content=payload.encode(), headers=signed)
    # Connect to an address checked, keeping the name in Host and in TLS (SNI and the
    # certificate's check); the next address only when one refuses the connection.
    request.extensions["sni_hostname"] = target.host
    for address in target.addresses:
        request.url = request.url.copy_with(host=address)
        try:
            response = http.send(request, stream=True)
            break
        except httpx.ConnectError as exc:
            if address == target.addresses[-1]:
                return outcome(None, f"ConnectError: {exc}")
        except httpx.TimeoutException:
            return outcome(None, f"timed out after {http.timeout.read} s")
        except httpx.HTTPError as exc:
            return outcome(None, f"{type(exc).__name__}: {exc}")
    response.close()
    if response.is_redirect:
        where = response.headers.get("location", "")
        return outcome(response.status_code, f"redirect to {where!r} not followed")
    return outcome(response.status_code)
