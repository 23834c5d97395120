"""Which webhook URLs Convene will call: http(s) only, and only public addresses.

A URL's host is resolved when the organiser saves it and again before every delivery,
and every address it resolves to must be global (`ipaddress.is_global`; an IPv6 address
that carries IPv4 addresses - mapped, compatible, 6to4, NAT64, Teredo - is judged by
them, so a public IPv4 address reached through a translator is allowed, a private one not). The delivery then connects to an address
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


NAT64_PREFIXES = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, 6to4, NAT64, compatible, Teredo)."""
    if ip.ipv4_mapped is not None:
        return [ip.ipv4_mapped]
    if ip.sixtofour is not None:
        return [ip.sixtofour]
    if ip.teredo is not None:
        return list(ip.teredo)  # the Teredo server and the client behind it
    last32 = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if any(ip in network for network in NAT64_PREFIXES):
        return [last32]
    if ip in IPV4_COMPATIBLE and int(ip) > 1:  # :: and ::1 are themselves
        return [last32]
    return []


def is_allowed(address: str, private_allowed: bool) -> bool:
    """Whether Convene may connect to `address` (an IP address as text).

    An IPv6 address that carries IPv4 addresses is judged by them (every one must be
    public): a translator or tunnel on the way would deliver to them.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    candidates = (embedded_ipv4(ip) if ip.version == 6 else []) or [ip]
    if any(each.is_multicast or each.is_unspecified for each in candidates):
        return False
    return private_allowed or all(each.is_global for each in candidates)


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
