"""Stored van stops follow order changes: a cancelled order leaves the plan, a re-addressed one leaves its van."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.config import ROOT
from backoffice.delivery import DeliveryPlan, add_order, build_plan, current_window, get_plan, plan_summary
from backoffice.delivery.fleet import Fleet
from backoffice.delivery.store import READDRESSED
from backoffice.fraud import shop as fraud
from backoffice.knowledge import KnowledgeBase
from backoffice.models import DeliveryPlanRow, Order
from backoffice.orders import PolicyRefused, cancel, change_address
from tests.backoffice.delivery.conftest import DAY, TIME_LIMIT, Shop
from tests.factories import NOW

RULES = KnowledgeBase.load(ROOT / "backoffice" / "kb" / "policies.yml").rules
PACKED = "610003"  # packed, so it may still be cancelled or re-addressed; an operator puts it on a van
NEW_ADDRESS = "12 Elm Road, Leeds LS1 4AB"


def planned_with_packed_order(sessions: sessionmaker[Session], fleet: Fleet) -> DeliveryPlan:
    """DAY's plan with the packed order added on a van, as stored."""
    with sessions() as session:
        build_plan(session, DAY, time_limit=TIME_LIMIT, fleet=fleet, now=NOW)
        plan = add_order(session, DAY, PACKED, time_limit=TIME_LIMIT, fleet=fleet, now=NOW)
        session.commit()
    assert plan.find(PACKED) is not None
    return plan


def order(session: Session, number: str) -> Order:
    return session.scalars(select(Order).where(Order.number == number)).one()


def promises(plan: DeliveryPlan, *, without: str) -> dict[str, tuple[str, datetime, datetime, datetime]]:
    """Every other order on a van: its van, ETA and promised window."""
    return {stop.order_number: (route.vehicle, stop.eta, stop.window_start, stop.window_end)
            for route in plan.routes for stop in route.stops if stop.order_number != without}


def assert_numbered(plan: DeliveryPlan) -> None:
    for route in plan.routes:
        assert [stop.sequence for stop in route.stops] == list(range(1, len(route.stops) + 1))
        assert [stop.eta for stop in route.stops] == sorted(stop.eta for stop in route.stops)


def stored(sessions: sessionmaker[Session]) -> DeliveryPlan:
    with sessions() as session:
        plan = get_plan(session, DAY)
    assert plan is not None
    return plan


def updated_at(sessions: sessionmaker[Session]) -> datetime:
    with sessions() as session:
        return session.scalars(select(DeliveryPlanRow.updated_at).where(DeliveryPlanRow.day == DAY)).one()


def test_a_cancelled_order_leaves_the_plan_and_nobody_elses_window_moves(sessions: sessionmaker[Session],
                                                                          shop: Shop, fleet: Fleet) -> None:
    before = planned_with_packed_order(sessions, fleet)
    later = NOW + timedelta(minutes=5)
    with sessions() as session:
        cancel(session, order(session, PACKED), rules=RULES, now=later)
        session.commit()
    after = stored(sessions)
    assert PACKED not in after.order_numbers
    assert promises(after, without=PACKED) == promises(before, without=PACKED)
    assert after.unserved == before.unserved
    assert_numbered(after)
    assert updated_at(sessions) == later
    with sessions() as session:
        assert current_window(session, PACKED, DAY) is None


def test_a_fraud_reject_takes_the_order_out_of_the_plan(sessions: sessionmaker[Session], shop: Shop,
                                                        fleet: Fleet) -> None:
    before = planned_with_packed_order(sessions, fleet)
    with sessions() as session:
        fraud.review(session, PACKED, "reject", "Card reported stolen", None, now=NOW)
        session.commit()
    after = stored(sessions)
    assert PACKED not in after.order_numbers
    assert promises(after, without=PACKED) == promises(before, without=PACKED)
    assert_numbered(after)


def test_a_fraud_approve_leaves_the_plan_alone(sessions: sessionmaker[Session], shop: Shop, fleet: Fleet) -> None:
    before = planned_with_packed_order(sessions, fleet)
    with sessions() as session:
        fraud.review(session, PACKED, "approve", "Known customer", None, now=NOW)
        session.commit()
    assert stored(sessions) == before


def test_a_readdressed_order_leaves_its_van_and_waits_for_a_dispatcher(sessions: sessionmaker[Session], shop: Shop,
                                                                      fleet: Fleet) -> None:
    before = planned_with_packed_order(sessions, fleet)
    with sessions() as session:
        change_address(session, order(session, PACKED), NEW_ADDRESS, rules=RULES, now=NOW)
        session.commit()
    after = stored(sessions)
    assert after.find(PACKED) is None  # no van drives to the old door
    reason = READDRESSED.format(address=NEW_ADDRESS)
    assert after.unserved_reason(PACKED) == reason
    assert [(u.point, u.demand) for u in after.unserved if u.order_number == PACKED] == [(None, 1)]
    assert f"Order {PACKED} is not on a van: {reason}." in plan_summary(after)
    assert promises(after, without=PACKED) == promises(before, without=PACKED)
    assert_numbered(after)
    with sessions() as session:
        assert current_window(session, PACKED, DAY) is None  # the old window is not promised any more


def test_plans_of_past_days_are_history_and_stay(sessions: sessionmaker[Session], shop: Shop, fleet: Fleet) -> None:
    before = planned_with_packed_order(sessions, fleet)
    the_day_after = datetime.combine(DAY + timedelta(days=1), datetime.min.time())
    with sessions() as session:
        cancel(session, order(session, PACKED), rules=RULES, now=the_day_after)
        session.commit()
    assert stored(sessions) == before
    assert updated_at(sessions) == NOW


def test_a_refused_change_leaves_the_plan_alone(sessions: sessionmaker[Session], shop: Shop, fleet: Fleet) -> None:
    with sessions() as session:
        before = build_plan(session, DAY, time_limit=TIME_LIMIT, fleet=fleet, now=NOW)
        session.commit()
    with sessions() as session, pytest.raises(PolicyRefused, match="already shipped"):
        cancel(session, order(session, "610001"), rules=RULES, now=NOW)
    assert stored(sessions) == before
