"""Security headers, input limits, cookies and error pages."""

import pytest

from webapp import create_app


def test_security_headers_on_every_response(client, make_event):
    event = make_event()
    for path in ("/", f"/events/{event.slug}", "/no-such-page", "/static/css/convene.css"):
        with client.get(path) as response:
            csp = response.headers["Content-Security-Policy"]
            assert "object-src 'none'" in csp
            assert "frame-ancestors 'none'" in csp
            assert "script-src 'self'" in csp
            assert "unsafe-inline" not in csp
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_carry_no_inline_script(client, make_event):
    event = make_event()
    html = client.get(f"/events/{event.slug}").text
    for tag in html.split("<script")[1:]:
        attributes = tag.split(">", 1)[0]
        assert "src=" in attributes or 'type="application/ld+json"' in attributes
    assert " on" + "click=" not in html


@pytest.mark.parametrize("query", ["q=%00", "q=abc%00def", "kind=%00"])
def test_nul_in_query_string_is_400(client, query):
    response = client.get(f"/?{query}")
    assert response.status_code == 400
    assert "NUL" in response.text


def test_nul_in_form_data_is_400(app, client):
    app.add_url_rule("/_echo", "echo", lambda: "ok", methods=["POST"])
    assert client.post("/_echo", data={"name": "ok"}).status_code == 200
    response = client.post("/_echo", data={"name": "a\x00b"})
    assert response.status_code == 400


def test_oversized_body_is_413(app, client):
    app.add_url_rule("/_echo", "echo", lambda: "ok", methods=["POST"])
    response = client.post("/_echo", data={"blob": "x" * (app.config["MAX_CONTENT_LENGTH"] + 1)})
    assert response.status_code == 413
    assert "too large" in response.text


def test_session_cookie_flags(app, client):
    def touch_session():
        from flask import session

        session["seen"] = True
        return "ok"

    app.add_url_rule("/_session", "session", touch_session)
    cookie = client.get("/_session").headers["Set-Cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    assert "Secure" in cookie  # CONVENE_BASE_URL is https in tests


def test_session_cookie_not_secure_for_plain_http_base_url(database_url, tmp_path):
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "k",
            "CONVENE_BASE_URL": "http://127.0.0.1:5000",
        }
    )
    assert not app.config.get("SESSION_COOKIE_SECURE")


def test_unexpected_error_is_a_friendly_500(app, client):
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/_broken", "broken", broken)
    response = client.get("/_broken")
    assert response.status_code == 500
    assert "Something went wrong" in response.text
    assert "boom" not in response.text


def test_wrong_method_is_405_with_allow_header(client):
    response = client.post("/events/past")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]
