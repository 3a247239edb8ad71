"""The shopper's widget in a real browser: chat, buttons, history across reloads, hand-off, rating, screenshots."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.conftest import MOBILE, SCREENSHOTS, Console, Shopper, ticket_rating, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.browser]

ORDER_BUTTON = re.compile(r"^6000\d\d\b")


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def order_group(shopper: Shopper) -> Any:
    """The row of buttons offering the shopper's orders."""
    return shopper.frame.get_by_role("group", name="Reply options").filter(
        has=shopper.frame.get_by_role("button", name=ORDER_BUTTON)).last


def message_lines(shopper: Shopper) -> list[str]:
    return [line.strip() for line in shopper.log.locator(":scope > *").all_inner_texts()]


def test_shopper_chats_uses_buttons_and_keeps_history_after_reload(shopper: Callable[..., Shopper]) -> None:
    alice = shopper().open()
    alice.say("hello")
    expect(alice.log).to_contain_text("How can I help")

    alice.sign_in("alice@example.com", "Alice")
    alice.say("where is my order?")
    group = order_group(alice)
    expect(group.get_by_role("button", name=re.compile(r"^600004\b"))).to_be_visible()
    offered = group.get_by_role("button")
    assert offered.count() >= 3
    expect(offered.first).to_be_enabled()

    group.get_by_role("button", name=re.compile(r"^600004\b")).click()
    expect(alice.log).to_contain_text("Order 600004")
    expect(alice.log).to_contain_text("on its way")

    def check_used_row() -> None:
        row = order_group(alice)
        buttons = row.get_by_role("button")
        expect(buttons.first).to_be_visible()
        for index in range(buttons.count()):
            expect(buttons.nth(index)).to_be_disabled()
        chosen = row.get_by_role("button", name=re.compile(r"^600004\b"))
        expect(chosen).to_have_attribute("aria-pressed", "true")
        expect(row.get_by_role("button", pressed=True)).to_have_count(1)

    check_used_row()
    before = message_lines(alice)
    assert any("600004" in line for line in before)

    alice.page.reload()
    alice.open()
    expect(alice.log).to_contain_text("Order 600004")
    expect(alice.log.locator(":scope > *")).to_have_count(len(before))
    assert message_lines(alice) == before
    check_used_row()


def test_hand_off_agent_reply_live_resolve_and_rating(shopper: Callable[..., Shopper],
                                                      console: Callable[..., Console], database: str) -> None:
    bob = shopper().open()
    bob.sign_in("bob@example.com", "Bob")
    ticket = bob.hand_off()
    expect(bob.log).to_contain_text(re.compile(r"Monday to Friday|queue|as soon as possible"))
    bob.page.evaluate("window.__sameShopperPage = true")

    sam = console("sam", via_form=True)
    expect(sam.queue_link(ticket)).to_be_visible()
    expect(sam.queue_link(ticket)).to_contain_text("Bob Baker")
    sam.open_ticket(ticket)
    expect(sam.transcript).to_contain_text("I want to talk to a person")
    sam.page.get_by_role("button", name="Claim").click()
    expect(sam.page.locator("#ticket-meta")).to_contain_text("Assigned to You")

    reply = sam.page.get_by_label("Reply to the customer")
    reply.fill("Hello from Sam")
    reply.press("Enter")
    expect(sam.transcript).to_contain_text("Hello from Sam")

    # Live in the widget, no reload: the agent's line with the agent's name.
    agent_line = bob.frame.locator(".sd-msg--agent").filter(has_text="Hello from Sam")
    expect(agent_line).to_be_visible()
    expect(agent_line).to_contain_text("Sam")
    expect(bob.frame.get_by_role("status").filter(has_text="Sam has joined the chat.")).to_be_visible()

    bob.say("Thanks Sam, it was order 700001")
    expect(sam.transcript).to_contain_text("Thanks Sam, it was order 700001")

    sam.page.get_by_role("button", name="Resolve").click()
    expect(sam.page.get_by_text(re.compile("^Resolved.*Replies are closed"))).to_be_visible()

    expect(bob.log).to_contain_text("How would you rate the help")
    rating_row = bob.frame.get_by_role("group", name="Reply options").filter(
        has=bob.frame.get_by_role("button", name="5", exact=True)).last
    for score in "12345":
        expect(rating_row.get_by_role("button", name=score, exact=True)).to_be_enabled()
    rating_row.get_by_role("button", name="5", exact=True).click()
    expect(bob.log).to_contain_text("Thank you for your feedback")
    assert bob.page.evaluate("window.__sameShopperPage") is True

    assert wait_for(lambda: ticket_rating(database, ticket) == 5, what=f"rating 5 on ticket {ticket}")
    sam.page.get_by_role("tab", name=re.compile("^Resolved")).click()
    expect(sam.queue_link(ticket)).to_contain_text("5/5")


def test_screenshots_of_the_widget(shopper: Callable[..., Shopper]) -> None:
    """Writes docs/screenshots/widget.png (1280x800) and widget-mobile.png (390x844) for the README."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    desktop = shopper().open()
    desktop.sign_in("alice@example.com", "Alice")
    desktop.say("where is my order?")
    expect(order_group(desktop).get_by_role("button", name=re.compile(r"^600001\b"))).to_be_visible()
    desktop.page.screenshot(path=str(SCREENSHOTS / "widget.png"))

    phone = shopper(MOBILE)
    phone.sign_in("alice@example.com", "Alice")  # before opening: on a phone the chat covers the page
    phone.open()
    phone.say("I want to cancel an order")
    expect(order_group(phone).get_by_role("button", name=re.compile(r"^600001\b"))).to_be_visible()
    phone.page.screenshot(path=str(SCREENSHOTS / "widget-mobile.png"))
    for name in ("widget.png", "widget-mobile.png"):
        assert (SCREENSHOTS / name).stat().st_size > 10_000
