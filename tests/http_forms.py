"""Forms fetched over real HTTP, as a browser posts them back: every hidden field kept."""

from __future__ import annotations

import html
import re

import httpx

HIDDEN_INPUT = re.compile(r"<input\b[^>]*\btype=\"hidden\"[^>]*>")
ATTRIBUTE = re.compile(r'\b(name|value)="([^"]*)"')


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page (CSRF token, the form's issue stamp), by name."""
    fields = {}
    for tag in HIDDEN_INPUT.findall(page):
        attributes = dict(ATTRIBUTE.findall(tag))
        if "name" in attributes:
            fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
    return fields


def form_of(client: httpx.Client, url: str) -> dict[str, str]:
    """GET `url` (expecting 200) and return its hidden fields, ready to post with more."""
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    fields = hidden_fields(response.text)
    assert "csrf_token" in fields, f"no CSRF token on {url}"
    return fields
