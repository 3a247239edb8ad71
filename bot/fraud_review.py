"""The console's fraud review queue: held orders, why each was held, approve or reject with a reason."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict
from sqlalchemy.orm import Session

from backoffice.fraud.shop import explain, held_orders, review
from backoffice.models import StaffMember
from backoffice.orders import OrderChanged
from bot.chat import utc_now
from bot.console import staff_posting, staff_required
from bot.hub import CONSOLE
from bot.runtime import runtime_of
from bot.staff_auth import StaffContext
from bot.text import clean_text, storable

REVIEWER_ROLES = ("operator", "admin")
NOT_A_REVIEWER = "Fraud review is for operators. Please ask an operator to look at this order."
NO_ORDER = "There is no such order."


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    decision: str
    reason: str


def _reviewer(context: StaffContext) -> StaffContext:
    if context.role not in REVIEWER_ROLES:
        raise HTTPException(403, NOT_A_REVIEWER)
    return context


async def reviewer(context: Annotated[StaffContext, Depends(staff_required)]) -> StaffContext:
    """A logged-in operator or admin (agents get 403)."""
    return _reviewer(context)


async def reviewer_posting(context: Annotated[StaffContext, Depends(staff_posting)]) -> StaffContext:
    """An operator or admin changing something (CSRF and origin checked)."""
    return _reviewer(context)


def _known_shape(number: str) -> None:
    """404 for an order number no order can have (a NUL from ``%00`` would make PostgreSQL refuse the query)."""
    if not storable(number):
        raise HTTPException(404, NO_ORDER)


Reviewer = Annotated[StaffContext, Depends(reviewer)]
ReviewerPosting = Annotated[StaffContext, Depends(reviewer_posting)]


def build_router() -> APIRouter:
    """The fraud review routes."""
    router = APIRouter()

    @router.get("/api/console/fraud/queue")
    async def queue(request: Request, context: Reviewer) -> dict[str, Any]:
        orders = await runtime_of(request).db.run(lambda session: held_orders(session))
        return {"orders": orders}

    @router.get("/api/console/fraud/orders/{number}")
    async def order(number: str, request: Request, context: Reviewer) -> dict[str, Any]:
        _known_shape(number)
        info = await runtime_of(request).db.run(lambda session: explain(session, number))
        if info is None:
            raise HTTPException(404, NO_ORDER)
        return info

    @router.post("/api/console/fraud/orders/{number}/review")
    async def decide(number: str, body: ReviewIn, request: Request, context: ReviewerPosting) -> dict[str, Any]:
        _known_shape(number)
        if body.decision not in ("approve", "reject"):
            raise HTTPException(422, "The decision must be approve or reject.")
        reason = clean_text(body.reason)
        if len(reason) < 3:
            raise HTTPException(422, "Please give a reason: it is stored with the decision and teaches the model.")
        runtime = runtime_of(request)

        def store(session: Session) -> dict[str, Any] | None:
            if explain(session, number) is None:
                return None
            review(session, number, body.decision, reason[:1000], session.get(StaffMember, context.staff_id),
                   now=utc_now())
            return explain(session, number)

        try:
            info = await runtime.db.run(store)
        except OrderChanged as changed:  # changed since the operator looked (the shopper cancelled it, say)
            raise HTTPException(409, changed.decision.reason) from changed
        if info is None:
            raise HTTPException(404, NO_ORDER)
        runtime.hub.publish(CONSOLE, {"type": "fraud", "order": info})
        return info

    return router
