"""Which URLs a webhook may call: ``http`` or ``https`` on a host whose every address is
public. Loopback, private, link-local, multicast, reserved and unspecified addresses
(and the other ranges that are not globally routable) are refused unless
``SYN0_WEBHOOKS_ALLOW_PRIVATE=true``. The check runs when a webhook is made and again
before every try (DNS can change); the try then connects to the addresses that passed,
so a name that changes between the check and the connection cannot redirect it."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

IP = ipaddress.IPv4Address | ipaddress.IPv6Address
SCHEMES = ("https", "http")
_KINDS = (
    # The narrower kinds first: Python counts loopback and link-local as private too.
    ("is_unspecified", "an unspecified address"),
    ("is_loopback", "a loopback address"),
    ("is_link_local", "a link-local address"),
    ("is_multicast", "a multicast address"),
    ("is_reserved", "a reserved address"),
    ("is_private", "a private address"),
)


class UnsafeUrl(ValueError):
    """A URL a webhook may not call; the message says why."""


@dataclass(frozen=True)
class Target:
    """Where a try connects: the URL's host and port, and its addresses in the order
    the resolver gave them."""

    host: str
    port: int
    addresses: tuple[str, ...]


def split(url: str) -> tuple[str, str, int]:
    """``(scheme, host, port)`` of a webhook URL, or ``UnsafeUrl``."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeUrl(f"{url!r} is not a URL: {exc}") from None
    if parts.scheme not in SCHEMES:
        raise UnsafeUrl(f"a webhook URL starts with https:// or http://; received {url!r}")
    if not parts.hostname:
        raise UnsafeUrl(f"a webhook URL names a host; received {url!r}")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def refusal(address: IP) -> str | None:
    """Why a webhook may not call ``address``, or None for a public one."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    for attribute, kind in _KINDS:
        if getattr(address, attribute):
            return kind
    return None if address.is_global else "an address that is not globally routable"


def resolve(host: str, port: int) -> list[IP]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError) as exc:  # gaierror is an OSError
        raise UnsafeUrl(f"the host {host!r} does not resolve: {exc}") from None
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def check(url: str, allow_private: bool) -> Target:
    """Where a try of ``url`` connects, or ``UnsafeUrl`` naming the address refused."""
    _, host, port = split(url)
    addresses = resolve(host, port)
    for address in addresses:
        kind = None if allow_private else refusal(address)
        if kind is not None:
            raise UnsafeUrl(
                f"the host {host!r} resolves to {address}, {kind}; webhooks call "
                "public addresses only (SYN0_WEBHOOKS_ALLOW_PRIVATE=true allows others)"
            )
    return Target(host, port, tuple(dict.fromkeys(str(address) for address in addresses)))
