"""Routes for Shopdesk's own processes, not for browsers: the action server pushes finished slow answers here.

Every call must carry the internal bearer token (derived from the install's secret), like the calls from the
web front to Rasa and from Rasa to the action server.
"""

from __future__ import annotations

import hmac
import re
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field

from bot.relay import clean_messages
from bot.runtime import runtime_of

MAX_PUSHED = 20
_CONVERSATION = re.compile(r"[A-Za-z0-9_-]{1,64}")


class PushIn(BaseModel):
    """Answers the assistant finished after its turn ended, for one conversation."""

    model_config = ConfigDict(extra="ignore")
    conversation_id: str = Field(max_length=64)
    messages: list[dict[str, Any]] = Field(max_length=MAX_PUSHED)


def check_token(request: Request) -> None:
    """401 unless the request carries ``Bearer <internal token>``."""
    expected = f"Bearer {runtime_of(request).settings.internal_token}".encode()
    if not hmac.compare_digest((request.headers.get("authorization") or "").encode(), expected):
        raise HTTPException(401, "This endpoint is for Shopdesk's own processes.")


def build_router() -> APIRouter:
    """``POST /internal/push``."""
    router = APIRouter()

    @router.post("/internal/push")
    async def push(body: PushIn, request: Request) -> dict[str, int]:
        check_token(request)
        if not _CONVERSATION.fullmatch(body.conversation_id):
            raise HTTPException(422, "conversation_id is not a conversation id")
        replies, _ = await runtime_of(request).chat.deliver(body.conversation_id, clean_messages(body.messages))
        return {"stored": len(replies)}

    return router
