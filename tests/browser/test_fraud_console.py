"""The console's fraud review in a real browser: operators review held orders, agents never see the view."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from backoffice.db import make_engine, session_factory
from backoffice.models import Order, SupportTicket
from tests.browser.conftest import SCREENSHOTS, Console

pytestmark = [pytest.mark.slow, pytest.mark.browser]

RISKY = "600002"  # Alice's paid order: the riskiest held order
OTHER = "700001"  # Bob's paid order: held too, less risky, with a reason that looks like HTML
HTML_REASON = '<img src=x onerror="window.__xss=1">odd basket'
HOLDS = {
    RISKY: (0.91, ["new device", "new delivery address", "3 orders in 1 hour"]),
    OTHER: (0.64, [HTML_REASON, "high order value"]),
}
POLITE_NO_REASON = "Please give a reason"


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


@pytest.fixture
def held(database: str) -> Iterator[str]:
    """Orders 600002 and 700001 held for review (as screening would leave them); released again afterwards."""
    engine = make_engine(database)
    factory = session_factory(engine)
    with factory() as session:
        for number, (score, reasons) in HOLDS.items():
            order = session.scalars(select(Order).where(Order.number == number)).one()
            order.fraud_score, order.fraud_hold, order.fraud_reasons = score, True, reasons
        session.commit()
    yield database
    with factory() as session:
        for number in HOLDS:
            order = session.scalars(select(Order).where(Order.number == number)).one()
            order.fraud_score, order.fraud_hold, order.fraud_reasons = None, False, None
        session.commit()
    engine.dispose()


@pytest.fixture
def alice_ticket(held: str) -> int:
    """A resolved ticket of Alice's about the held order (resolved: it stays out of the other tests' queues)."""
    engine = make_engine(held)
    try:
        with session_factory(engine)() as session:
            order = session.scalars(select(Order).where(Order.number == RISKY)).one()
            ticket = SupportTicket(conversation_id=f"fraud-{secrets.token_hex(6)}", customer_id=order.customer_id,
                                   order_id=order.id, reason="human_requested", priority="normal",
                                   status="resolved", summary="Where is my order?", created_at=datetime.now(),
                                   resolved_at=datetime.now())
            session.add(ticket)
            session.commit()
            return ticket.id
    finally:
        engine.dispose()


def still_held(database: str, number: str) -> bool:
    engine = make_engine(database)
    try:
        with session_factory(engine)() as session:
            return bool(session.scalars(select(Order.fraud_hold).where(Order.number == number)).one())
    finally:
        engine.dispose()


def held_list(staff: Console) -> Any:
    return staff.page.get_by_role("list", name="Held orders")


def held_link(staff: Console, number: str) -> Any:
    return held_list(staff).get_by_role("link").filter(has_text=re.compile(rf"#{number}(?!\d)"))


def open_fraud_review(staff: Console) -> None:
    staff.page.get_by_role("navigation", name="Console sections").get_by_role(
        "link", name=re.compile("^Fraud review")).click()
    expect(staff.page.get_by_role("heading", name=re.compile("^Held orders"))).to_be_visible()


def test_operator_approves_a_held_order_with_a_reason(held: str, alice_ticket: int,
                                                      console: Callable[..., Console]) -> None:
    olivia, watcher = console("olivia"), console("olivia")
    for staff in (olivia, watcher):
        expect(staff.page.get_by_text("Live", exact=True)).to_be_visible()  # the console's WebSocket is up
    page = olivia.page

    # The customer panel of a ticket shows Alice's risk; the held order links to its review.
    page.goto(f"/console#/inbox/{alice_ticket}")
    risk = page.get_by_role("region", name=re.compile("^Fraud risk"))
    expect(risk).to_contain_text("High risk")
    expect(risk).to_contain_text("new device")
    risk.get_by_role("link", name=f"#{RISKY}").click()
    expect(page.get_by_role("heading", name=f"Order #{RISKY} · Alice Archer")).to_be_visible()

    # The queue: riskiest first, with customer, risk and reasons; data shown as text, never as HTML.
    links = held_list(olivia).get_by_role("link")
    expect(links).to_have_count(2)
    expect(links.nth(0)).to_contain_text(f"#{RISKY}")
    expect(links.nth(0)).to_contain_text("Alice Archer")
    expect(links.nth(0)).to_contain_text("91%")
    expect(links.nth(0)).to_contain_text("new device")
    expect(links.nth(1)).to_contain_text(f"#{OTHER}")
    expect(links.nth(1)).to_contain_text(HTML_REASON)
    assert page.evaluate("window.__xss") is None

    # The explanation.
    expect(page.locator("#fraud-text")).to_contain_text(f"Order {RISKY} is held for review")
    expect(page.get_by_role("list").filter(has_text="new delivery address").last).to_contain_text("3 orders in 1 hour")

    # No reason: the server's polite refusal, and the order stays held.
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("alert").filter(has_text=POLITE_NO_REASON)).to_be_visible()
    assert still_held(held, RISKY)

    # Rejecting asks first; keeping it held changes nothing.
    reason = page.get_by_label("Reason for the decision")
    reason.fill("Customer confirmed the new address by phone")
    expect(page.get_by_role("alert").filter(has_text=POLITE_NO_REASON)).to_be_hidden()
    page.get_by_role("button", name="Reject…").click()
    dialog = page.get_by_role("dialog", name=f"Reject order #{RISKY}?")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("refunds")
    dialog.get_by_role("button", name="Keep it held").click()
    expect(dialog).to_be_hidden()
    assert still_held(held, RISKY)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "console-fraud-review.png"))

    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_role("status").filter(has_text="Approved by Olivia")).to_be_visible()
    expect(held_link(olivia, RISKY)).to_have_count(0)
    expect(held_link(olivia, OTHER)).to_have_count(1)
    assert not still_held(held, RISKY)

    # Another reviewer's console follows live.
    open_fraud_review(watcher)
    expect(held_link(watcher, RISKY)).to_have_count(0)
    expect(held_link(watcher, OTHER)).to_be_visible()


def test_agents_do_not_get_the_fraud_review(held: str, alice_ticket: int, console: Callable[..., Console]) -> None:
    sam = console("sam")
    nav = sam.page.get_by_role("navigation", name="Console sections")
    expect(nav.get_by_role("link", name="Assistant")).to_be_visible()
    expect(nav.get_by_role("link", name=re.compile("Fraud review"))).to_have_count(0)

    sam.page.goto("/console#/fraud")
    expect(sam.page.get_by_role("tab", name=re.compile("^Pending"))).to_be_visible()
    expect(sam.page.get_by_role("list", name="Held orders")).to_have_count(0)
    expect(sam.page.get_by_role("heading", name=re.compile("^Held orders"))).to_have_count(0)

    # The customer panel still tells the agent about the risk (as text, no link to the review).
    sam.page.goto(f"/console#/inbox/{alice_ticket}")
    risk = sam.page.get_by_role("region", name=re.compile("^Fraud risk"))
    expect(risk).to_contain_text("High risk")
    expect(risk).to_contain_text(f"#{RISKY}")
    expect(risk.get_by_role("link")).to_have_count(0)
