"""API errors are problem details (RFC 9457); HTML pages keep their error pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from webapp.api import reading


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["status"] == status
    assert set(body) >= {"type", "title", "status", "detail"}
    assert body["detail"]
    return body


@pytest.mark.parametrize(
    "query",
    [
        "page=0",
        "page=nan",
        "page=inf",
        "page=1.5",
        "page=" + "9" * 400,
        "per_page=-5",
        "kind=picnic",
        "format=telepathy",
        "when=soon",
        "lang=xx",
        "language=klingon",
        "from=2027-02-30",
        "from=yesterday",
        "to=99999-01-01",
        "from=2027-03-02&to=2027-03-01",
        "timezone=Mars/Olympus",
        "timezone=../../etc/passwd",
        "q=" + "x" * 101,
    ],
)
def test_bad_list_parameters_are_422_with_the_reason(client, query):
    body = _problem(client.get(f"/api/v1/events?{query}"), 422)
    assert body["errors"]["query"]


def test_unknown_parameters_are_ignored_and_odd_text_is_fine(client, make_event):
    make_event(city="Malmö")
    assert client.get("/api/v1/events?colour=blue").status_code == 200
    for text in ("%25", "_", "'; DROP TABLE event; --", "ø" * 100, "💡", "\u202e"):
        assert client.get("/api/v1/events", query_string={"q": text}).status_code == 200


def test_edge_days_of_the_calendar_are_fine(client):
    for query in (
        "from=0001-01-01",
        "to=9999-12-31",
        "from=9999-12-31&to=9999-12-31",
        "to=0001-01-01&timezone=Pacific/Kiritimati",
        "from=0001-01-01&timezone=Pacific/Kiritimati",
        "to=9999-12-31&timezone=Pacific/Pago_Pago",
    ):
        assert client.get(f"/api/v1/events?{query}").status_code == 200, query


def test_nul_bytes_are_400_problems(client):
    _problem(client.get("/api/v1/events?q=%00"), 400)
    _problem(client.get("/api/v1/events/a%00b"), 400)


def test_unknown_api_urls_and_methods(client):
    body = _problem(client.get("/api/v1/nothing-here"), 404)
    assert body["type"] == "about:blank"
    refused = client.post("/api/v1/events")
    _problem(refused, 405)
    assert "GET" in refused.headers["Allow"]
    _problem(client.delete("/api/v1/organiser/events/1"), 405)


def test_html_pages_keep_their_error_pages(client):
    missing = client.get("/events/nothing-here")
    assert missing.status_code == 404
    assert missing.mimetype == "text/html"


def test_a_database_that_is_away_is_a_503_problem(app, client, monkeypatch):
    def unavailable(*_args, **_kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setattr(reading, "public_query", unavailable)
    response = client.get("/api/v1/events")
    _problem(response, 503)
    assert response.headers["Retry-After"]


def test_a_bug_is_a_500_problem_without_details(app, client, monkeypatch):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken(*_args, **_kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(reading, "public_query", broken)
    body = _problem(client.get("/api/v1/events"), 500)
    assert "secret" not in str(body)


def test_the_openapi_document_describes_the_api(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    document = response.json
    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {
        "/api/v1/events",
        "/api/v1/events/{slug}",
        "/api/v1/organiser/events",
        "/api/v1/organiser/events/{event_id}",
        "/api/v1/organiser/events/{event_id}/registrations",
    }
    registrations = document["paths"]["/api/v1/organiser/events/{event_id}/registrations"]["get"]
    assert registrations["security"] == [{"bearerToken": []}]
    assert "application/problem+json" in registrations["responses"]["401"]["content"]
    assert "application/problem+json" in registrations["responses"]["422"]["content"] or (
        "$ref" in registrations["responses"]["422"]
    )
    fields = document["components"]["schemas"]["Registration"]["properties"]
    assert {"answers", "checked_in_at", "held", "updated_at", "email"} <= set(fields)
    again = client.get("/api/v1/openapi.json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_the_docs_page_loads_only_our_own_files(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page.text
    assert "/static/js/api-docs.js" in page.text
    assert "http://" not in page.text and "https://" not in page.text
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-eval" not in policy
    for path in (
        "/static/vendor/swagger-ui/swagger-ui-bundle.js",
        "/static/vendor/swagger-ui/swagger-ui.css",
        "/static/js/api-docs.js",
    ):
        response = client.get(path)
        assert response.status_code == 200
        response.close()
