"""The shopper widget: its loader script, its page, history, a new conversation, and the live socket."""

from __future__ import annotations

import asyncio
import re

from fastapi import APIRouter, Query, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import FileResponse, JSONResponse

from bot import session
from bot.client import TOO_MANY_CONVERSATIONS_TEXT, client_of
from bot.hub import conversation_channel
from bot.responses import MAX_ID, slow_down
from bot.runtime import runtime_of
from bot.staff_auth import same_origin

WIDGET_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
              "connect-src 'self'; frame-ancestors {ancestors}; base-uri 'none'; form-action 'self'")
_ORIGIN = re.compile(r"'self'|https?://[A-Za-z0-9.-]+(:\d+)?|\*")


def frame_ancestors(configured: str) -> str:
    """The CSP ``frame-ancestors`` source list from the setting (anything that is not an origin is dropped)."""
    sources = [part for part in configured.split() if _ORIGIN.fullmatch(part)]
    return " ".join(sources) or "'self'"


def build_router(static_dir: str) -> APIRouter:
    """The widget routes; ``static_dir`` holds ``widget/``."""
    router = APIRouter()

    @router.get("/widget.js", include_in_schema=False)
    async def loader() -> FileResponse:
        # Loaded by the shop's pages from another origin: allow that, and keep it briefly cacheable.
        return FileResponse(f"{static_dir}/widget/loader.js", media_type="text/javascript",
                            headers={"cache-control": "public, max-age=300",
                                     "cross-origin-resource-policy": "cross-origin"})

    @router.get("/widget", include_in_schema=False)
    async def page(request: Request) -> FileResponse:
        ancestors = frame_ancestors(runtime_of(request).settings.widget_origins)
        # A CSP with frame-ancestors replaces X-Frame-Options (the middleware leaves it out when CSP is set).
        return FileResponse(f"{static_dir}/widget/widget.html",
                            headers={"cache-control": "no-cache",
                                     "content-security-policy": WIDGET_CSP.format(ancestors=ancestors)})

    @router.get("/api/history")
    async def history(request: Request, after: int = Query(0, ge=0, le=MAX_ID)) -> dict[str, object]:
        return await runtime_of(request).chat.history(session.sender_id(request), after=after)

    @router.post("/api/session/new", response_model=None)
    async def new_conversation(request: Request) -> JSONResponse | dict[str, bool]:
        refused = slow_down(runtime_of(request).conversation_limit, client_of(request), TOO_MANY_CONVERSATIONS_TEXT)
        if refused is not None:
            return refused
        session.new_conversation(request)
        return {"ok": True}

    @router.websocket("/ws/chat")
    async def live(websocket: WebSocket) -> None:
        if not same_origin(websocket.headers.get("origin"), websocket.headers.get("host")):
            await websocket.close(code=4403)
            return
        sender = websocket.session.get(session.SENDER_KEY)
        if not isinstance(sender, str) or not sender:
            await websocket.close(code=4401)  # the page makes its conversation with a first HTTP call
            return
        runtime = runtime_of(websocket)
        await websocket.accept()
        channel = conversation_channel(sender)
        with runtime.hub.subscribe(channel) as queue:
            async def forward() -> None:
                while True:
                    await websocket.send_json(await queue.get())

            pushing = asyncio.create_task(forward())
            try:
                while True:  # the page sends nothing the server needs; reading notices when it goes away
                    await websocket.receive_text()
            except (WebSocketDisconnect, ValueError, RuntimeError):
                pass
            finally:
                pushing.cancel()

    return router
