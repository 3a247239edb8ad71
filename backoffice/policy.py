"""The shop's order rules: may this order be cancelled, re-addressed or refunded now, and if not, why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from backoffice.knowledge import Rules
from backoffice.models import Order, OrderStatus


@dataclass(frozen=True)
class Decision:
    """The answer of a policy check; ``reason`` is a sentence a shopper can read."""

    allowed: bool
    reason: str
    fee: Decimal = Decimal("0.00")


def refundable_amount(order: Order) -> Decimal:
    """What is still refundable: the order total less refunds already requested or paid."""
    taken = sum((r.amount for r in order.refunds if r.status != "rejected"), Decimal("0.00"))
    return max(order.total - taken, Decimal("0.00"))


def can_cancel(order: Order, rules: Rules) -> Decision:
    """Cancel only before shipping; a fee once packed."""
    if order.status == OrderStatus.CANCELLED:
        return Decision(False, f"Order {order.number} is already cancelled.")
    if order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.RETURNED):
        return Decision(
            False,
            f"Order {order.number} has already shipped, so it can no longer be cancelled. "
            f"Once it is delivered you can return it within {rules.return_window_days} days for a refund.",
        )
    if order.status not in rules.cancellable_statuses:
        return Decision(False, f"Order {order.number} can't be cancelled in its current state ({order.status}).")
    if order.status == OrderStatus.PACKED and rules.cancellation_fee_when_packed > 0:
        fee = Decimal(str(rules.cancellation_fee_when_packed)).quantize(Decimal("0.01"))
        return Decision(True, f"Order {order.number} is already packed, so a handling fee of £{fee} applies.", fee)
    return Decision(True, f"Order {order.number} hasn't shipped yet, so it can be cancelled free of charge.")


def can_ship(order: Order) -> Decision:
    """Pack and ship only paid orders that are not held for a fraud review (the reason is for staff only)."""
    if order.fraud_hold:
        return Decision(False, f"Order {order.number} is held for a fraud review; approve it before packing.")
    if order.status not in (OrderStatus.PAID, OrderStatus.PACKED):
        return Decision(False, f"Order {order.number} can't ship in its current state ({order.status}).")
    return Decision(True, f"Order {order.number} can ship.")


def can_change_address(order: Order, rules: Rules) -> Decision:
    """Re-address only until the parcel leaves the warehouse, and not while the order is being checked.

    The refusal for a held order says nothing about fraud: the order is still being processed.
    """
    if order.fraud_hold and order.status in rules.address_change_statuses:
        return Decision(
            False,
            f"Order {order.number} is still being processed, so its delivery address can't be changed online "
            "right now. Our support team can help with it.",
        )
    if order.status in rules.address_change_statuses:
        return Decision(True, f"Order {order.number} hasn't left our warehouse yet, so its address can change.")
    if order.status == OrderStatus.CANCELLED:
        return Decision(False, f"Order {order.number} is cancelled, so there is nothing to deliver.")
    return Decision(
        False,
        f"Order {order.number} has already left our warehouse ({order.status}), so its delivery address can no "
        "longer be changed. The carrier's tracking page may let you redirect the parcel.",
    )


def delivered_at(order: Order) -> datetime | None:
    """When the order's parcel was delivered, if it was."""
    times = [s.delivered_at for s in order.shipments if s.delivered_at is not None]
    return max(times) if times else None


def can_refund(order: Order, rules: Rules, now: datetime) -> Decision:
    """Refund only delivered orders, within the return window, and only what is still refundable."""
    if order.status in (OrderStatus.PLACED, OrderStatus.PAID, OrderStatus.PACKED):
        return Decision(
            False, f"Order {order.number} hasn't shipped yet: cancel it instead and the payment is refunded in full."
        )
    if order.status == OrderStatus.SHIPPED:
        return Decision(
            False,
            f"Order {order.number} is on its way. Once it arrives you have {rules.return_window_days} days to "
            "return it for a refund.",
        )
    if refundable_amount(order) <= 0:
        open_request = next((r for r in order.refunds if r.status == "requested"), None)
        if open_request is not None:
            return Decision(
                False,
                f"A refund request for order {order.number} is already open (since {open_request.created_at:%d %B}); "
                f"refunds are paid within {rules.refund_processing_days} working days of the return reaching us.",
            )
        return Decision(False, f"Order {order.number} has already been refunded in full.")
    if order.status == OrderStatus.CANCELLED:
        return Decision(False, f"Order {order.number} was cancelled; any payment for it was refunded at cancellation.")
    when = delivered_at(order)
    if when is None:
        return Decision(False, f"Order {order.number} has no delivery on record yet.")
    deadline = when + timedelta(days=rules.return_window_days)
    if now > deadline:
        return Decision(
            False,
            f"Order {order.number} was delivered on {when:%d %B %Y}; our {rules.return_window_days}-day return "
            f"window closed on {deadline:%d %B %Y}, so it can't be refunded any more.",
        )
    return Decision(True, f"Order {order.number} is within the {rules.return_window_days}-day return window.")
