"""The order rules: what may be cancelled, re-addressed or refunded, and the sentence that says why not."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from backoffice.config import ROOT
from backoffice.knowledge import KnowledgeBase, Rules
from backoffice.models import Order, Refund, Shipment
from backoffice.policy import Decision, can_cancel, can_change_address, can_refund, delivered_at, refundable_amount
from tests.factories import NOW

RULES = KnowledgeBase.load(ROOT / "backoffice" / "kb" / "policies.yml").rules
SHIPPED_REASON = ("Order 600042 has already shipped, so it can no longer be cancelled. Once it is delivered you can "
                  "return it within 30 days for a refund.")


def order(status: str, total: str = "10.00", refunds: tuple[tuple[str, str], ...] = (),
          delivered: tuple[datetime | None, ...] = ()) -> Order:
    """An order that lives only in memory (the policy never touches the database)."""
    o = Order(number="600042", status=status, total=Decimal(total))
    for amount, status_ in refunds:
        o.refunds.append(Refund(amount=Decimal(amount), status=status_, reason="test", created_at=NOW))
    for when in delivered:
        o.shipments.append(Shipment(carrier="Royal Mail", tracking_number="RM1GB", status="delivered",
                                    promised_delivery=date(2026, 1, 1), estimated_delivery=date(2026, 1, 1),
                                    delivered_at=when))
    return o


@pytest.mark.parametrize("status", ["placed", "paid"])
def test_cancel_before_packing_is_free(status: str) -> None:
    assert can_cancel(order(status), RULES) == Decision(
        True, "Order 600042 hasn't shipped yet, so it can be cancelled free of charge.", Decimal("0.00"))


def test_cancel_when_packed_costs_the_handling_fee() -> None:
    decision = can_cancel(order("packed"), RULES)
    assert decision == Decision(True, "Order 600042 is already packed, so a handling fee of £2.50 applies.",
                                Decimal("2.50"))
    assert str(decision.fee) == "2.50"


def test_cancel_when_packed_is_free_when_the_shop_charges_no_fee() -> None:
    decision = can_cancel(order("packed"), Rules(cancellation_fee_when_packed=0))
    assert decision.allowed and decision.fee == Decimal("0.00")
    assert decision.reason == "Order 600042 hasn't shipped yet, so it can be cancelled free of charge."


def test_odd_fee_is_rounded_to_pence() -> None:
    assert can_cancel(order("packed"), Rules(cancellation_fee_when_packed=1.999)).fee == Decimal("2.00")


@pytest.mark.parametrize("status", ["shipped", "delivered", "returned"])
def test_cancel_after_shipping_is_refused_with_the_return_window(status: str) -> None:
    assert can_cancel(order(status), RULES) == Decision(False, SHIPPED_REASON)


def test_cancel_of_a_cancelled_order_is_refused() -> None:
    assert can_cancel(order("cancelled"), RULES) == Decision(False, "Order 600042 is already cancelled.")


def test_a_shop_that_stops_cancellations_at_packing_refuses_packed_orders() -> None:
    rules = Rules(cancellable_statuses=["placed", "paid"])
    assert can_cancel(order("packed"), rules) == Decision(
        False, "Order 600042 can't be cancelled in its current state (packed).")


@pytest.mark.parametrize("status", ["placed", "paid", "packed"])
def test_address_can_change_until_the_parcel_leaves(status: str) -> None:
    assert can_change_address(order(status), RULES) == Decision(
        True, "Order 600042 hasn't left our warehouse yet, so its address can change.")


@pytest.mark.parametrize("status", ["shipped", "delivered", "returned"])
def test_address_cannot_change_once_the_parcel_has_left(status: str) -> None:
    assert can_change_address(order(status), RULES) == Decision(
        False, f"Order 600042 has already left our warehouse ({status}), so its delivery address can no longer be "
        "changed. The carrier's tracking page may let you redirect the parcel.")


def test_address_of_a_cancelled_order_cannot_change() -> None:
    assert can_change_address(order("cancelled"), RULES) == Decision(
        False, "Order 600042 is cancelled, so there is nothing to deliver.")


def test_a_shop_can_stop_address_changes_earlier() -> None:
    decision = can_change_address(order("packed"), Rules(address_change_statuses=["placed", "paid"]))
    assert not decision.allowed and "(packed)" in decision.reason


@pytest.mark.parametrize("status", ["placed", "paid", "packed"])
def test_refund_before_shipping_suggests_cancelling(status: str) -> None:
    assert can_refund(order(status), RULES, NOW) == Decision(
        False, "Order 600042 hasn't shipped yet: cancel it instead and the payment is refunded in full.")


def test_refund_while_on_the_way_asks_to_wait_for_delivery() -> None:
    assert can_refund(order("shipped"), RULES, NOW) == Decision(
        False, "Order 600042 is on its way. Once it arrives you have 30 days to return it for a refund.")


def test_refund_within_the_return_window_is_allowed() -> None:
    assert can_refund(order("delivered", delivered=(NOW - timedelta(days=10),)), RULES, NOW) == Decision(
        True, "Order 600042 is within the 30-day return window.")


def test_the_last_moment_of_the_window_still_counts() -> None:
    assert can_refund(order("delivered", delivered=(NOW - timedelta(days=30),)), RULES, NOW).allowed
    assert not can_refund(order("delivered", delivered=(NOW - timedelta(days=30, seconds=1),)), RULES, NOW).allowed


def test_refund_outside_the_window_names_the_closing_date() -> None:
    assert can_refund(order("delivered", delivered=(NOW - timedelta(days=87),)), RULES, NOW) == Decision(
        False, "Order 600042 was delivered on 25 August 2026; our 30-day return window closed on 24 September 2026, "
        "so it can't be refunded any more.")


def test_the_window_follows_the_shops_rules() -> None:
    delivered = order("delivered", delivered=(NOW - timedelta(days=10),))
    decision = can_refund(delivered, Rules(return_window_days=7), NOW)
    assert not decision.allowed
    assert "our 7-day return window closed on 17 November 2026" in decision.reason


def test_the_latest_delivery_of_a_split_order_starts_the_window() -> None:
    split = order("delivered", delivered=(NOW - timedelta(days=40), None, NOW - timedelta(days=5)))
    assert delivered_at(split) == NOW - timedelta(days=5)
    assert can_refund(split, RULES, NOW).allowed


def test_a_delivered_order_without_a_delivery_on_record_is_refused() -> None:
    assert can_refund(order("delivered"), RULES, NOW) == Decision(
        False, "Order 600042 has no delivery on record yet.")
    assert delivered_at(order("delivered", delivered=(None,))) is None


def test_an_open_refund_request_is_pointed_out() -> None:
    pending = order("delivered", refunds=(("10.00", "requested"),), delivered=(NOW - timedelta(days=3),))
    decision = can_refund(pending, RULES, NOW)
    assert not decision.allowed
    assert decision.reason.startswith("A refund request for order 600042 is already open")


@pytest.mark.parametrize("refund_status", ["approved", "completed"])
def test_an_order_refunded_in_full_is_refused(refund_status: str) -> None:
    refunded = order("delivered", refunds=(("6.00", refund_status), ("4.00", "approved")),
                     delivered=(NOW - timedelta(days=3),))
    assert can_refund(refunded, RULES, NOW) == Decision(False, "Order 600042 has already been refunded in full.")


def test_a_rejected_refund_does_not_use_up_the_order() -> None:
    rejected = order("delivered", refunds=(("10.00", "rejected"),), delivered=(NOW - timedelta(days=3),))
    assert can_refund(rejected, RULES, NOW).allowed


def test_a_cancelled_and_refunded_order_cannot_be_refunded_again() -> None:
    assert can_refund(order("cancelled", refunds=(("10.00", "approved"),)), RULES, NOW) == Decision(
        False, "Order 600042 has already been refunded in full.")
    assert can_refund(order("cancelled", refunds=(("7.50", "approved"),)), RULES, NOW) == Decision(
        False, "Order 600042 was cancelled; any payment for it was refunded at cancellation.")


def test_refundable_amount_is_the_total_less_refunds_not_rejected() -> None:
    assert refundable_amount(order("delivered")) == Decimal("10.00")
    mixed = order("delivered", refunds=(("3.00", "approved"), ("4.00", "rejected"), ("2.00", "requested")))
    assert refundable_amount(mixed) == Decimal("5.00")


def test_refundable_amount_never_goes_negative() -> None:
    assert refundable_amount(order("delivered", refunds=(("12.00", "completed"),))) == Decimal("0.00")
