"""Plans on the real test database: who is due, windows around ETAs, adding orders, the shopper's window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.delivery import DeliveryPlan, PlanError, add_order, build_plan, current_window, get_plan
from backoffice.delivery.fleet import Fleet
from backoffice.models import DeliveryPlanRow, DeliveryStopRow
from tests.backoffice.delivery.conftest import DAY, TIME_LIMIT, Shop, tiny_fleet

ON_VANS = {"600004", "610001", "610002", "610004"}


def plan_day(sessions: sessionmaker[Session], fleet: Fleet) -> DeliveryPlan:
    with sessions() as session:
        plan = build_plan(session, DAY, time_limit=TIME_LIMIT, fleet=fleet)
        session.commit()
    return plan


def assert_sound(plan: DeliveryPlan, fleet: Fleet) -> None:
    """Each van within its shift and capacity; every ETA inside its promised window of the promised length."""
    for route in plan.routes:
        assert route.parcels <= fleet.vans.capacity_parcels
        assert route.depart.hour >= 8 and route.back.hour < 18
        for stop in route.stops:
            assert stop.window_start <= stop.eta <= stop.window_end, stop
            assert stop.window_end - stop.window_start == timedelta(minutes=60)
            assert stop.window_start.minute % 15 == 0
        etas = [s.eta for s in route.stops]
        assert etas == sorted(etas)
        assert [s.sequence for s in route.stops] == list(range(1, len(route.stops) + 1))


def test_the_due_parcels_in_the_area_go_on_the_vans(sessions: sessionmaker[Session], shop: Shop,
                                                    fleet: Fleet) -> None:
    plan = plan_day(sessions, fleet)
    assert {s.order_number for s in plan.stops} == ON_VANS
    assert [(u.order_number, u.point) for u in plan.unserved] == [("610007", None)]
    assert "ZZ9 is not in the delivery map" in plan.unserved[0].reason
    assert not plan.is_feasible()  # one order cannot be placed, and says so
    assert_sound(plan, fleet)
    assert plan.routes[0].stops and [r.vehicle for r in plan.routes] == ["van-1", "van-2"]
    assert plan.distance_km > 5


def test_a_plan_is_stored_and_reads_back_the_same(sessions: sessionmaker[Session], shop: Shop, fleet: Fleet) -> None:
    plan = plan_day(sessions, fleet)
    with sessions() as session:
        assert get_plan(session, DAY) == plan
        assert get_plan(session, DAY + timedelta(days=1)) is None


def test_planning_again_replaces_the_days_plan(sessions: sessionmaker[Session], shop: Shop, fleet: Fleet) -> None:
    plan_day(sessions, fleet)
    plan_day(sessions, fleet)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(DeliveryPlanRow)) == 1
        assert session.scalar(select(func.count()).select_from(DeliveryStopRow)) == len(ON_VANS) + 1


def test_orders_that_do_not_fit_stay_off_the_vans_with_the_reason(sessions: sessionmaker[Session],
                                                                  shop: Shop) -> None:
    small = tiny_fleet(vans={"count": 1, "capacity_parcels": 2})
    plan = plan_day(sessions, small)
    assert len(plan.stops) == 2
    left = {u.order_number: u.reason for u in plan.unserved}
    assert len(left) == 3 and "610007" in left
    assert any("room" in reason for reason in left.values())


def test_a_day_with_nothing_due_is_an_empty_plan(sessions: sessionmaker[Session], shop: Shop, fleet: Fleet) -> None:
    with sessions() as session:
        plan = build_plan(session, DAY + timedelta(days=30), time_limit=TIME_LIMIT, fleet=fleet)
    assert plan.stops == [] and plan.unserved == () and plan.is_feasible()


def test_add_order_replans_and_keeps_promised_windows(sessions: sessionmaker[Session], shop: Shop,
                                                      fleet: Fleet) -> None:
    before = plan_day(sessions, fleet)
    promised = {s.order_number: (s.window_start, s.window_end) for s in before.stops}
    with sessions() as session:
        after = add_order(session, DAY, "610003", time_limit=TIME_LIMIT, fleet=fleet)
        session.commit()
    assert {s.order_number for s in after.stops} == ON_VANS | {"610003"}
    assert {s.order_number: (s.window_start, s.window_end) for s in after.stops if s.order_number in promised} \
        == promised
    assert_sound(after, fleet)
    with sessions() as session:
        assert get_plan(session, DAY) == after


def test_add_order_builds_the_days_plan_first_when_there_is_none(sessions: sessionmaker[Session], shop: Shop,
                                                                 fleet: Fleet) -> None:
    with sessions() as session:
        plan = add_order(session, DAY, "610008", time_limit=TIME_LIMIT, fleet=fleet)
        session.commit()
    assert {s.order_number for s in plan.stops} == ON_VANS | {"610008"}


def test_adding_an_order_that_would_break_a_promise_leaves_it_off_the_vans(sessions: sessionmaker[Session],
                                                                          shop: Shop) -> None:
    full = tiny_fleet(vans={"count": 1, "capacity_parcels": 4})
    before = plan_day(sessions, full)
    assert {s.order_number for s in before.stops} == ON_VANS
    with sessions() as session:
        after = add_order(session, DAY, "610003", time_limit=TIME_LIMIT, fleet=full)
    assert after.routes == before.routes
    reason = after.unserved_reason("610003")
    assert reason and "room" in reason


@pytest.mark.parametrize(("number", "code", "words"), [
    ("999999", "unknown_order", "can't find an order '999999'"),
    ("600004", "already_planned", "already in the plan for Sunday 22 November: Van"),
    ("610007", "unlocatable", "can't place order 610007's address"),
    ("610010", "closed", "is cancelled"),
    ("600005", "closed", "already been delivered"),
    ("600001", "not_ready", r"not been packed yet \(it is placed\)"),
    ("610005", "outside_area", r"M1 4BT Manchester, 26\d km from the depot, outside the vans' 25 km area"),
    ("610006", "outside_area", "goes to France"),
])
def test_add_order_refuses_politely(sessions: sessionmaker[Session], shop: Shop, fleet: Fleet, number: str,
                                    code: str, words: str) -> None:
    plan_day(sessions, fleet)
    with sessions() as session, pytest.raises(PlanError, match=words) as err:
        add_order(session, DAY, number, time_limit=TIME_LIMIT, fleet=fleet)
    assert err.value.code == code


def test_current_window_finds_a_planned_order(sessions: sessionmaker[Session], shop: Shop, fleet: Fleet) -> None:
    plan = plan_day(sessions, fleet)
    found = plan.find("610002")
    assert found is not None
    route, stop = found
    with sessions() as session:
        window = current_window(session, "610002", DAY - timedelta(days=1))
        assert window is not None
        assert (window.day, window.start, window.end, window.vehicle) == (DAY, stop.window_start, stop.window_end,
                                                                          route.vehicle)
        assert window.describe().startswith("Sunday 22 November, between ")
        assert current_window(session, "610002", DAY + timedelta(days=1)) is None  # the day has passed
        assert current_window(session, "610007", DAY) is None  # in the plan, but on no van
        assert current_window(session, "600002", DAY) is None  # not planned at all


def test_current_window_forgets_a_cancelled_order(sessions: sessionmaker[Session], shop: Shop, fleet: Fleet) -> None:
    plan_day(sessions, fleet)
    with sessions() as session:
        order = session.get(type(shop.orders["610001"]), shop.orders["610001"].id)
        assert order is not None
        order.status = "cancelled"
        session.commit()
        assert current_window(session, "610001", DAY) is None
