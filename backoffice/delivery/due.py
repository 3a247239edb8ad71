"""Which orders the shop's vans deliver on a day, and why an order cannot go on a van.

The rule (the seed gives every UK parcel a shipment with an estimated delivery day): an order is **due** on
``day`` when it is packed or shipped, not held for a fraud review, and its latest shipment is not delivered and is
estimated to arrive on ``day``. Of those, orders to the UK whose address lies within the service area go on the
vans; orders abroad or further away go by carrier and are not planned; UK addresses that cannot be placed stay in
the plan, off the vans, with the reason. Late parcels (estimated earlier, still undelivered) are not picked up
automatically, so yesterday's round is never planned twice: an operator adds them with ``add_order``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from backoffice.delivery.fleet import Fleet
from backoffice.delivery.geo import UK_COUNTRIES, Location, UnknownPlace, geocode
from backoffice.models import Order, OrderStatus, Shipment

READY = (OrderStatus.PACKED, OrderStatus.SHIPPED)


class PlanError(ValueError):
    """An order cannot be added to a plan; ``code`` names the case, the message is fit to show an operator.

    Codes: ``unknown_order``, ``closed`` (cancelled, delivered or returned), ``not_ready`` (not packed yet),
    ``on_hold`` (fraud review), ``outside_area`` (goes by carrier), ``unlocatable``, ``already_planned``.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Candidate:
    """An order to place on a van: where it goes, room it takes, and a window already promised (minutes)."""

    order_id: int
    number: str
    location: Location | None
    demand: int
    promised: tuple[float, float] | None = None
    reason: str | None = None  # why it cannot be placed (no location)


def demand_of(order: Order, fleet: Fleet) -> int:
    """Room the order takes in a van: one parcel, or its item count (``stops.demand`` in the fleet file)."""
    if fleet.stops.demand == "items":
        return max(1, sum(line.quantity for line in order.lines))
    return 1


def latest_shipment(order: Order) -> Shipment | None:
    return max(order.shipments, key=lambda s: s.id, default=None)


def _is_uk(order: Order) -> bool:
    return " ".join(order.ship_country.split()).casefold() in UK_COUNTRIES


def _locate(order: Order) -> Location:
    return geocode(line1=order.ship_line1, city=order.ship_city, postcode=order.ship_postcode,
                   country=order.ship_country)


def due_candidates(session: Session, day: date, fleet: Fleet) -> list[Candidate]:
    """The orders due on ``day`` that the vans should take (see the module docstring for the rule)."""
    rows = session.scalars(
        select(Order)
        .join(Shipment, Shipment.order_id == Order.id)
        .where(Shipment.estimated_delivery == day, Shipment.delivered_at.is_(None),
               Shipment.status != "delivered", Order.status.in_([str(s) for s in READY]),
               Order.fraud_hold.is_(False))
        .options(selectinload(Order.shipments), selectinload(Order.lines))
        .order_by(Order.number)
    ).unique()
    candidates = []
    for order in rows:
        shipment = latest_shipment(order)
        if shipment is None or shipment.estimated_delivery != day or not _is_uk(order):
            continue
        try:
            location = _locate(order)
        except UnknownPlace as error:
            candidates.append(Candidate(order.id, order.number, None, demand_of(order, fleet),
                                        reason=f"cannot place the address: {error}"))
            continue
        if fleet.in_area(location.point):
            candidates.append(Candidate(order.id, order.number, location, demand_of(order, fleet)))
    return candidates


def candidate_to_add(order: Order, fleet: Fleet) -> Candidate:
    """``order`` as a candidate for a van, or :class:`PlanError` saying politely why it cannot go on one."""
    number, status = order.number, order.status
    if status == OrderStatus.CANCELLED:
        raise PlanError("closed", f"Order {number} is cancelled, so there is nothing to deliver.")
    if status == OrderStatus.RETURNED:
        raise PlanError("closed", f"Order {number} was returned, so there is nothing to deliver.")
    shipment = latest_shipment(order)
    if status == OrderStatus.DELIVERED or (shipment is not None and shipment.delivered_at is not None):
        raise PlanError("closed", f"Order {number} has already been delivered.")
    if order.fraud_hold:
        raise PlanError("on_hold", f"Order {number} is held for a fraud review; approve it before it goes on a van.")
    if status not in READY:
        raise PlanError("not_ready", f"Order {number} has not been packed yet (it is {status}), so it can't go on "
                                     "a van.")
    if not _is_uk(order):
        raise PlanError("outside_area", f"Order {number} goes to {order.ship_country}, outside the vans' area: it "
                                        "goes by carrier.")
    try:
        location = _locate(order)
    except UnknownPlace as error:
        raise PlanError("unlocatable", f"I can't place order {number}'s address on the map: {error}.") from error
    if not fleet.in_area(location.point):
        km = fleet.distance_from_depot(location.point)
        raise PlanError("outside_area", f"Order {number} goes to {order.ship_postcode} {order.ship_city}, {km:.0f} km "
                                        f"from the depot, outside the vans' {fleet.service_area.radius_km:g} km "
                                        "area: it goes by carrier.")
    return Candidate(order.id, number, location, demand_of(order, fleet))
