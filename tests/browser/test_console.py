"""The support console in a real browser: live queue for several agents, the staff assistant, a screenshot."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.conftest import SCREENSHOTS, Console, Shopper

pytestmark = [pytest.mark.slow, pytest.mark.browser]

OPERATOR_ONLY = "only available to shop staff"
STOCK_REPORT = "closest to running out"


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def test_two_agents_see_a_new_hand_off_live(shopper: Callable[..., Shopper],
                                            console: Callable[..., Console]) -> None:
    agents = [console("sam"), console("ava")]
    for agent in agents:
        expect(agent.page.get_by_text("Live", exact=True)).to_be_visible()  # the console's WebSocket is up
        agent.page.evaluate("window.__sameConsolePage = true")

    ticket = shopper().open().hand_off()

    for agent in agents:
        expect(agent.queue_link(ticket)).to_be_visible()
        expect(agent.queue_link(ticket)).to_contain_text("Anonymous shopper")
        expect(agent.queue_link(ticket)).to_contain_text("Unassigned")
        assert agent.page.evaluate("window.__sameConsolePage") is True


def ask_assistant(agent: Console, text: str) -> Any:
    agent.page.get_by_role("link", name="Assistant").click()
    box = agent.page.get_by_label("Message to the assistant")
    box.fill(text)
    box.press("Enter")
    return agent.page.get_by_role("log", name="Chat with the assistant")


def test_operator_gets_the_stock_report_in_the_assistant_tab(console: Callable[..., Console]) -> None:
    olivia = console("olivia", via_form=True)
    log = ask_assistant(olivia, "show me the stock report")
    expect(log).to_contain_text(STOCK_REPORT)
    expect(log).to_contain_text("84029E Red Woolly Hottie White Heart: 0")
    expect(log).to_contain_text("22633 Hand Warmer Union Jack: 40")
    expect(log).not_to_contain_text(OPERATOR_ONLY)


def test_agent_gets_the_staff_only_refusal_for_the_stock_report(console: Callable[..., Console]) -> None:
    ava = console("ava", via_form=True)
    log = ask_assistant(ava, "show me the stock report")
    expect(log).to_contain_text(OPERATOR_ONLY)
    expect(log).not_to_contain_text(STOCK_REPORT)
    expect(log).not_to_contain_text("84029E")


def test_screenshot_of_the_console(shopper: Callable[..., Shopper], console: Callable[..., Console]) -> None:
    """Writes docs/screenshots/console.png (1280x800): an open ticket with its transcript and customer panel."""
    alice = shopper().open()
    alice.sign_in("alice@example.com", "Alice")
    alice.say("where is order 600004?")
    expect(alice.log).to_contain_text("Order 600004")
    ticket = alice.hand_off()

    sam = console("sam")
    sam.open_ticket(ticket)
    sam.page.get_by_role("button", name="Claim").click()
    expect(sam.page.locator("#ticket-meta")).to_contain_text("Assigned to You")
    reply = sam.page.get_by_label("Reply to the customer")
    reply.fill("Hi Alice, I'm Sam. I'm checking order 600004 with Royal Mail now.")
    reply.press("Enter")
    expect(sam.transcript).to_contain_text("checking order 600004")
    customer = sam.page.get_by_role("region", name="Customer")
    expect(customer).to_contain_text("Alice Archer")
    expect(customer).to_contain_text("alice@example.com")
    expect(customer).to_contain_text("600004")
    expect(alice.log).to_contain_text("checking order 600004")  # the shopper got it too

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    sam.page.screenshot(path=str(SCREENSHOTS / "console.png"))
    assert (SCREENSHOTS / "console.png").stat().st_size > 10_000
