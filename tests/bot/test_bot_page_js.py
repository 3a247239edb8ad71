"""The page script, run under node with a fake DOM: text stays text, quick replies send their payload."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
APP_JS = HERE.parents[1] / "bot" / "static" / "app.js"
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")


def run_page(steps: list[dict[str, str]], replies: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    assert NODE is not None
    scenario = json.dumps({"steps": steps, "replies": replies})
    done = subprocess.run(
        [NODE, str(HERE / "page_harness.js"), scenario, str(APP_JS)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def test_bot_html_is_shown_as_text_and_buttons_send_payload() -> None:
    html = '<img src=x onerror="alert(1)">'
    result = run_page(
        [{"type": "hi"}, {"click": "Track <b>order</b>"}],
        {
            "/api/chat": [
                {
                    "status": 200,
                    "json": {
                        "messages": [
                            {"text": html, "buttons": [{"title": "Track <b>order</b>", "payload": "/track_order"}]},
                            {"image": "javascript:alert(1)"},
                            {"image": "https://example.com/parcel.png"},
                        ]
                    },
                },
                {"status": 200, "json": {"messages": [{"text": "Which order?"}]}},
            ]
        },
    )
    greeting, *log = result["log"]
    assert greeting == {"cls": "bubble bot", "text": "Hi! How can I help you today?"}
    assert log[0] == {"cls": "bubble user", "text": "hi"}
    assert log[1] == {"cls": "bubble bot", "text": html}
    images = [entry["img"] for entry in log if entry.get("img")]
    assert images == ["https://example.com/parcel.png"]  # the javascript: URL is not rendered
    user_bubbles = [entry["text"] for entry in log if entry["cls"] == "bubble user"]
    assert user_bubbles == ["hi", "Track <b>order</b>"]  # the title is shown as the user's bubble...
    assert [s["body"]["message"] for s in result["sent"]] == ["hi", "/track_order"]  # ...the payload is sent
    assert log[-1] == {"cls": "bubble bot", "text": "Which order?"}
    assert not any(entry["cls"] == "buttons" for entry in log)  # clicked quick replies are removed


def test_errors_are_shown_politely() -> None:
    result = run_page(
        [{"type": "hello"}, {"type": "again"}],
        {
            "/api/chat": [
                {"status": 503, "json": {"messages": [{"text": "Sorry, I can't reach the assistant right now."}]}},
                {"network_error": True},
            ]
        },
    )
    errors = [entry["text"] for entry in result["log"] if "error" in entry["cls"]]
    assert errors[0] == "Sorry, I can't reach the assistant right now."
    assert errors[1].startswith("Sorry, I can't reach the assistant")
