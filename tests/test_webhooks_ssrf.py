"""Webhook addresses: only http(s), only public hosts, checked when saved and again at
every delivery, connecting to the address that was checked."""

from __future__ import annotations

import socket

import pytest

from tests.webhook_support import Receiver, allow_private, deliveries, make_webhook
from webapp.db import begin_write, now_utc
from webapp.extensions import db
from webapp.webhooks import addresses, delivery
from webapp.webhooks.models import DeliveryStatus, Webhook
from webapp.webhooks.services import add_delivery

REFUSED_URLS = [
    "http://127.0.0.1/hook",
    "http://127.1.2.3:8080/hook",
    "http://[::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:7f00:1]/hook",
    "http://10.1.2.3/hook",
    "http://172.16.0.5/hook",
    "http://192.168.1.1/hook",
    "http://100.64.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/hook",
    "http://[fc00::1]/hook",
    "http://0.0.0.0/hook",
    "http://localhost/hook",
    "http://LOCALHOST:5000/hook",
    "http://localhost./hook",
    "http://2130706433/hook",  # 127.0.0.1 as one number
    "http://0x7f.1/hook",
]
MALFORMED_URLS = [
    "",
    "ftp://example.org/hook",
    "file:///etc/passwd",
    "gopher://example.org/",
    "javascript:alert(1)",
    "example.org/hook",
    "https://user:secret@example.org/hook",
    "https://user@example.org/hook",
    "https://example.org:99999/hook",
    "https://exa mple.org/hook",
    "https://example.org/\nhook",
    "https:///hook",
    "https://" + "a" * 2000 + ".org/",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_private_and_local_addresses_are_refused(app, url):
    with app.app_context(), pytest.raises(addresses.UnsafeURL):
        addresses.check(url, private_allowed=False)


@pytest.mark.parametrize("url", MALFORMED_URLS)
def test_anything_but_a_plain_http_url_is_refused_even_with_private_addresses(app, url):
    with app.app_context(), pytest.raises(addresses.UnsafeURL):
        addresses.check(url, private_allowed=True)


def test_the_admin_setting_allows_private_addresses(app):
    with app.app_context():
        target = addresses.check("http://127.0.0.1:8080/hook?x=1", private_allowed=True)
    assert (target.host, target.port, target.path) == ("127.0.0.1", 8080, "/hook?x=1")
    with app.app_context():
        target = addresses.check("http://127.0.0.1/zürich/é?år=ø", private_allowed=True)
    assert target.path == "/z%C3%BCrich/%C3%A9?%C3%A5r=%C3%B8"


def test_public_addresses_are_allowed_and_mapped_addresses_judged_by_their_ipv4():
    assert addresses.is_allowed("93.184.215.14", False)
    assert addresses.is_allowed("2606:2800:21f:cb07:6820:80da:af6b:8b2c", False)
    assert not addresses.is_allowed("::ffff:10.0.0.1", False)
    assert not addresses.is_allowed("::ffff:169.254.169.254", False)
    assert addresses.is_allowed("::ffff:93.184.215.14", False)
    assert not addresses.is_allowed("224.0.0.1", True)  # multicast, never


def fake_dns(monkeypatch, answers: dict[str, list[str]]):
    """Make the host names in `answers` resolve to the given addresses (others: real DNS)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            family = lambda a: socket.AF_INET6 if ":" in a else socket.AF_INET  # noqa: E731
            return [(family(a), socket.SOCK_STREAM, 6, "", (a, port)) for a in answers[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_a_host_with_any_private_address_is_refused(app, monkeypatch):
    fake_dns(monkeypatch, {"mixed.example": ["93.184.215.14", "10.0.0.7"]})
    with app.app_context(), pytest.raises(addresses.UnsafeURL):
        addresses.check("https://mixed.example/hook", private_allowed=False)


def queue_ping(app, webhook_id: int) -> None:
    with app.app_context():
        begin_write(db.session)
        add_delivery(db.session.get(Webhook, webhook_id), "ping", {}, now_utc())
        db.session.commit()


@pytest.fixture
def receiver():
    server = Receiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def organiser(app):
    from tests.organiser_support import make_organiser

    return make_organiser(app, "olga@cluster.example")


def test_delivery_checks_again_and_sends_nothing_when_the_setting_is_off(app, receiver, organiser):
    # Saved while allowed, then the admin switched private addresses off again.
    hook_id, _ = make_webhook(app, organiser, receiver.url)
    queue_ping(app, hook_id)

    with app.app_context():
        report = delivery.deliver_due()

    assert report.retried == 1 and receiver.requests == []
    row = deliveries(app)[0]
    assert row.status == DeliveryStatus.RETRYING and row.last_error.startswith("Refused:")


def test_a_name_that_now_resolves_to_loopback_is_not_called(app, receiver, organiser, monkeypatch):
    # Public when saved; its DNS answer changed to loopback since (DNS rebinding).
    hook_id, _ = make_webhook(app, organiser, f"http://rebind.example:{receiver.port}/hook")
    fake_dns(monkeypatch, {"rebind.example": ["127.0.0.1"]})
    queue_ping(app, hook_id)

    with app.app_context():
        delivery.deliver_due()

    assert receiver.requests == []
    assert deliveries(app)[0].last_error.startswith("Refused:")


def test_delivery_connects_to_the_checked_address_with_the_urls_host(
    app, receiver, organiser, monkeypatch
):
    allow_private(app)
    answers = {"receiver.example": ["127.0.0.1"]}
    fake_dns(monkeypatch, answers)
    hook_id, _ = make_webhook(app, organiser, f"http://receiver.example:{receiver.port}/in")
    queue_ping(app, hook_id)

    with app.app_context():
        report = delivery.deliver_due()

    assert report.delivered == 1
    [request] = receiver.requests
    assert request.headers["Host"] == f"receiver.example:{receiver.port}"
    assert request.path == "/in"


def test_the_connection_goes_to_the_checked_address_not_a_second_answer(
    app, organiser, monkeypatch
):
    # The first DNS answer is public; any later one would be loopback (DNS rebinding).
    calls = []
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real(host, port, *args, **kwargs)
        calls.append(host)
        address = "93.184.215.14" if len(calls) == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    connected = []

    def create_connection(address, *args, **kwargs):
        connected.append(address)
        raise ConnectionRefusedError("refused in this test")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    hook_id, _ = make_webhook(app, organiser, "http://rebind.example/hook")
    queue_ping(app, hook_id)

    with app.app_context():
        delivery.deliver_due()

    assert calls == ["rebind.example"] and connected == [("93.184.215.14", 80)]
    assert "ConnectionRefusedError" in deliveries(app)[0].last_error


# IPv4 addresses hidden in IPv6 are judged by the IPv4 address: a translator or tunnel
# on the way (NAT64, 6to4, Teredo) would deliver to it.
HIDDEN_PRIVATE = [
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::",  # 6to4 of 169.254.169.254
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "64:ff9b:1::7f00:1",  # local-use NAT64 of 127.0.0.1
    "64:ff9b:1::a9fe:a9fe",
    "64:ff9b:1::a00:1",
    "::7f00:1",  # IPv4-compatible 127.0.0.1
    "::a9fe:a9fe",
    "::a00:1",
    "::ffff:a9fe:a9fe",  # IPv4-mapped 169.254.169.254
    "2001:0:7f00:1::f5ff:fffe",  # Teredo: server 127.0.0.1, client 10.0.0.1
    "2001:0:808:808::f5ff:fffe",  # Teredo: public server, client 10.0.0.1
    "2001:0:a9fe:a9fe::f7f7:f7f7",  # Teredo: server 169.254.169.254, public client
]
HIDDEN_PUBLIC = [
    "2002:808:808::1",
    "64:ff9b::808:808",
    "::808:808",
    "::ffff:808:808",
    "2001:0:808:808::f7f7:f7f7",  # Teredo: both 8.8.8.8
]


@pytest.mark.parametrize("address", HIDDEN_PRIVATE)
def test_private_ipv4_hidden_in_ipv6_is_refused(app, address):
    assert not addresses.is_allowed(address, private_allowed=False)
    with app.app_context(), pytest.raises(addresses.UnsafeURL):
        addresses.check(f"http://[{address}]/hook", private_allowed=False)


@pytest.mark.parametrize("address", HIDDEN_PUBLIC)
def test_public_ipv4_hidden_in_ipv6_is_judged_by_the_ipv4_address(address):
    assert addresses.is_allowed(address, private_allowed=False)


def test_an_admin_allowing_private_addresses_allows_them_hidden_too():
    assert addresses.is_allowed("64:ff9b::a00:1", private_allowed=True)
    assert not addresses.is_allowed("::ffff:0.0.0.0", private_allowed=True)
