"""Fetch the registration form as a browser would, and fill it in for the load runs."""

from __future__ import annotations

import asyncio
from html.parser import HTMLParser
from urllib.parse import quote, urljoin

import httpx

from bench.loadgen import PostPlan, gather_limited


class _FormParser(HTMLParser):
    """Collects the fields of the first POST form that carries a csrf_token."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {"action": a.get("action") or "", "fields": []}
        elif self._form is None:
            return
        elif tag in ("input", "textarea"):
            if a.get("tabindex") == "-1":
                return  # out of reach for a person (a honeypot): left empty, as people do
            self._form["fields"].append(
                (a.get("name"), (a.get("type") or tag).lower(), a.get("value") or "")
            )
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and a.get("value"):
            self._form["fields"].append((self._select, "select", a["value"]))
            self._select = None

    def handle_endtag(self, tag):
        if tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None
        elif tag == "select":
            self._select = None


def _value_for(name: str, kind: str, value: str) -> str | None:
    if name == "csrf_token":
        return "{TOKEN}"
    if kind == "email" or "email" in name:
        return "{EMAIL}"
    if kind in ("checkbox", "radio", "hidden", "select"):
        return value or "y"
    if kind in ("submit", "button"):
        return None
    if name == "country":
        return "BE"
    return "" if kind == "textarea" else "Bench"


def body_template(html: str) -> tuple[str, str]:
    """(form action, urlencoded body with {TOKEN} and {EMAIL}) for the registration form."""
    parser = _FormParser()
    parser.feed(html)
    forms = [f for f in parser.forms if any(n == "csrf_token" for n, _, _ in f["fields"])]
    if not forms:
        raise RuntimeError("no POST form with a csrf_token on the registration page")
    parts, seen = [], set()
    for name, kind, value in forms[0]["fields"]:
        if not name or (name in seen and kind in ("radio", "select")):
            continue
        filled = _value_for(name, kind, value)
        if filled is None:
            continue
        seen.add(name)
        encoded = filled if filled in ("{TOKEN}", "{EMAIL}") else quote(filled, safe="")
        parts.append(f"{quote(name, safe='')}={encoded}")
    return forms[0]["action"], "&".join(parts)


def csrf_token(html: str) -> str:
    """The csrf_token value of the page's form."""
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        for name, _, value in form["fields"]:
            if name == "csrf_token":
                return value
    raise RuntimeError("no csrf_token on the page")


async def _fetch_sessions(form_url: str, count: int, concurrency: int) -> list[tuple[str, str]]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as shared:

        async def one(_i: int) -> tuple[str, str]:
            # A bare Request carries no cookies: every registration gets its own session.
            response = await shared.send(httpx.Request("GET", form_url))
            response.raise_for_status()
            cookie = "; ".join(f"{c.name}={c.value}" for c in response.cookies.jar)
            return cookie, csrf_token(response.text)

        return await gather_limited(count, concurrency, one)


def fetch_sessions(form_url: str, count: int, concurrency: int = 32) -> list[tuple[str, str]]:
    """`count` fresh (Cookie header, CSRF token) pairs, each from its own GET of the form."""
    return asyncio.run(_fetch_sessions(form_url, count, concurrency))


def registration_plan(base_url: str, slug: str, count: int, tag: str) -> PostPlan:
    """Everything a load run needs to POST `count` real registrations for event `slug`."""
    form_url = f"{base_url}/events/{slug}/register"
    page = httpx.get(form_url, timeout=30)
    page.raise_for_status()
    action, template = body_template(page.text)
    path = httpx.URL(urljoin(form_url, action or form_url)).raw_path.decode()
    return PostPlan(
        path=path,
        body_template=template,
        sessions=fetch_sessions(form_url, count),
        tag=tag,
    )
