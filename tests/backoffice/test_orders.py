"""Orders as a shopper sees them: ownership-checked look-ups, summaries, and the changes the policy allows."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.config import ROOT
from backoffice.knowledge import KnowledgeBase
from backoffice.models import Order, OrderLine, Product, Refund, Return
from backoffice.orders import (
    OrderChanged,
    PolicyRefused,
    cancel,
    change_address,
    find_order,
    normalise_number,
    plausible_address,
    recent_orders,
    request_refund,
    view,
)
from tests.factories import NOW, Store, build_store

RULES = KnowledgeBase.load(ROOT / "backoffice" / "kb" / "policies.yml").rules


@pytest.fixture
def store(session: Session) -> Store:
    return build_store(session)


def reread(sessions: sessionmaker[Session], number: str) -> Order:
    """The order as another connection sees it after the caller committed."""
    with sessions() as fresh:
        found = find_order(fresh, number, customer_id=101)
        assert found is not None
        view(found)  # load everything a summary needs before the session closes
        fresh.expunge_all()
        return found


def refunds_in_db(sessions: sessionmaker[Session]) -> list[tuple[str, Decimal, str]]:
    with sessions() as fresh:
        rows = fresh.execute(select(Order.number, Refund.amount, Refund.status).join(Refund.order).order_by(Refund.id))
        return [tuple(row) for row in rows]


@pytest.mark.parametrize(("raw", "expected"), [
    ("#536365 ", "536365"),
    ("536365", "536365"),
    ("  536365\n", "536365"),
    ("# 536365", "536365"),
    ("53636", None),
    ("5363650", None),
    ("abc", None),
    ("53636a", None),
    ("", None),
    (None, None),
])
def test_normalise_number(raw: str | None, expected: str | None) -> None:
    assert normalise_number(raw) == expected


def test_find_own_order_by_customer_id(session: Session, store: Store) -> None:
    found = find_order(session, "#600002", customer_id=101)
    assert found is not None and found.number == "600002" and found.customer_id == 101


def test_foreign_and_unknown_orders_look_the_same(session: Session, store: Store) -> None:
    assert find_order(session, "700001", customer_id=101) is None  # Bob's
    assert find_order(session, "600002", customer_id=202) is None  # Alice's
    assert find_order(session, "999999", customer_id=101) is None  # nobody's
    assert find_order(session, "60000", customer_id=101) is None  # not a number


def test_find_order_by_email_ignores_case_and_spaces(session: Session, store: Store) -> None:
    found = find_order(session, "600005", email="  Alice@EXAMPLE.com ")
    assert found is not None and found.number == "600005"


def test_find_order_by_wrong_email_finds_nothing(session: Session, store: Store) -> None:
    assert find_order(session, "600005", email="bob@example.com") is None
    assert find_order(session, "700001", email="alice@example.com") is None


@pytest.mark.parametrize("email", [None, ""])
def test_find_order_without_any_proof_finds_nothing(session: Session, store: Store, email: str | None) -> None:
    assert find_order(session, "600005", email=email) is None
    assert find_order(session, "600005") is None


def test_customer_id_is_the_proof_when_both_are_given(session: Session, store: Store) -> None:
    assert find_order(session, "600005", customer_id=202, email="alice@example.com") is None


def test_recent_orders_newest_first_and_limited(session: Session, store: Store) -> None:
    assert [o.number for o in recent_orders(session, customer_id=101)] == [
        "600001", "600002", "600003", "600004", "600005"]
    assert [o.number for o in recent_orders(session, customer_id=101, limit=2)] == ["600001", "600002"]
    assert [o.number for o in recent_orders(session, customer_id=202)] == ["700001"]
    assert recent_orders(session, customer_id=999) == []


def test_view_of_a_shipped_order_that_runs_late(session: Session, store: Store) -> None:
    summary = view(find_order(session, "600004", customer_id=101))
    assert (summary.number, summary.status, summary.total, summary.item_count) == (
        "600004", "shipped", Decimal("4.20"), 2)
    assert summary.placed_at == NOW - timedelta(days=2)
    assert summary.items == ["2 × Hand Warmer Union Jack"]
    assert summary.items_text() == "2 × Hand Warmer Union Jack"
    assert summary.address == "1 High Street, N1 1AA London, United Kingdom"
    tracking = summary.tracking
    assert tracking is not None
    assert (tracking.carrier, tracking.tracking_number, tracking.status) == ("Royal Mail", "RM600004GB", "in_transit")
    assert tracking.latest_event == "Collected by carrier (Birmingham hub, 19 Nov 12:00)"
    assert (tracking.promised, tracking.estimated) == (date(2026, 11, 21), date(2026, 11, 22))
    assert tracking.delivered_at is None
    assert tracking.late is True
    assert summary.refunds == []


def test_view_of_a_delivered_order_is_not_late(session: Session, store: Store) -> None:
    tracking = view(find_order(session, "600005", customer_id=101)).tracking
    assert tracking is not None
    assert tracking.latest_event == "Delivered (London, 13 Nov 12:00)"
    assert tracking.delivered_at == NOW - timedelta(days=7)
    assert tracking.late is False


def test_view_of_an_unshipped_order_has_no_tracking(session: Session, store: Store) -> None:
    summary = view(find_order(session, "600001", customer_id=101))
    assert summary.tracking is None and summary.status == "placed"


def test_items_text_names_three_items_and_counts_the_rest(session: Session, store: Store) -> None:
    order = store.orders["placed"]
    for i, title in enumerate(["Paper Chain Kit", "Jam Jar Candle", "Tea Towel"]):
        product = Product(sku=f"T{i}", title=title, price=Decimal("1.00"), stock_on_hand=1)
        order.lines.append(OrderLine(product=product, quantity=i + 1, unit_price=Decimal("1.00")))
    session.commit()
    summary = view(find_order(session, "600001", customer_id=101))
    assert summary.item_count == 2 + 1 + 2 + 3
    assert summary.items_text() == "2 × Hand Warmer Union Jack, 1 × Paper Chain Kit, 2 × Jam Jar Candle and 1 more"
    assert summary.items_text(limit=1) == "2 × Hand Warmer Union Jack and 3 more"
    assert summary.items_text(limit=4) == ("2 × Hand Warmer Union Jack, 1 × Paper Chain Kit, 2 × Jam Jar Candle, "
                                           "3 × Tea Towel")


def test_cancel_paid_order_refunds_what_was_paid(session: Session, sessions: sessionmaker[Session],
                                                 store: Store) -> None:
    order = find_order(session, "600002", customer_id=101)
    decision, refund = cancel(session, order, rules=RULES, now=NOW)
    session.commit()
    assert decision.allowed and decision.fee == Decimal("0.00")
    assert refund is not None and refund.amount == Decimal("6.30")
    saved = reread(sessions, "600002")
    assert (saved.status, saved.cancelled_at) == ("cancelled", NOW)
    assert refunds_in_db(sessions) == [("600002", Decimal("6.30"), "approved")]
    assert view(saved).refunds == [(Decimal("6.30"), "approved", NOW)]
    assert saved.refunds[0].reason == "Cancelled by the shopper"


def test_cancel_packed_order_keeps_the_fee(session: Session, sessions: sessionmaker[Session], store: Store) -> None:
    order = find_order(session, "600003", customer_id=101)
    decision, _ = cancel(session, order, rules=RULES, now=NOW)
    session.commit()
    assert decision.fee == Decimal("2.50")
    assert reread(sessions, "600003").status == "cancelled"
    assert refunds_in_db(sessions) == [("600003", Decimal("4.28"), "approved")]  # 6.78 paid - 2.50


def test_cancel_unpaid_order_refunds_nothing(session: Session, sessions: sessionmaker[Session], store: Store) -> None:
    cancel(session, find_order(session, "600001", customer_id=101), rules=RULES, now=NOW)
    session.commit()
    assert reread(sessions, "600001").status == "cancelled"
    assert refunds_in_db(sessions) == []


def test_cancel_shipped_order_is_refused_and_changes_nothing(session: Session, sessions: sessionmaker[Session],
                                                             store: Store) -> None:
    order = find_order(session, "600004", customer_id=101)
    with pytest.raises(PolicyRefused) as refused:
        cancel(session, order, rules=RULES, now=NOW)
    assert str(refused.value) == refused.value.decision.reason == (
        "Order 600004 has already shipped, so it can no longer be cancelled. Once it is delivered you can return it "
        "within 30 days for a refund.")
    session.commit()
    saved = reread(sessions, "600004")
    assert (saved.status, saved.cancelled_at) == ("shipped", None)
    assert refunds_in_db(sessions) == []


def test_cancel_twice_is_refused(session: Session, store: Store) -> None:
    order = find_order(session, "600002", customer_id=101)
    cancel(session, order, rules=RULES, now=NOW)
    with pytest.raises(PolicyRefused, match="Order 600002 is already cancelled."):
        cancel(session, order, rules=RULES, now=NOW)
    assert len(order.refunds) == 1


def test_change_address_before_shipping(session: Session, sessions: sessionmaker[Session], store: Store) -> None:
    order = find_order(session, "600003", customer_id=101)
    decision = change_address(session, order, "  12 Elm Road, Leeds LS1 4AB ", rules=RULES)
    session.commit()
    assert decision.allowed
    saved = reread(sessions, "600003")
    assert saved.ship_line1 == "12 Elm Road, Leeds LS1 4AB"
    assert view(saved).address.startswith("12 Elm Road, Leeds LS1 4AB")


def test_changed_address_reads_cleanly_in_the_order_summary(session: Session, store: Store) -> None:
    order = find_order(session, "600003", customer_id=101)
    change_address(session, order, "12 Elm Road, Leeds LS1 4AB", rules=RULES)
    assert ",  ," not in view(order).address


def test_blank_or_absurd_addresses_are_refused(session: Session, sessions: sessionmaker[Session],
                                                  store: Store) -> None:
    order = find_order(session, "600002", customer_id=101)
    for bad in ("x" * 250, "", "   ", "home"):
        with pytest.raises(ValueError):
            change_address(session, order, bad, rules=RULES)
    session.commit()
    assert reread(sessions, "600002").ship_line1 == "1 High Street"


def test_change_address_after_shipping_is_refused_and_changes_nothing(
    session: Session, sessions: sessionmaker[Session], store: Store
) -> None:
    order = find_order(session, "600004", customer_id=101)
    with pytest.raises(PolicyRefused, match=r"Order 600004 has already left our warehouse \(shipped\)"):
        change_address(session, order, "12 Elm Road", rules=RULES)
    session.commit()
    assert view(reread(sessions, "600004")).address == "1 High Street, N1 1AA London, United Kingdom"


def test_request_refund_opens_a_return_and_a_refund_request(session: Session, sessions: sessionmaker[Session],
                                                            store: Store) -> None:
    order = find_order(session, "600005", customer_id=101)
    refund = request_refund(session, order, rules=RULES, now=NOW, reason="Arrived broken")
    session.commit()
    assert (refund.amount, refund.status, refund.reason, refund.created_at) == (
        Decimal("13.56"), "requested", "Arrived broken", NOW)
    assert refunds_in_db(sessions) == [("600005", Decimal("13.56"), "requested")]
    with sessions() as fresh:
        returns = [(r.order.number, r.reason, r.status, r.created_at) for r in fresh.scalars(select(Return))]
    assert returns == [("600005", "Arrived broken", "requested", NOW)]
    assert reread(sessions, "600005").status == "delivered"


def test_a_second_refund_request_is_refused(session: Session, sessions: sessionmaker[Session], store: Store) -> None:
    order = find_order(session, "600005", customer_id=101)
    request_refund(session, order, rules=RULES, now=NOW, reason="Arrived broken")
    session.commit()
    with pytest.raises(PolicyRefused, match="^A refund request for order 600005 is already open"):
        request_refund(session, order, rules=RULES, now=NOW, reason="Again")
    session.commit()
    assert refunds_in_db(sessions) == [("600005", Decimal("13.56"), "requested")]
    with sessions() as fresh:
        assert fresh.scalar(select(func.count()).select_from(Return)) == 1


def test_a_refund_request_after_a_rejected_one_asks_for_the_full_amount(session: Session, store: Store) -> None:
    order = find_order(session, "600005", customer_id=101)
    session.add(Refund(order=order, amount=Decimal("13.56"), reason="x", status="rejected", created_at=NOW))
    session.flush()
    assert request_refund(session, order, rules=RULES, now=NOW, reason="y").amount == Decimal("13.56")


def test_request_refund_outside_the_window_is_refused(session: Session, store: Store) -> None:
    with pytest.raises(PolicyRefused, match="window closed on 24 September 2026"):
        request_refund(session, find_order(session, "600006", customer_id=101), rules=RULES, now=NOW, reason="x")
    assert session.scalars(select(Refund)).all() == []


def test_request_refund_before_delivery_is_refused(session: Session, store: Store) -> None:
    with pytest.raises(PolicyRefused, match="is on its way"):
        request_refund(session, find_order(session, "600004", customer_id=101), rules=RULES, now=NOW, reason="x")
    with pytest.raises(PolicyRefused, match="cancel it instead"):
        request_refund(session, find_order(session, "600002", customer_id=101), rules=RULES, now=NOW, reason="x")
    assert session.scalars(select(Return)).all() == []


def mine(session: Session, number: str) -> Order:
    """Alice's order ``number``, loaded in ``session``."""
    order = find_order(session, number, customer_id=101)
    assert order is not None
    return order


def changed_elsewhere(sessions: sessionmaker[Session], number: str, **values: object) -> None:
    """Another connection changes the order and commits (what a concurrent request does)."""
    with sessions() as other:
        order = mine(other, number)
        for name, value in values.items():
            setattr(order, name, value)
        other.commit()


def test_a_cancel_decided_on_a_stale_read_changes_nothing(session: Session, sessions: sessionmaker[Session],
                                                          store: Store) -> None:
    order = mine(session, "600002")
    changed_elsewhere(sessions, "600002", status="cancelled", cancelled_at=NOW)
    with pytest.raises(OrderChanged) as changed:
        cancel(session, order, rules=RULES, now=NOW + timedelta(minutes=1))
    assert isinstance(changed.value, PolicyRefused) and not changed.value.decision.allowed
    assert changed.value.decision.reason == (
        "Order 600002 was changed a moment ago (it is now cancelled), so I left it as it is.")
    assert order.status == "cancelled"  # the loaded order now shows what is stored
    session.rollback()
    assert refunds_in_db(sessions) == []
    assert reread(sessions, "600002").cancelled_at == NOW


def test_a_free_cancel_is_not_applied_to_an_order_packed_meanwhile(session: Session, sessions: sessionmaker[Session],
                                                                   store: Store) -> None:
    order = mine(session, "600002")  # paid: the shopper was told it is free
    changed_elsewhere(sessions, "600002", status="packed")
    with pytest.raises(OrderChanged, match=r"it is now packed"):
        cancel(session, order, rules=RULES, now=NOW)
    session.rollback()
    assert reread(sessions, "600002").status == "packed"  # no fee was taken without the shopper agreeing
    assert refunds_in_db(sessions) == []


def test_an_address_change_on_an_order_cancelled_meanwhile_is_refused(
    session: Session, sessions: sessionmaker[Session], store: Store
) -> None:
    order = mine(session, "600003")
    changed_elsewhere(sessions, "600003", status="cancelled")
    with pytest.raises(OrderChanged, match=r"^Order 600003 was changed a moment ago \(it is now cancelled\)"):
        change_address(session, order, "12 Elm Road, Leeds LS1 4AB", rules=RULES)
    session.commit()
    assert reread(sessions, "600003").ship_line1 == "1 High Street"


def test_an_address_change_on_an_order_held_meanwhile_is_refused(
    session: Session, sessions: sessionmaker[Session], store: Store
) -> None:
    order = mine(session, "600003")
    changed_elsewhere(sessions, "600003", fraud_hold=True)
    with pytest.raises(OrderChanged):
        change_address(session, order, "12 Elm Road, Leeds LS1 4AB", rules=RULES)
    session.commit()
    assert reread(sessions, "600003").ship_line1 == "1 High Street"


def test_a_refund_request_opened_meanwhile_is_not_opened_twice(session: Session, sessions: sessionmaker[Session],
                                                               store: Store) -> None:
    order = mine(session, "600005")
    with sessions() as other:
        request_refund(other, mine(other, "600005"), rules=RULES, now=NOW, reason="Broken")
        other.commit()
    with pytest.raises(OrderChanged, match="^A refund request for order 600005 is already open"):
        request_refund(session, order, rules=RULES, now=NOW, reason="Broken too")
    session.rollback()
    assert refunds_in_db(sessions) == [("600005", Decimal("13.56"), "requested")]
    with sessions() as fresh:
        assert fresh.scalar(select(func.count()).select_from(Return)) == 1


def test_a_partial_refund_meanwhile_changes_the_amount_so_nothing_is_opened(
    session: Session, sessions: sessionmaker[Session], store: Store
) -> None:
    order = mine(session, "600005")  # £13.56 refundable as the shopper saw it
    with sessions() as other:
        other.add(Refund(order_id=order.id, amount=Decimal("3.39"), reason="goodwill", status="approved",
                         created_at=NOW))
        other.commit()
    with pytest.raises(OrderChanged, match=r"^Order 600005 was changed a moment ago: £10.17 is refundable now"):
        request_refund(session, order, rules=RULES, now=NOW, reason="Broken")
    session.rollback()
    assert refunds_in_db(sessions) == [("600005", Decimal("3.39"), "approved")]


@pytest.mark.parametrize(("text", "ok"), [
    ("22 Baker Street, London NW1 6XE", True), ("Flat 3, 9 Rue de Rivoli, 75001 Paris", True),
    ("home", False), ("actually, can I pay with 2 cards?", False), ("12345678", False), ("", False)])
def test_plausible_address(text: str, ok: bool) -> None:
    assert plausible_address(text) is ok
