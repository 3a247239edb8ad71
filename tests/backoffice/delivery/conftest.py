"""A small London shop for delivery tests: the factory store plus parcels due on DAY, and a tiny fleet."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy.orm import Session, sessionmaker

from backoffice.delivery.fleet import Fleet
from backoffice.models import Order, OrderLine, Shipment
from tests.factories import NOW, Store, build_store

DAY = (NOW + timedelta(days=2)).date()  # the factory's shipped order 600004 is estimated for this day
TIME_LIMIT = 0.2

# number -> (line1, postcode, city, country, estimated day offset from DAY, status)
EXTRA = {
    "610001": ("12 Mill Road", "E1 6AN", "London", "United Kingdom", 0, "shipped"),
    "610002": ("4 Church Lane", "SW1A 2AA", "London", "United Kingdom", 0, "shipped"),
    "610003": ("77 Park Avenue", "N1 9GU", "London", "United Kingdom", 0, "packed"),
    "610004": ("9 Queen Street", "E14 5AB", "London", "United Kingdom", 0, "shipped"),
    "610005": ("3 Kings Road", "M1 4BT", "Manchester", "United Kingdom", 0, "shipped"),  # by carrier
    "610006": ("1 Rue de la Paix", "75002", "Paris", "France", 0, "shipped"),  # abroad: by carrier
    "610007": ("5 Elm Grove", "ZZ9 9ZZ", "London", "United Kingdom", 0, "shipped"),  # cannot be placed
    "610008": ("8 Station Road", "SE1 7PB", "London", "United Kingdom", 1, "shipped"),  # due the day after
    "610009": ("2 Orchard Way", "W2 1HB", "London", "United Kingdom", 1, "shipped"),  # due the day after
    "610010": ("6 Harbour Road", "E3 2AA", "London", "United Kingdom", 0, "cancelled"),
}


@dataclass
class Shop:
    """The factory store plus the extra orders by number."""

    store: Store
    orders: dict[str, Order]


def tiny_fleet(**changes: object) -> Fleet:
    raw: dict[str, object] = {
        "depot": {"name": "Test depot, Bow", "lat": 51.529, "lon": -0.017},
        "service_area": {"radius_km": 25},
        "vans": {"count": 2, "capacity_parcels": 4, "shift": {"start": "08:00", "end": "18:00"}},
        "stops": {"service_minutes": 5},
        "promise": {"window_minutes": 60, "round_to_minutes": 15},
        "roads": {"road_factor": 1.4, "speed_kmh": 20},
        "planning": {"time_limit_seconds": TIME_LIMIT},
    }
    raw.update(changes)
    return Fleet.model_validate(raw)


def add_order(session: Session, store: Store, number: str, line1: str, postcode: str, city: str, country: str,
              estimated: date, status: str) -> Order:
    customer = store.alice
    order = Order(number=number, customer=customer, email=customer.email, status=status, placed_at=NOW,
                  total=Decimal("10.00"), ship_line1=line1, ship_city=city, ship_postcode=postcode,
                  ship_country=country, cancelled_at=NOW if status == "cancelled" else None)
    product = store.orders["placed"].lines[0].product
    order.lines.append(OrderLine(product=product, quantity=3, unit_price=product.price))
    if status != "packed":
        order.shipments.append(Shipment(carrier="Shop van", tracking_number=f"SV{number}", status="in_transit",
                                        shipped_at=NOW, promised_delivery=estimated, estimated_delivery=estimated))
    session.add(order)
    return order


@pytest.fixture
def shop(sessions: sessionmaker[Session]) -> Iterator[Shop]:
    with sessions() as session:
        store = build_store(session)
        orders = {number: add_order(session, store, number, line1, postcode, city, country,
                                    DAY + timedelta(days=offset), status)
                  for number, (line1, postcode, city, country, offset, status) in EXTRA.items()}
        session.commit()
        yield Shop(store, orders)


@pytest.fixture
def fleet() -> Fleet:
    return tiny_fleet()


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=hh, minutes=mm)
