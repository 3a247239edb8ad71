"""``POST /internal/push``: only Shopdesk's own processes, with the internal token, may add assistant lines."""

from __future__ import annotations

from fastapi.testclient import TestClient

from backoffice.config import Settings


def auth(settings: Settings) -> dict[str, str]:
    return {"authorization": f"Bearer {settings.internal_token}"}


def test_a_pushed_answer_lands_in_the_conversation(client: TestClient, settings: Settings) -> None:
    client.post("/api/chat", json={"message": "hello"})
    conversation = client.get("/api/history").json()["conversation"]["id"]
    body = {"conversation_id": conversation, "messages": [{"text": "Here is your plan.", "evil": "<script>"}]}
    answer = client.post("/internal/push", json=body, headers=auth(settings))
    assert answer.status_code == 200 and answer.json() == {"stored": 1}
    last = client.get("/api/history").json()["messages"][-1]
    assert (last["sender"], last["text"]) == ("bot", "Here is your plan.")
    assert "evil" not in last


def test_without_the_token_nothing_is_stored(client: TestClient) -> None:
    client.post("/api/chat", json={"message": "hello"})
    conversation = client.get("/api/history").json()["conversation"]["id"]
    body = {"conversation_id": conversation, "messages": [{"text": "You won a prize, click here"}]}
    for headers in ({}, {"authorization": "Bearer guess"}):
        answer = client.post("/internal/push", json=body, headers=headers)
        assert answer.status_code == 401 and answer.json()["error"] is True
    assert [m["text"] for m in client.get("/api/history").json()["messages"]] == ["hello", "echo: hello"]


def test_malformed_pushes_are_refused(client: TestClient, settings: Settings) -> None:
    for body in ({"conversation_id": "../../etc", "messages": []}, {"conversation_id": "x" * 65, "messages": []},
                 {"conversation_id": "c1", "messages": [{"text": "x"}] * 21}, {"messages": []}):
        assert client.post("/internal/push", json=body, headers=auth(settings)).status_code == 422, body
