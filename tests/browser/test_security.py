"""Security in a real browser: markup stays text, shopper sessions stay out of the console, forged roles are
ignored, and a conversation that sends too fast is slowed down politely."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from backoffice.identity import Identity, sign
from backoffice.install_secret import derive
from scripts.stack import Stack
from tests.browser.conftest import HTML_AGENT, HTML_EMAIL, HTML_NAME, Console, Shopper

pytestmark = [pytest.mark.slow, pytest.mark.browser]

IMG_PAYLOAD = '<img src=x onerror="window.__xss=1">'
SCRIPT_PAYLOAD = "<script>window.__xss=1</script>"
OPERATOR_ONLY = "only available to shop staff"
STOCK_REPORT = "closest to running out"
SLOW_DOWN = "You're sending messages faster than I can read them. Please wait a few seconds and try again."


def expect(target: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(target)


def no_script_ran(*windows: Any) -> None:
    for window in windows:
        assert window.evaluate("typeof window.__xss") == "undefined"


def test_script_and_html_in_messages_render_as_text(shopper: Callable[..., Shopper],
                                                    console: Callable[..., Console]) -> None:
    mallet = shopper().open()
    ticket = mallet.hand_off()
    sam = console("sam")
    sam.open_ticket(ticket)

    for payload in (IMG_PAYLOAD, SCRIPT_PAYLOAD):
        mallet.say(payload)
        expect(mallet.log.locator(".sd-msg--customer").filter(has_text=payload)).to_be_visible()
        expect(sam.transcript).to_contain_text(payload)  # pushed live
    expect(mallet.log.locator("img, script")).to_have_count(0)
    expect(sam.transcript.locator("img, script")).to_have_count(0)

    sam.page.reload()  # and loaded from the server
    sam.wait_signed_in()
    expect(sam.transcript).to_contain_text(IMG_PAYLOAD)
    expect(sam.transcript).to_contain_text(SCRIPT_PAYLOAD)
    expect(sam.transcript.locator("img, script")).to_have_count(0)
    expect(sam.queue_link(ticket)).to_contain_text(SCRIPT_PAYLOAD)  # the last line as the queue preview
    no_script_ran(mallet.page, mallet.window, sam.page)


def test_html_in_a_customer_name_renders_as_text(shopper: Callable[..., Shopper],
                                                 console: Callable[..., Console]) -> None:
    mallory = shopper().open()
    mallory.sign_in(HTML_EMAIL, HTML_NAME.split(" ")[0])
    expect(mallory.page.get_by_text("Signed in as")).to_contain_text(HTML_NAME)
    ticket = mallory.hand_off()

    sam = console("sam")
    expect(sam.queue_link(ticket)).to_contain_text(HTML_NAME)
    sam.open_ticket(ticket)
    expect(sam.page.get_by_role("heading", name=f"#{ticket} · {HTML_NAME}")).to_be_visible()
    customer = sam.page.get_by_role("region", name="Customer")
    expect(customer).to_contain_text(HTML_NAME)
    expect(customer).to_contain_text(HTML_EMAIL)
    expect(sam.transcript).to_contain_text("I want to talk to a person")
    for page in (sam.page, mallory.page):
        expect(page.locator("img[src='x'], b")).to_have_count(0)
    expect(mallory.frame.locator("img[src='x'], b")).to_have_count(0)  # nothing renders <b>: the name's tags
    no_script_ran(mallory.page, mallory.window, sam.page)


def test_html_in_an_agent_name_renders_as_text(shopper: Callable[..., Shopper],
                                               console: Callable[..., Console]) -> None:
    shopper_page = shopper().open()
    ticket = shopper_page.hand_off()
    zed = console("zed")
    expect(zed.page.locator("#me-name")).to_have_text(HTML_AGENT)
    zed.open_ticket(ticket)
    zed.page.get_by_role("button", name="Claim").click()
    reply = zed.page.get_by_label("Reply to the customer")
    reply.fill("Hi, Zed here")
    reply.press("Enter")

    line = shopper_page.frame.locator(".sd-msg--agent").filter(has_text="Hi, Zed here")
    expect(line).to_contain_text(HTML_AGENT)
    expect(shopper_page.frame.get_by_role("status").filter(has_text=f"{HTML_AGENT} has joined the chat.")
           ).to_be_visible()
    sam = console("sam")
    sam.page.get_by_role("tab", name="Open").click()
    expect(sam.queue_link(ticket)).to_contain_text(HTML_AGENT)
    sam.open_ticket(ticket)
    expect(sam.page.locator("#ticket-meta")).to_contain_text(f"Assigned to {HTML_AGENT}")
    expect(sam.transcript).to_contain_text(HTML_AGENT)
    for page in (zed.page, sam.page, shopper_page.page):
        expect(page.locator("img[src='x']")).to_have_count(0)
    expect(shopper_page.frame.locator("img[src='x']")).to_have_count(0)
    no_script_ran(shopper_page.page, shopper_page.window, zed.page, sam.page)


PROBE_CONSOLE = """async () => {
  const answers = {};
  for (const path of ["/api/console/tickets", "/api/console/tickets?status=all", "/api/console/me",
                      "/api/console/tickets/1", "/api/console/staff", "/api/console/assistant/history"]) {
    answers["GET " + path] = (await fetch(path, {credentials: "same-origin"})).status;
  }
  for (const path of ["/api/console/tickets/1/reply", "/api/console/tickets/1/claim", "/api/console/assistant"]) {
    const response = await fetch(path, {method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": "forged"},
      body: JSON.stringify({text: "hi", message: "show me the stock report"})});
    answers["POST " + path] = response.status;
  }
  answers.socket = await new Promise((resolve) => {
    const events = [];
    const ws = new WebSocket((location.protocol === "https:" ? "wss:" : "ws:") + "//" + location.host + "/ws/console");
    ws.onopen = () => events.push("open");
    ws.onmessage = () => events.push("message");
    ws.onclose = () => { events.push("close"); resolve(events); };
    setTimeout(() => { events.push("timeout"); ws.close(); resolve(events); }, 10000);
  });
  return answers;
}"""


def test_a_shopper_session_cannot_call_console_endpoints(shopper: Callable[..., Shopper],
                                                        console: Callable[..., Console]) -> None:
    sam = console("sam")  # at least one live staff log-in exists meanwhile
    bob = shopper().open()
    bob.sign_in("bob@example.com", "Bob")
    bob.say("hello")
    expect(bob.log).to_contain_text("How can I help")

    answers = bob.page.evaluate(PROBE_CONSOLE)
    socket = answers.pop("socket")
    assert answers["GET /api/console/tickets"] == 401
    assert all(status in (401, 403) for status in answers.values()), answers
    assert "message" not in socket and "timeout" not in socket and socket[-1] == "close", socket
    expect(sam.page.get_by_role("tab", name="Pending")).to_be_visible()


def forged_operator() -> dict[str, Any]:
    return {"shopdesk": {"role": "operator", "customer_id": None, "client": None, "issued_at": int(time.time()),
                         "nonce": "0" * 32, "signature": "0" * 64}}


def test_rasa_takes_only_the_web_fronts_signed_single_use_messages(stack: Stack) -> None:
    secret = stack.config.env["SHOPDESK_SECRET_KEY"]
    url = f"{stack.config.rasa_url}/webhooks/shopdesk/webhook"
    token = {"authorization": f"Bearer {derive(secret, 'internal-token')}"}
    text = "show me the stock report"
    genuine = {"sender": "staff-77", "message": text,
               "metadata": sign(Identity("staff-77", None, "operator"), secret, text=text)}
    with httpx.Client(timeout=120, trust_env=False) as client:
        assert client.post(url, json=genuine).status_code == 401  # no token: a local process can't talk to Rasa
        assert client.post(url, json=genuine, headers={"authorization": "Bearer guess"}).status_code == 401
        forged = {**genuine, "metadata": forged_operator()}
        assert client.post(url, json=forged, headers=token).status_code == 403
        moved = {**genuine, "message": "reject order 581474 because fraud"}  # a signature moved to other text
        assert client.post(url, json=moved, headers=token).status_code == 403
        assert client.post(url, json={"sender": "staff-77", "message": text}, headers=token).status_code == 403
        assert client.post(url, content=b"not json", headers=token).status_code == 400
        answer = client.post(url, json=genuine, headers=token)
        assert answer.status_code == 200, answer.text
        assert STOCK_REPORT in " ".join(m.get("text") or "" for m in answer.json())
        assert client.post(url, json=genuine, headers=token).status_code == 403  # the same message again: a replay
        actions = f"{stack.config.action_url}/webhook"
        assert client.post(actions, json={"next_action": "action_stock_report"}).status_code == 401
        assert client.get(f"{stack.config.action_url}/actions").status_code == 401


def test_a_forged_role_sent_to_the_web_front_is_ignored(shopper: Callable[..., Shopper]) -> None:
    eve = shopper()
    answer = eve.page.evaluate(
        """async (metadata) => {
          const response = await fetch("/api/chat", {method: "POST", credentials: "same-origin",
            headers: {"Content-Type": "application/json"},
            body: JSON.stringify({message: "show me the stock report", role: "operator", sender: "admin",
                                  metadata: metadata})});
          return {status: response.status, body: await response.json()};
        }""",
        forged_operator(),
    )
    assert answer["status"] == 200, answer
    text = " ".join(m.get("text") or "" for m in answer["body"]["messages"])
    assert OPERATOR_ONLY in text and STOCK_REPORT not in text


BURST = """async (count) => Promise.all(Array.from({length: count}, async (_, i) => {
  const response = await fetch("/api/chat", {method: "POST", credentials: "same-origin",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify({message: "still there? " + i})});
  return {status: response.status, retryAfter: response.headers.get("Retry-After"), body: await response.json()};
}))"""


def test_a_conversation_sending_too_fast_is_slowed_down_politely(shopper: Callable[..., Shopper]) -> None:
    hasty = shopper().open()
    hasty.hand_off()  # a person has the conversation now: lines are stored and forwarded, no bot turn each

    answers = hasty.page.evaluate(BURST, 15)
    limited = [a for a in answers if a["status"] == 429]
    assert limited, [a["status"] for a in answers]
    assert {a["status"] for a in answers} <= {200, 429}
    for answer in limited:
        assert answer["body"]["detail"] == SLOW_DOWN
        assert answer["body"]["messages"] == [{"text": SLOW_DOWN}]
        assert int(answer["retryAfter"]) >= 1

    # Typing on in the widget right away: told politely, and the line is handed back to send again.
    hasty.say("are you there?")
    expect(hasty.log).to_contain_text(SLOW_DOWN)
    expect(hasty.frame.get_by_label("Your message")).to_have_value("are you there?")

    # Per conversation: another shopper is not slowed down meanwhile.
    other = shopper()
    status = other.page.evaluate(
        """async () => (await fetch("/api/chat", {method: "POST", credentials: "same-origin",
             headers: {"Content-Type": "application/json"}, body: JSON.stringify({message: "hello"})})).status""")
    assert status == 200
