"""Orders as a shopper sees them: ownership-checked look-ups, and the changes the policy allows.

Every function takes a ``Session`` keyword-only; the caller owns the transaction. A foreign order and an
unknown order are indistinguishable to the caller: both come back as ``None``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, func, select, update
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from backoffice.delivery.store import drop_cancelled, flag_readdressed
from backoffice.knowledge import Rules
from backoffice.models import Order, OrderLine, OrderStatus, Refund, Return, Shipment
from backoffice.policy import Decision, can_cancel, can_change_address, can_refund, refundable_amount

ORDER_NUMBER = re.compile(r"^#?\s*(\d{6})$")


class PolicyRefused(Exception):
    """The shop's policy does not allow this change; the message says why."""

    def __init__(self, decision: Decision) -> None:
        super().__init__(decision.reason)
        self.decision = decision


class OrderChanged(PolicyRefused):
    """Someone else changed the order between the policy check and the write, so this change was not applied.

    Two requests that read the same order (a shopper's "yes" to a cancel and an operator's "reject", say) race to
    write it; the first applies, the other gets this refusal, whose reason says the order changed meanwhile.
    """


def apply_if_unchanged(session: Session, order: Order, seen_status: str, values: dict[str, Any],
                       *also: ColumnElement[bool]) -> bool:
    """Write ``values`` to ``order`` only if its row still has ``seen_status`` (and ``also`` holds): True if it did.

    One conditional ``UPDATE ... WHERE id = :id AND status = :seen``: the database decides which of two concurrent
    writers wins (PostgreSQL re-checks the condition after waiting for the other's row lock; SQLite lets one
    writer in at a time), so a change decided on a stale read never lands. The row stays locked until the caller
    commits. On success the loaded ``order`` shows the new values; on failure it is refreshed from the database.
    """
    statement = (update(Order).where(Order.id == order.id, Order.status == seen_status, *also)
                 .values(**values).execution_options(synchronize_session=False))
    result = cast(CursorResult[Any], session.execute(statement))
    if result.rowcount != 1:
        session.refresh(order)
        return False
    for name, value in values.items():
        set_committed_value(order, name, value)
    return True


def changed_meanwhile(order: Order) -> OrderChanged:
    """The refusal for a change that lost a race: what the order is now (``order`` freshly read)."""
    return OrderChanged(Decision(
        False, f"Order {order.number} was changed a moment ago (it is now {order.status}), so I left it as it is."))


def normalise_number(raw: str | None) -> str | None:
    """``'#536365 '`` → ``'536365'``; anything that is not an order number → None."""
    if raw is None:
        return None
    match = ORDER_NUMBER.match(str(raw).strip())
    return match.group(1) if match else None


def find_order(
    session: Session, number: str | None, *, customer_id: int | None = None, email: str | None = None
) -> Order | None:
    """The order with this number if the caller proves it is theirs (by customer id, or by the order's e-mail)."""
    clean = normalise_number(number)
    if clean is None or (customer_id is None and not email):
        return None
    query = select(Order).where(Order.number == clean).options(
        selectinload(Order.lines).selectinload(OrderLine.product),
        selectinload(Order.shipments).selectinload(Shipment.events),
        selectinload(Order.refunds), selectinload(Order.payments), selectinload(Order.returns),
    )
    if customer_id is not None:
        query = query.where(Order.customer_id == customer_id)
    else:
        query = query.where(func.lower(Order.email) == (email or "").strip().lower())
    return session.scalars(query).first()


def recent_orders(session: Session, *, customer_id: int, limit: int = 5) -> list[Order]:
    """The customer's newest orders, newest first."""
    query = (
        select(Order).where(Order.customer_id == customer_id).order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class TrackingView:
    """Where an order's parcel is, in words."""

    carrier: str
    tracking_number: str
    status: str
    latest_event: str | None
    promised: date
    estimated: date
    delivered_at: datetime | None

    @property
    def late(self) -> bool:
        return self.delivered_at is None and self.estimated > self.promised


@dataclass(frozen=True)
class OrderView:
    """A read-only summary of one order for a reply."""

    number: str
    status: str
    placed_at: datetime
    total: Decimal
    item_count: int
    items: list[str]
    address: str
    tracking: TrackingView | None
    refunds: list[tuple[Decimal, str, datetime]] = field(default_factory=list)

    def items_text(self, limit: int = 3) -> str:
        shown = ", ".join(self.items[:limit])
        more = len(self.items) - limit
        return f"{shown} and {more} more" if more > 0 else shown


def view(order: Order) -> OrderView:
    """Summarise ``order`` (its lines, newest shipment and refunds).

    Nothing about fraud screening is shown: a held order keeps its ordinary status (placed or paid, i.e. being
    processed), and scores, reasons and the hold stay with staff.
    """
    tracking = None
    if order.shipments:
        ship = max(order.shipments, key=lambda s: s.id)
        latest = ship.events[-1] if ship.events else None
        tracking = TrackingView(
            carrier=ship.carrier,
            tracking_number=ship.tracking_number,
            status=ship.status,
            latest_event=f"{latest.description} ({latest.location}, {latest.at:%d %b %H:%M})" if latest else None,
            promised=ship.promised_delivery,
            estimated=ship.estimated_delivery,
            delivered_at=ship.delivered_at,
        )
    return OrderView(
        number=order.number,
        status=order.status,
        placed_at=order.placed_at,
        total=order.total,
        item_count=sum(line.quantity for line in order.lines),
        items=[f"{line.quantity} × {line.product.title}" for line in order.lines],
        address=order.shipping_address(),
        tracking=tracking,
        refunds=[(r.amount, r.status, r.created_at) for r in sorted(order.refunds, key=lambda r: r.created_at)],
    )


def cancel(session: Session, order: Order, *, rules: Rules, now: datetime) -> tuple[Decision, Refund | None]:
    """Cancel ``order`` if the policy allows; the paid amount less any fee is refunded (the refund, if any).

    The order leaves every van plan from today on (``backoffice.delivery.store.drop_cancelled``).

    Raises :class:`PolicyRefused` when the policy says no, :class:`OrderChanged` when the order's status changed
    since it was read (it was cancelled, rejected or packed meanwhile): then nothing is written.
    """
    decision = can_cancel(order, rules)
    if not decision.allowed:
        raise PolicyRefused(decision)
    if not apply_if_unchanged(session, order, order.status, {"status": OrderStatus.CANCELLED, "cancelled_at": now}):
        raise changed_meanwhile(order)
    drop_cancelled(session, order.id, now=now)
    paid = sum((p.amount for p in order.payments if p.status == "captured"), Decimal("0.00"))
    refund = None
    if paid > 0:
        refund = Refund(order=order, amount=max(paid - decision.fee, Decimal("0.00")),
                        reason="Cancelled by the shopper", status="approved", created_at=now)
        session.add(refund)
    session.flush()
    return decision, refund


def plausible_address(text: str) -> bool:
    """A one-line delivery address: 8–200 characters, two or more words, a number, some letters, no question."""
    cleaned = " ".join(text.split())
    return (
        8 <= len(cleaned) <= 200 and "?" not in cleaned and len(cleaned.split()) >= 2
        and any(c.isdigit() for c in cleaned) and sum(c.isalpha() for c in cleaned) >= 4
    )


def change_address(session: Session, order: Order, new_address: str, *, rules: Rules,
                   now: datetime | None = None) -> Decision:
    """Send ``order`` to ``new_address`` (one line as the shopper typed it) if the policy allows.

    A van stop planned for the order (today or later) leaves its van to wait for a dispatcher
    (``backoffice.delivery.store.flag_readdressed`` says why).

    Raises ``ValueError`` for an address that is not ``plausible_address``, :class:`PolicyRefused` when the policy
    says no and :class:`OrderChanged` when the order's status or fraud hold changed since it was read.
    """
    cleaned = " ".join(new_address.split())
    if not plausible_address(cleaned):
        raise ValueError("not a plausible one-line delivery address")
    decision = can_change_address(order, rules)
    if not decision.allowed:
        raise PolicyRefused(decision)
    # the shopper's one line is the whole address
    values = {"ship_line1": cleaned, "ship_city": "", "ship_postcode": "", "ship_country": ""}
    if not apply_if_unchanged(session, order, order.status, values, Order.fraud_hold.is_(False)):
        raise changed_meanwhile(order)
    flag_readdressed(session, order.id, cleaned, now=now or datetime.now())
    return decision


def request_refund(session: Session, order: Order, *, rules: Rules, now: datetime, reason: str) -> Refund:
    """Open a return and a refund request for what is still refundable on ``order``.

    The order's row is locked first (a conditional no-op update on the status read) and the refunds are read again
    under the lock, so two requests at the same moment open one refund: the other gets :class:`OrderChanged`
    with the fresh reason (a request is already open). :class:`PolicyRefused` when the policy says no.
    """
    decision = can_refund(order, rules, now)
    if not decision.allowed:
        raise PolicyRefused(decision)
    amount = refundable_amount(order)
    if not apply_if_unchanged(session, order, order.status, {"status": order.status}):
        raise changed_meanwhile(order)
    session.refresh(order, ["refunds"])
    fresh = can_refund(order, rules, now)
    if not fresh.allowed:
        raise OrderChanged(fresh)
    now_refundable = refundable_amount(order)
    if now_refundable != amount:
        raise OrderChanged(Decision(False, f"Order {order.number} was changed a moment ago: £{now_refundable} is "
                                           "refundable now, so I haven't opened a request. Ask again to request it."))
    session.add(Return(order=order, reason=reason[:200], status="requested", created_at=now))
    refund = Refund(order=order, amount=amount, reason=reason[:200], status="requested", created_at=now)
    session.add(refund)
    session.flush()
    return refund
