"""Demo sign-in, the page and its static assets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from backoffice.config import Settings
from backoffice.identity import verify
from bot.app import UNKNOWN_EMAIL_TEXT, create_app
from tests.bot.conftest import SECRET, FakeRasa

STATIC = Path(__file__).resolve().parents[2] / "bot" / "static"


def test_login_known_customer(client: TestClient) -> None:
    response = client.post("/api/session/login", json={"email": "  Ada@Example.com "})
    assert response.status_code == 200
    assert response.json() == {"signed_in": True, "name": "Ada Lovelace", "demo_login": True}
    assert client.get("/api/session").json()["name"] == "Ada Lovelace"


def test_login_unknown_email_is_404_politely(client: TestClient) -> None:
    for email in ("nobody@example.com", "not-an-email", "", "a" * 5000 + "@x.com"):
        response = client.post("/api/session/login", json={"email": email})
        assert response.status_code == 404, email
        assert response.json()["detail"] == UNKNOWN_EMAIL_TEXT
    assert client.get("/api/session").json()["signed_in"] is False


def test_login_disabled(settings: Settings) -> None:
    app = create_app(
        settings.model_copy(update={"demo_mode": False}),
        rasa_transport=httpx.MockTransport(lambda r: httpx.Response(200, json=[])),
        accounts=lambda email: None,
    )
    with TestClient(app) as client:
        assert client.post("/api/session/login", json={"email": "ada@example.com"}).status_code == 403
        assert client.get("/api/session").json()["demo_login"] is False


def test_login_lookup_failure_is_polite(settings: Settings) -> None:
    def broken(email: str) -> None:
        raise RuntimeError("database is down")

    app = create_app(settings, rasa_transport=httpx.MockTransport(lambda r: httpx.Response(200)), accounts=broken)
    with TestClient(app) as client:
        response = client.post("/api/session/login", json={"email": "ada@example.com"})
        assert response.status_code == 503
        assert "try again" in response.json()["detail"]


def test_logout(client: TestClient) -> None:
    client.post("/api/session/login", json={"email": "ada@example.com"})
    assert client.post("/api/session/logout").json()["signed_in"] is False
    assert client.get("/api/session").json() == {"signed_in": False, "name": None, "demo_login": True}


def test_page_and_assets_are_served_with_security_headers(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "text/html" in page.headers["content-type"]
    assert '<script src="/widget.js" async></script>' in page.text  # the demo shop embeds the widget like a shop
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert client.head("/").status_code == 200
    for asset in ("/widget.js", "/widget", "/static/style.css", "/static/markdown.js", "/console"):
        assert client.get(asset).status_code == 200, asset


def test_static_js_never_assigns_innerhtml() -> None:
    for script in STATIC.rglob("*.js"):
        source = script.read_text()
        assert not re.search(r"\.(innerHTML|outerHTML)\s*\+?=", source), script
        assert "insertAdjacentHTML" not in source, script
        assert "document.write" not in source, script
    html = (STATIC / "index.html").read_text()
    assert "<script>" not in html  # no inline scripts: the CSP allows only /static files


def test_widget_page_may_be_framed_only_by_the_configured_shop_origins(client: TestClient) -> None:
    widget = client.get("/widget")
    assert "frame-ancestors 'self'" in widget.headers["content-security-policy"]
    assert "x-frame-options" not in widget.headers  # the CSP decides; X-Frame-Options cannot allow a shop
    assert client.get("/").headers["x-frame-options"] == "DENY"
    loader = client.get("/widget.js")
    assert loader.headers["content-type"].startswith("text/javascript")
    assert loader.headers["cross-origin-resource-policy"] == "cross-origin"


def test_signing_out_ends_the_sign_in_for_every_copy_of_the_cookie(make_client: Any, fake_rasa: FakeRasa) -> None:
    browser, thief = make_client(), make_client()
    browser.post("/api/session/login", json={"email": "ada@example.com"})
    thief.cookies.set("shopdesk_session", browser.cookies.get("shopdesk_session"))
    assert thief.get("/api/session").json()["signed_in"] is True
    browser.post("/api/session/logout")
    assert thief.get("/api/session").json()["signed_in"] is False
    thief.post("/api/chat", json={"message": "where is my order?"})
    sent = fake_rasa.requests[-1]
    assert verify(sent["sender"], sent["metadata"], SECRET, text=sent["message"]).customer_id is None


def test_sign_in_attempts_from_one_address_are_limited(client: TestClient) -> None:
    codes = [client.post("/api/session/login", json={"email": f"guess{n}@example.com"}).status_code
             for n in range(6)]
    assert codes == [404] * 5 + [429]
    assert client.post("/api/session/login", json={"email": "ada@example.com"}).json()["error"] is True
