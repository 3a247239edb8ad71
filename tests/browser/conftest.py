"""Real-browser tests: Playwright drives Debian's Chromium (headless) against the real stack.

One stack (Rasa server, action server, web front) is booted for the whole browser session on free ports, with
a temporary SQLite store built from ``tests.factories.build_store`` plus:

- staff accounts ``sam`` (agent "Sam"), ``ava`` (agent "Ava"), ``olivia`` (operator "Olivia") and ``zed`` (an
  agent whose display name is HTML);
- a customer whose name is HTML (``mallory@example.com``) for the escaping tests.

Chromium is ``/usr/bin/chromium`` unless ``SHOPDESK_CHROMIUM`` names another binary; without one (or without
the ``playwright`` package) every browser test is skipped with the reason. Playwright never downloads a browser.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from backoffice.db import make_engine, session_factory
from backoffice.migrate import upgrade
from backoffice.models import Customer, SupportTicket
from backoffice.staff import create_staff
from scripts.stack import Stack, StackConfig, free_port
from tests.factories import NOW, build_store

ROOT = Path(__file__).resolve().parents[2]
# The README's pictures: refreshed in docs/screenshots with SHOPDESK_UPDATE_SCREENSHOTS=1; otherwise a run writes
# them to var/screenshots (they show the time of day, so every run would change the committed files).
SCREENSHOTS = ROOT / ("docs" if os.environ.get("SHOPDESK_UPDATE_SCREENSHOTS") == "1" else "var") / "screenshots"
CHROMIUM_ENV = "SHOPDESK_CHROMIUM"
DEFAULT_CHROMIUM = "/usr/bin/chromium"
TIMEOUT_MS = 90_000  # a shared 2-core machine: Rasa answers can take seconds, never assert speed
DESKTOP = {"width": 1280, "height": 800}
MOBILE = {"width": 390, "height": 844}

PASSWORD = "correct-horse-battery-staple"
STAFF = {  # username: (display name, role)
    "sam": ("Sam", "agent"),
    "ava": ("Ava", "agent"),
    "olivia": ("Olivia", "operator"),
    "zed": ('<img src=x onerror="window.__xss=1">Zed', "agent"),  # an agent whose name is HTML
}
HTML_AGENT = STAFF["zed"][0]
HTML_NAME = '<b>Mallory</b> <img src=x onerror="window.__xss=1">'
HTML_EMAIL = "mallory@example.com"
FRAME = "iframe[title='Shop assistant chat']"
TICKET_NUMBER = re.compile(r"ticket #(\d+)")


def chromium_path() -> str | None:
    """The Chromium binary to drive: $SHOPDESK_CHROMIUM, else /usr/bin/chromium, else `chromium` on PATH."""
    configured = os.environ.get(CHROMIUM_ENV)
    if configured:
        return configured if Path(configured).exists() else None
    if Path(DEFAULT_CHROMIUM).exists():
        return DEFAULT_CHROMIUM
    return shutil.which("chromium")


# ---------------------------------------------------------------- the store and the stack


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('browser') / 'store.db'}"
    upgrade(url)
    engine = make_engine(url)
    with session_factory(engine)() as session:
        build_store(session)
        session.add(Customer(id=303, email=HTML_EMAIL, name=HTML_NAME, country="United Kingdom", created_at=NOW))
        for username, (display_name, role) in STAFF.items():
            create_staff(session, username=username, display_name=display_name, role=role, password=PASSWORD,
                         now=datetime.now())
        session.commit()
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def stack(database: str, tmp_path_factory: pytest.TempPathFactory, chromium: str) -> Iterator[Stack]:
    if not any((ROOT / "models").glob("*.tar.gz")):
        pytest.fail("no trained model in models/: run `make train` (make test does it first)")
    config = StackConfig(
        rasa_port=free_port(), action_port=free_port(), web_port=free_port(),
        log_dir=tmp_path_factory.mktemp("browser-logs"),
        env={"DATABASE_URL": database, "SHOPDESK_SECRET_KEY": secrets.token_hex(16), "SHOPDESK_DEMO_MODE": "true",
             # Every simulated shopper and agent here comes from one address (127.0.0.1): the per-address limits
             # (tested in tests/bot) would otherwise slow the whole suite down; per-conversation limits stay.
             "SHOPDESK_CLIENT_LOGINS_PER_MINUTE": "10000", "SHOPDESK_CLIENT_CHAT_PER_MINUTE": "100000",
             "SHOPDESK_CLIENT_NEW_CONVERSATIONS_PER_HOUR": "100000"},
    )
    with Stack(config) as running:
        running.wait_ready(timeout=300)
        yield running


def ticket_rating(database: str, ticket_id: int) -> int | None:
    engine = make_engine(database)
    try:
        with session_factory(engine)() as session:
            return session.scalars(select(SupportTicket.rating).where(SupportTicket.id == ticket_id)).one()
    finally:
        engine.dispose()


# ---------------------------------------------------------------- the browser


@pytest.fixture(scope="session")
def chromium() -> str:
    pytest.importorskip("playwright.sync_api", reason="Playwright for Python is not installed (requirements/dev.txt)")
    path = chromium_path()
    if path is None:
        pytest.skip(f"no Chromium found: install Debian's `chromium` or set {CHROMIUM_ENV} to its path "
                    "(Playwright's own browser downloads are not used)")
    return path


@pytest.fixture(scope="session")
def browser(chromium: str) -> Iterator[Any]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def new_context(browser: Any, stack: Stack) -> Iterator[Callable[..., Any]]:
    """Make a fresh browser context (own cookies: one shopper or one staff member); all closed afterwards."""
    made: list[Any] = []

    def make(viewport: dict[str, int] | None = None, **options: Any) -> Any:
        context = browser.new_context(base_url=stack.web_url, viewport=viewport or DESKTOP, locale="en-GB",
                                      timezone_id="Europe/London", **options)
        context.set_default_timeout(TIMEOUT_MS)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


# ---------------------------------------------------------------- page helpers


@dataclass
class Shopper:
    """The demo shop page with the embedded widget, in its own context."""

    page: Any

    @property
    def frame(self) -> Any:
        return self.page.frame_locator(FRAME)

    @property
    def log(self) -> Any:
        return self.frame.get_by_role("log", name="Conversation")

    @property
    def window(self) -> Any:
        """The widget's own window (to evaluate scripts in it)."""
        return self.page.locator(FRAME).element_handle().content_frame()

    def visit(self) -> Shopper:
        from playwright.sync_api import expect

        self.page.goto("/")
        expect(self.page.get_by_role("button", name=re.compile("^Open chat"))).to_be_attached()
        return self

    def open(self) -> Shopper:
        from playwright.sync_api import expect

        self.page.get_by_role("button", name=re.compile("^Open chat")).click()
        expect(self.page.locator(FRAME)).to_be_visible()
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        """The widget script has run: either its welcome or the restored history is on screen."""
        from playwright.sync_api import expect

        expect(self.frame.locator("#sd-welcome:not([hidden]), #sd-log > .sd-msg").first).to_be_visible()

    def sign_in(self, email: str, first_name: str) -> None:
        from playwright.sync_api import expect

        self.page.get_by_label("Sign in (demo)").fill(email)
        self.page.get_by_role("button", name="Sign in").click()
        expect(self.page.get_by_text("Signed in as")).to_be_visible()
        # Signing in starts a new conversation: wait until the widget has reloaded it (open or not).
        expect(self.frame.get_by_text(f"Hi {first_name}!", exact=True)).to_be_attached()

    def say(self, text: str) -> None:
        box = self.frame.get_by_label("Your message")
        box.fill(text)
        box.press("Enter")

    def hand_off(self) -> int:
        """Ask for a person; the number of the ticket the bot opened."""
        from playwright.sync_api import expect

        self.say("I want to talk to a person")
        expect(self.log).to_contain_text("ticket #")
        found = TICKET_NUMBER.findall(self.log.inner_text())
        assert found, self.log.inner_text()
        return int(found[-1])


@dataclass
class Console:
    """The support console in its own context."""

    page: Any
    username: str = ""
    display_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def transcript(self) -> Any:
        return self.page.get_by_role("log", name="Conversation transcript")

    def queue_link(self, ticket_id: int) -> Any:
        return self.page.get_by_role("list", name="Tickets").get_by_role("link").filter(
            has_text=re.compile(rf"#{ticket_id}(?!\d)"))

    def log_in(self, username: str) -> Console:

        self.username, self.display_name = username, STAFF[username][0]
        self.page.goto("/console")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign in").click()
        self.wait_signed_in()
        return self

    def wait_signed_in(self) -> None:
        from playwright.sync_api import expect

        expect(self.page.get_by_role("tab", name=re.compile("^Pending"))).to_be_visible()
        expect(self.page.locator("#me-name")).to_have_text(self.display_name)

    def open_ticket(self, ticket_id: int) -> None:
        from playwright.sync_api import expect

        self.queue_link(ticket_id).click()
        expect(self.page.get_by_role("heading", name=re.compile(rf"^#{ticket_id} · "))).to_be_visible()


@pytest.fixture(scope="session")
def staff_cookies(stack: Stack) -> Callable[[str], str]:
    """Log a staff member in once over the API (log-ins are rate limited) and hand out the cookie token."""
    tokens: dict[str, str] = {}

    def token(username: str) -> str:
        if username not in tokens:
            with httpx.Client(base_url=stack.web_url, timeout=60, trust_env=False) as client:
                answer = client.post("/api/console/login", json={"username": username, "password": PASSWORD})
                assert answer.status_code == 200, answer.text
                tokens[username] = answer.cookies["shopdesk_staff"]
        return tokens[username]

    return token


@pytest.fixture
def shopper(new_context: Callable[..., Any]) -> Callable[..., Shopper]:
    """``shopper()``: a new shopper (fresh context) on the demo page."""

    def make(viewport: dict[str, int] | None = None) -> Shopper:
        return Shopper(new_context(viewport).new_page()).visit()

    return make


@pytest.fixture
def console(new_context: Callable[..., Any], staff_cookies: Callable[[str], str], stack: Stack
            ) -> Callable[..., Console]:
    """``console("sam")``: the console signed in as that staff member (``via_form=True`` types the password)."""

    def make(username: str, *, via_form: bool = False, viewport: dict[str, int] | None = None) -> Console:
        context = new_context(viewport)
        page = context.new_page()
        if via_form:
            return Console(page).log_in(username)
        context.add_cookies([{"name": "shopdesk_staff", "value": staff_cookies(username), "url": stack.web_url,
                              "httpOnly": True, "sameSite": "Strict"}])
        page.goto("/console")
        signed = Console(page, username=username, display_name=STAFF[username][0])
        signed.wait_signed_in()
        return signed

    return make


def wait_for(check: Callable[[], Any], *, timeout: float = TIMEOUT_MS / 1000, what: str = "condition") -> Any:
    """Poll ``check`` until it returns something truthy (for database state behind the pages)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.5)
