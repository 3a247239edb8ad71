"""Slow operator work (route planning, forecasts) off the action server's event loop.

A job runs in a separate process (``Deps.jobs``), so a 5-second route plan neither blocks other conversations
nor competes with them for the interpreter. If it finishes within ``Deps.quick_seconds`` the answer comes in the same
turn; otherwise the operator hears "working on it" at once and the answer is pushed into the conversation when
it is ready (the web front's ``POST /internal/push``, with the internal token).

A job is a module-level function returning ``Say`` items: response names and their values, rendered here from
the domain exactly as Rasa would (``{name}`` placeholders) when they have to be pushed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import httpx
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.deps import get_deps
from backoffice.config import get_settings

log = logging.getLogger(__name__)

PUSH_TIMEOUT = 10.0
Say = dict[str, Any]  # {"response": "utter_...", **values}
_running: set[asyncio.Task[None]] = set()


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def render(domain: DomainDict, say: Say) -> dict[str, Any]:
    """The message Rasa would send for ``say``: its response's first variant with the values filled in."""
    values = {key: value for key, value in say.items() if key != "response"}
    variants = (domain.get("responses") or {}).get(say["response"]) or [{}]
    template = variants[0]
    message: dict[str, Any] = {}
    if template.get("text"):
        message["text"] = str(template["text"]).format_map(_Blank(values))
    image = values.get("image") or template.get("image")
    if image:
        message["image"] = image
    if template.get("buttons"):
        message["buttons"] = template["buttons"]
    return message


async def push(conversation_id: str, messages: list[dict[str, Any]]) -> None:
    """Hand finished answers to the web front, which stores them and shows them live."""
    settings = get_settings()
    async with httpx.AsyncClient(base_url=settings.web_url, timeout=PUSH_TIMEOUT, trust_env=False) as client:
        response = await client.post("/internal/push", json={"conversation_id": conversation_id, "messages": messages},
                                     headers={"authorization": f"Bearer {settings.internal_token}"})
        response.raise_for_status()


async def run_job(dispatcher: CollectingDispatcher, conversation_id: str, domain: DomainDict,
                  job: Callable[..., list[Say]], *args: Any) -> None:
    """Run ``job(*args)`` off the loop; answer now if it is quick, else say so and push the answer later."""
    future = asyncio.get_running_loop().run_in_executor(get_deps().job_pool(), job, *args)
    done, _ = await asyncio.wait({future}, timeout=get_deps().quick_seconds)
    if done:
        try:
            said = future.result()
        except Exception:
            log.exception("a job for %s failed", conversation_id)
            said = [{"response": "utter_backoffice_error"}]
        for say in said:
            dispatcher.utter_message(**say)
        return
    dispatcher.utter_message(response="utter_working_on_it")
    task = asyncio.create_task(_finish(future, conversation_id, domain))
    _running.add(task)
    task.add_done_callback(_running.discard)


async def _finish(future: asyncio.Future[list[Say]], conversation_id: str, domain: DomainDict) -> None:
    try:
        messages = [render(domain, say) for say in await future]
    except Exception:
        log.exception("a background job for %s failed", conversation_id)
        messages = [render(domain, {"response": "utter_backoffice_error"})]
    try:
        await push(conversation_id, messages)
    except httpx.HTTPError:
        log.exception("could not push a finished job to %s", conversation_id)
