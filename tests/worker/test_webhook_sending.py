"""One try over HTTPS to a real receiver on loopback: the connection goes to the address
checked, while TLS is checked against the URL's name (SNI and the certificate), with
the certificates of a throwaway CA (trustme)."""

from __future__ import annotations

import ssl

import pytest
import trustme

from syn0.webhooks import sending, signing
from tests.receiver import Receiver


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


def tls_for(ca: trustme.CA, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return context


def a_try(ca: trustme.CA, url: str) -> sending.Outcome:
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)
    with sending.client(5.0, verify=trusted) as http:
        secret = signing.new_secret()
        return sending.send(http, url, secret, "msg_1", "{}", allow_private=True)


def test_https_to_the_address_checked_with_the_names_certificate(ca):
    with Receiver(tls=tls_for(ca, "localhost")) as receiver:
        # when: the URL names the host; the try connects to 127.0.0.1
        outcome = a_try(ca, receiver.url.replace("127.0.0.1", "localhost"))
        # then: TLS checked localhost's certificate, and the request says Host: localhost
        assert (outcome.status_code, outcome.error) == (200, None)
        (got,) = receiver.wait(1)
        assert got.headers["host"] == f"localhost:{receiver.port}"
        assert got.headers["webhook-id"] == "msg_1"


def test_a_certificate_for_another_name_fails_the_try(ca):
    with Receiver(tls=tls_for(ca, "other.example")) as receiver:
        outcome = a_try(ca, receiver.url.replace("127.0.0.1", "localhost"))
        assert outcome.status_code is None
        assert outcome.error.startswith("ConnectError: [SSL: CERTIFICATE_VERIFY_FAILED]"), outcome
        assert "Hostname mismatch" in outcome.error and "'localhost'" in outcome.error
        assert receiver.received == []
