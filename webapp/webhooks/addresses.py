"""Which webhook URLs Convene will call: http(s) only, and only public addresses.

A URL's host is resolved when the organiser saves it and again before every delivery,
and every address it resolves to must be global (`ipaddress.is_global`; an IPv4-mapped
IPv6 address is judged by its IPv4 address). The delivery then connects to an address
that was checked, never resolving the name again, so a DNS answer that changes between
the check and the connection cannot reach an internal address. An admin may allow
private addresses (`webhooks.allow_private_addresses`) for receivers on the own network.
Any port is allowed, as in pretix: the address, not the port, is what keeps the internal
network out of reach.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from flask_babel import lazy_gettext as _l

from webapp import site_settings

ALLOW_PRIVATE_KEY = "webhooks.allow_private_addresses"
URL_MAX_LENGTH = 2000


class UnsafeURL(ValueError):
    """The URL may not be called; the message is fit to show the organiser."""


@dataclass(frozen=True)
class Target:
    """A checked URL's parts: where to connect and what to ask for."""

    scheme: str
    host: str
    port: int
    path: str


def allow_private() -> bool:
    """Whether the admin allowed receivers on loopback, private and link-local addresses."""
    return bool(site_settings.get(ALLOW_PRIVATE_KEY, False))


def parse(url: str) -> Target:
    """The URL's parts, or UnsafeURL for anything but a plain http(s) URL."""
    if not url or len(url) > URL_MAX_LENGTH or any(ord(c) <= 32 or ord(c) == 127 for c in url):
        raise UnsafeURL(_l("Enter a web address starting with https:// or http://."))
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeURL(_l("This web address is not valid.")) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeURL(_l("Enter a web address starting with https:// or http://."))
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL(_l("A webhook address may not contain a user name or password."))
    default = 443 if parts.scheme == "https" else 80
    # The request line is ASCII: other characters are sent percent-encoded.
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~-._")
    if parts.query:
        path = f"{path}?{quote(parts.query, safe='/%:@!$&()*+,;=?~-._')}"
    return Target(parts.scheme, parts.hostname, port or default, path)


def is_allowed(address: str, private_allowed: bool) -> bool:
    """Whether Convene may connect to `address` (an IP address as text)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_multicast or ip.is_unspecified:
        return False
    return private_allowed or ip.is_global


def resolve(target: Target) -> list[str]:
    """Every address the target's host resolves to (an IP literal is itself)."""
    try:
        answers = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise UnsafeURL(_l("This web address's host name could not be found.")) from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in answers))
    if not addresses:
        raise UnsafeURL(_l("This web address's host name could not be found."))
    return addresses


def checked_addresses(target: Target, private_allowed: bool) -> list[str]:
    """The host's addresses, if every one of them may be called; else UnsafeURL."""
    addresses = resolve(target)
    if not all(is_allowed(address, private_allowed) for address in addresses):
        raise UnsafeURL(
            _l("This web address leads to a private or local network, which Convene does not call.")
        )
    return addresses


def check(url: str, private_allowed: bool) -> Target:
    """Parse and resolve `url` as a webhook address would be saved; UnsafeURL if refused."""
    target = parse(url)
    checked_addresses(target, private_allowed)
    return target
