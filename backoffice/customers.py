"""Customer look-ups."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.models import Customer


def find_customer_by_email(session: Session, email: str) -> Customer | None:
    """The customer with this e-mail (case-insensitive), or None."""
    cleaned = email.strip().lower()
    if not cleaned:
        return None
    return session.scalars(select(Customer).where(func.lower(Customer.email) == cleaned)).first()


def set_newsletter(session: Session, customer_id: int, subscribed: bool) -> Customer | None:
    """Subscribe or unsubscribe the customer; None when there is no such customer."""
    customer = session.get(Customer, customer_id)
    if customer is not None:
        customer.newsletter = subscribed
        session.flush()
    return customer


def get_customer(session: Session, customer_id: int) -> Customer | None:
    """The customer with this id, or None."""
    return session.get(Customer, customer_id)
