"""The demo mailbox: the newest messages in the file outbox, so the demo works end to end without a mail server.

Only in demo mode (``SHOPDESK_DEMO_MODE``); otherwise the route answers 404 as if it did not exist. Read-only.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request
from starlette.concurrency import run_in_threadpool

from backoffice.mail import OutboxMailer
from bot.runtime import runtime_of
from bot.views import iso

LIMIT = 10


def build_router() -> APIRouter:
    """The outbox route."""
    router = APIRouter()

    @router.get("/api/demo/outbox")
    async def outbox(request: Request, to: str | None = Query(None, max_length=320)) -> dict[str, Any]:
        settings = runtime_of(request).settings
        if not settings.demo_mode:
            raise HTTPException(status_code=404, detail="Not Found")
        messages = await run_in_threadpool(OutboxMailer(settings.mail_outbox).latest, LIMIT, to=to)
        return {"messages": [{"id": m.id, "to": m.to, "subject": m.subject, "sent_at": iso(m.sent_at),
                              "body": m.body} for m in messages]}

    return router
