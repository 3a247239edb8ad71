"""Two conflicting changes to one order fired at the same moment, each from its own session: exactly one applies.

Each thread loads the order in its own session (as the chat action and the console do before they change it),
waits at a barrier with the other, then applies its change and commits. Whatever the interleaving, the order must
end in one consistent state with one refund at most, and the loser must get a ``PolicyRefused`` (the order changed
meanwhile) instead of applying a decision made on what it read before. Every race runs ``ROUNDS`` times on a fresh
order, on a SQLite file and on PostgreSQL (``SHOPDESK_TEST_POSTGRES_URL``; skipped without it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload, sessionmaker

from backoffice.config import ROOT
from backoffice.fraud import shop
from backoffice.knowledge import KnowledgeBase
from backoffice.models import (
    DeliveryPlanRow,
    DeliveryRouteRow,
    DeliveryStopRow,
    FraudLabel,
    Order,
    Payment,
    Refund,
    Return,
    Shipment,
)
from backoffice.orders import PolicyRefused, cancel, change_address, request_refund
from tests.factories import NOW, Store, build_store

RULES = KnowledgeBase.load(ROOT / "backoffice" / "kb" / "policies.yml").rules
ROUNDS = 5
NEW_ADDRESS = "12 Elm Road, Leeds LS1 4AB"

Change = Callable[[Session, Order], object]


@dataclass
class Outcome:
    """What one side of a race got: its result or the refusal, and when (monotonic) its change returned."""

    result: object
    at: float

    @property
    def refused(self) -> bool:
        return isinstance(self.result, PolicyRefused)


@pytest.fixture
def store(sessions: sessionmaker[Session]) -> Store:
    with sessions() as session:
        return build_store(session)


def new_order(sessions: sessionmaker[Session], store: Store, number: str, status: str, *, held: bool = False,
              delivered: bool = False) -> None:
    """A paid order of Alice's (£6.30), optionally held for a fraud review or delivered three days ago."""
    with sessions() as session:
        order = Order(number=number, customer_id=store.alice.id, email=store.alice.email, status=status,
                      placed_at=NOW - timedelta(days=5), total=Decimal("6.30"), ship_line1="1 High Street",
                      ship_city="London", ship_postcode="N1 1AA", ship_country="United Kingdom", fraud_hold=held)
        order.payments.append(Payment(method="card", amount=Decimal("6.30"), status="captured",
                                      created_at=NOW - timedelta(days=5)))
        if delivered:
            order.shipments.append(Shipment(
                carrier="Royal Mail", tracking_number=f"RM{number}GB", status="delivered",
                shipped_at=NOW - timedelta(days=4), promised_delivery=(NOW - timedelta(days=3)).date(),
                estimated_delivery=(NOW - timedelta(days=3)).date(), delivered_at=NOW - timedelta(days=3)))
        session.add(order)
        session.commit()


def plan_with(sessions: sessionmaker[Session], store: Store, number: str, day: date) -> None:
    """A stored van plan for ``day``: order ``number`` is stop 1 of van-1, the factory's order 600002 stop 2."""
    with sessions() as session:
        raced = session.scalars(select(Order).where(Order.number == number)).one()
        start = datetime.combine(day, datetime.min.time())
        plan = DeliveryPlanRow(day=day, depot_name="Depot", depot_lat=51.529, depot_lon=-0.017, solver_status="solved",
                               created_at=NOW, updated_at=NOW)
        plan.routes.append(DeliveryRouteRow(vehicle="van-1", position=0, depart=start + timedelta(hours=8),
                                            back=start + timedelta(hours=11), distance_km=12.0))
        for sequence, order_id in ((1, raced.id), (2, store.orders["paid"].id)):
            hour = start + timedelta(hours=8 + sequence)
            plan.stops.append(DeliveryStopRow(order_id=order_id, vehicle="van-1", sequence=sequence, lat=51.53,
                                              lon=-0.08, demand=1, eta=hour, window_start=hour - timedelta(minutes=30),
                                              window_end=hour + timedelta(minutes=30)))
        session.add(plan)
        session.commit()


def stops_of(sessions: sessionmaker[Session], day: date) -> list[tuple[str, str | None, int | None, datetime | None]]:
    """The stored stops of ``day``'s plan: order number, van, sequence and promised window start."""
    with sessions() as session:
        rows = session.execute(
            select(Order.number, DeliveryStopRow.vehicle, DeliveryStopRow.sequence, DeliveryStopRow.window_start)
            .join(DeliveryStopRow, DeliveryStopRow.order_id == Order.id)
            .join(DeliveryPlanRow, DeliveryStopRow.plan_id == DeliveryPlanRow.id)
            .where(DeliveryPlanRow.day == day).order_by(DeliveryStopRow.id))
        return [(row[0], row[1], row[2], row[3]) for row in rows]


def race(sessions: sessionmaker[Session], number: str, *changes: Change) -> list[Outcome]:
    """Run every change on order ``number`` in its own thread and session, all released at once by a barrier."""
    barrier = threading.Barrier(len(changes))
    outcomes: list[Outcome | None] = [None] * len(changes)
    errors: list[BaseException] = []

    def side(index: int, change: Change) -> None:
        try:
            with sessions() as session:
                order = session.scalars(select(Order).where(Order.number == number).options(
                    selectinload(Order.payments), selectinload(Order.refunds), selectinload(Order.shipments),
                    selectinload(Order.fraud_labels))).one()
                barrier.wait(timeout=30)
                try:
                    result = change(session, order)
                except PolicyRefused as refused:
                    outcomes[index] = Outcome(refused, time.monotonic())
                    session.rollback()
                    return
                outcomes[index] = Outcome(result, time.monotonic())
                session.commit()
        except BaseException as error:  # noqa: BLE001 - handed to the test thread, which fails with it
            errors.append(error)

    threads = [threading.Thread(target=side, args=(i, change)) for i, change in enumerate(changes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    if errors:
        raise errors[0]
    assert all(outcome is not None for outcome in outcomes), "a side of the race did not finish"
    return [outcome for outcome in outcomes if outcome is not None]


def shopper_cancels(session: Session, order: Order) -> object:
    return cancel(session, order, rules=RULES, now=NOW)


def operator_rejects(session: Session, order: Order) -> object:
    return shop.review(session, order, "reject", "Card reported stolen", None, now=NOW)


def shopper_asks_refund(session: Session, order: Order) -> object:
    return request_refund(session, order, rules=RULES, now=NOW, reason="Arrived broken")


def shopper_readdresses(session: Session, order: Order) -> object:
    return change_address(session, order, NEW_ADDRESS, rules=RULES, now=NOW)


def final(sessions: sessionmaker[Session], number: str) -> tuple[Order, list[Refund], int, int]:
    """The order as stored, its refunds, and how many returns and review labels it has."""
    with sessions() as session:
        order = session.scalars(select(Order).where(Order.number == number)).one()
        refunds = list(session.scalars(select(Refund).where(Refund.order_id == order.id)))
        returns = session.scalar(select(func.count()).select_from(Return).where(Return.order_id == order.id))
        labels = session.scalar(select(func.count()).select_from(FraudLabel).where(FraudLabel.order_id == order.id))
        session.expunge_all()
        return order, refunds, int(returns or 0), int(labels or 0)


def one_winner(outcomes: list[Outcome]) -> int:
    """The index of the side that applied its change; the other must have been refused."""
    refused = [outcome.refused for outcome in outcomes]
    assert sorted(refused) == [False, True], [o.result for o in outcomes]
    return refused.index(False)


def test_shopper_cancel_and_operator_reject_refund_once(sessions: sessionmaker[Session], store: Store) -> None:
    for round_ in range(ROUNDS):
        number = f"6510{round_:02d}"
        new_order(sessions, store, number, "paid", held=True)
        outcomes = race(sessions, number, shopper_cancels, operator_rejects)
        winner = one_winner(outcomes)
        order, refunds, _, labels = final(sessions, number)
        assert (order.status, order.cancelled_at) == ("cancelled", NOW)
        assert [(r.amount, r.status) for r in refunds] == [(Decimal("6.30"), "approved")]
        expected = "Cancelled by the shopper" if winner == 0 else "Order cancelled"
        assert refunds[0].reason == expected
        assert labels == (1 if winner == 1 else 0)  # a refused review stores no label: the operator looks again
        assert order.fraud_hold is (winner == 0)  # only the review releases the hold


def test_two_cancels_refund_once(sessions: sessionmaker[Session], store: Store) -> None:
    for round_ in range(ROUNDS):
        number = f"6520{round_:02d}"
        new_order(sessions, store, number, "paid")
        outcomes = race(sessions, number, shopper_cancels, shopper_cancels)
        one_winner(outcomes)
        order, refunds, _, _ = final(sessions, number)
        assert order.status == "cancelled"
        assert [(r.amount, r.status) for r in refunds] == [(Decimal("6.30"), "approved")]


def test_two_refund_requests_open_one(sessions: sessionmaker[Session], store: Store) -> None:
    for round_ in range(ROUNDS):
        number = f"6530{round_:02d}"
        new_order(sessions, store, number, "delivered", delivered=True)
        outcomes = race(sessions, number, shopper_asks_refund, shopper_asks_refund)
        one_winner(outcomes)
        order, refunds, returns, _ = final(sessions, number)
        assert order.status == "delivered"
        assert [(r.amount, r.status) for r in refunds] == [(Decimal("6.30"), "requested")]
        assert returns == 1


def test_address_change_and_cancel_apply_in_one_order(sessions: sessionmaker[Session], store: Store) -> None:
    """Both may apply when the address change comes first; once the order is cancelled, the address is kept.

    Either way the cancelled order's van stop is gone and the other stop on the van moves up, keeping its window.
    """
    for round_ in range(ROUNDS):
        number = f"6540{round_:02d}"
        day = NOW.date() + timedelta(days=round_ + 1)
        new_order(sessions, store, number, "paid")
        plan_with(sessions, store, number, day)
        readdress, cancelling = race(sessions, number, shopper_readdresses, shopper_cancels)
        assert not cancelling.refused  # a new address does not stop a cancellation
        order, refunds, _, _ = final(sessions, number)
        assert order.status == "cancelled"
        assert [(r.amount, r.status) for r in refunds] == [(Decimal("6.30"), "approved")]
        if readdress.at < cancelling.at:
            assert not readdress.refused and order.ship_line1 == NEW_ADDRESS
        else:  # the cancel won: the address of a cancelled order stays as it was
            assert readdress.refused, "the address of an already cancelled order was changed"
            assert order.ship_line1 == "1 High Street"
        window = datetime.combine(day, datetime.min.time()) + timedelta(hours=9, minutes=30)
        assert stops_of(sessions, day) == [("600002", "van-1", 1, window)]
