"""The store database: SQLAlchemy 2.0 declarative models (schema changes go through Alembic)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

Money = Numeric(12, 2)


class Base(DeclarativeBase):
    """Declarative base of every Shopdesk table."""


class OrderStatus(StrEnum):
    """Life cycle of an order."""

    PLACED = "placed"
    PAID = "paid"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"


class TicketStatus(StrEnum):
    """Support ticket queue states."""

    PENDING = "pending"
    OPEN = "open"
    RESOLVED = "resolved"


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(120))
    country: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    newsletter: Mapped[bool] = mapped_column(Boolean, default=False)

    addresses: Mapped[list[Address]] = relationship(back_populates="customer", cascade="all, delete-orphan")
    orders: Mapped[list[Order]] = relationship(back_populates="customer")


class Address(Base):
    __tablename__ = "addresses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    line1: Mapped[str] = mapped_column(String(200))
    city: Mapped[str] = mapped_column(String(100))
    postcode: Mapped[str] = mapped_column(String(20))
    country: Mapped[str] = mapped_column(String(60))
    is_default: Mapped[bool] = mapped_column(Boolean, default=True)

    customer: Mapped[Customer] = relationship(back_populates="addresses")

    def one_line(self) -> str:
        return f"{self.line1}, {self.postcode} {self.city}, {self.country}"


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sku: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    price: Mapped[Decimal] = mapped_column(Money)
    stock_on_hand: Mapped[int] = mapped_column(Integer, default=0)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True, index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    status: Mapped[str] = mapped_column(String(16), index=True)
    placed_at: Mapped[datetime] = mapped_column(DateTime, index=True)
    currency: Mapped[str] = mapped_column(String(3), default="GBP")
    total: Mapped[Decimal] = mapped_column(Money)
    ship_line1: Mapped[str] = mapped_column(String(200))
    ship_city: Mapped[str] = mapped_column(String(100))
    ship_postcode: Mapped[str] = mapped_column(String(20))
    ship_country: Mapped[str] = mapped_column(String(60))
    cancelled_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    # Fraud screening: what the order was placed with, its score, and whether it waits for a review before shipping.
    payment_instrument_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    device_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    delivery_address_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    fraud_score: Mapped[float | None] = mapped_column(Float, nullable=True)
    fraud_reasons: Mapped[list | None] = mapped_column(JSON, nullable=True)
    fraud_scored_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    fraud_hold: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false(), index=True)

    customer: Mapped[Customer] = relationship(back_populates="orders")
    lines: Mapped[list[OrderLine]] = relationship(back_populates="order", cascade="all, delete-orphan")
    payments: Mapped[list[Payment]] = relationship(back_populates="order", cascade="all, delete-orphan")
    refunds: Mapped[list[Refund]] = relationship(back_populates="order", cascade="all, delete-orphan")
    returns: Mapped[list[Return]] = relationship(back_populates="order", cascade="all, delete-orphan")
    shipments: Mapped[list[Shipment]] = relationship(back_populates="order", cascade="all, delete-orphan")
    fraud_labels: Mapped[list[FraudLabel]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="FraudLabel.id"
    )

    def shipping_address(self) -> str:
        town = f"{self.ship_postcode} {self.ship_city}".strip()
        return ", ".join(part for part in (self.ship_line1, town, self.ship_country) if part)


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), index=True)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Money)

    order: Mapped[Order] = relationship(back_populates="lines")
    product: Mapped[Product] = relationship()


class Payment(Base):
    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    method: Mapped[str] = mapped_column(String(30))
    amount: Mapped[Decimal] = mapped_column(Money)
    status: Mapped[str] = mapped_column(String(16))  # authorised | captured | failed | refunded
    created_at: Mapped[datetime] = mapped_column(DateTime)

    order: Mapped[Order] = relationship(back_populates="payments")


class Refund(Base):
    __tablename__ = "refunds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # requested | approved | completed | rejected
    created_at: Mapped[datetime] = mapped_column(DateTime)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    order: Mapped[Order] = relationship(back_populates="refunds")


class Return(Base):
    __tablename__ = "returns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # requested | received | refunded
    created_at: Mapped[datetime] = mapped_column(DateTime)

    order: Mapped[Order] = relationship(back_populates="returns")


class Shipment(Base):
    __tablename__ = "shipments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    carrier: Mapped[str] = mapped_column(String(40))
    tracking_number: Mapped[str] = mapped_column(String(40), index=True)
    status: Mapped[str] = mapped_column(String(20))  # label_created | in_transit | out_for_delivery | delivered
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    promised_delivery: Mapped[date] = mapped_column(Date)
    estimated_delivery: Mapped[date] = mapped_column(Date)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    order: Mapped[Order] = relationship(back_populates="shipments")
    events: Mapped[list[TrackingEvent]] = relationship(
        back_populates="shipment", cascade="all, delete-orphan", order_by="TrackingEvent.at"
    )


class TrackingEvent(Base):
    __tablename__ = "tracking_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("shipments.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    location: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(200))

    shipment: Mapped[Shipment] = relationship(back_populates="events")


class SupportTicket(Base):
    __tablename__ = "support_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True, index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), nullable=True)
    reason: Mapped[str] = mapped_column(String(40))  # complaint | human_requested | fallback | policy | account
    priority: Mapped[str] = mapped_column(String(10))  # low | normal | high
    status: Mapped[str] = mapped_column(String(10), default=TicketStatus.PENDING, index=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    rating: Mapped[int | None] = mapped_column(Integer, nullable=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"), nullable=True, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    messages: Mapped[list[TicketMessage]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketMessage.id"
    )
    notes: Mapped[list[TicketNote]] = relationship(
        back_populates="ticket", cascade="all, delete-orphan", order_by="TicketNote.id"
    )
    assignee: Mapped[StaffMember | None] = relationship()
    customer: Mapped[Customer | None] = relationship()
    order: Mapped[Order | None] = relationship()


class TicketMessage(Base):
    """One line of a ticket's transcript: the conversation before the hand-off and the human part after it."""

    __tablename__ = "ticket_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_tickets.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    sender: Mapped[str] = mapped_column(String(10))  # customer | bot | agent
    text: Mapped[str] = mapped_column(Text)
    data: Mapped[dict | None] = mapped_column(JSON, nullable=True)

    ticket: Mapped[SupportTicket] = relationship(back_populates="messages")


class TicketNote(Base):
    """A private note staff leave on a ticket; the customer never sees it."""

    __tablename__ = "ticket_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("support_tickets.id"), index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"))
    at: Mapped[datetime] = mapped_column(DateTime)
    text: Mapped[str] = mapped_column(Text)

    ticket: Mapped[SupportTicket] = relationship(back_populates="notes")
    author: Mapped[StaffMember] = relationship()


class StaffRole(StrEnum):
    """What a staff member may do: agents work tickets, operators also use the operator skills."""

    AGENT = "agent"
    OPERATOR = "operator"
    ADMIN = "admin"


class StaffMember(Base):
    """A console user. Passwords are stored as Argon2 hashes only."""

    __tablename__ = "staff_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    display_name: Mapped[str] = mapped_column(String(80))
    role: Mapped[str] = mapped_column(String(10))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class StaffSession(Base):
    """A console log-in. The cookie holds a random token; only its SHA-256 is stored."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)

    staff: Mapped[StaffMember] = relationship()


class CustomerSession(Base):
    """A shopper's sign-in on the shop page. The cookie holds a random token; only its SHA-256 is stored.

    Signing out deletes the row, so a copied cookie stops working at once (the cookie signature alone can't
    be revoked).
    """

    __tablename__ = "customer_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime, index=True)

    customer: Mapped[Customer] = relationship()


class Conversation(Base):
    """One chat conversation (the Rasa sender id) as the web front saw it."""

    __tablename__ = "conversations"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), nullable=True, index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"), nullable=True, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)


class ConversationMessage(Base):
    """One line of a conversation, kept so the widget restores history and staff see the whole exchange."""

    __tablename__ = "conversation_messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[str] = mapped_column(ForeignKey("conversations.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    sender: Mapped[str] = mapped_column(String(10))  # customer | bot | agent | system
    text: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # buttons, used, image, cards
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id"), nullable=True)

    staff: Mapped[StaffMember | None] = relationship()


class FraudLabel(Base):
    """Whether an order was fraud: a staff review, or simulated fraud injected into the demo shop.

    ``known_at`` is when the label became known (a review's time; for simulated fraud, the chargeback after the
    label delay); training and the risk windows use a label only from then on. ``simulated`` marks labels (and
    orders) that the demo seed made up following the Fraud Detection Handbook's scenarios.
    """

    __tablename__ = "fraud_labels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", name="fk_fraud_labels_order_id_orders"), index=True)
    is_fraud: Mapped[bool] = mapped_column(Boolean)
    source: Mapped[str] = mapped_column(String(10))  # review | simulated
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    scenario: Mapped[str | None] = mapped_column(String(40), nullable=True)  # large_amount | ... (simulated only)
    reason: Mapped[str] = mapped_column(Text, default="")
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", name="fk_fraud_labels_staff_id_staff_members"), nullable=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime)
    known_at: Mapped[datetime] = mapped_column(DateTime)

    order: Mapped[Order] = relationship(back_populates="fraud_labels")
    staff: Mapped[StaffMember | None] = relationship()


class DeliveryPlanRow(Base):
    """One day's delivery plan for the shop's own vans (``backoffice.delivery``): one row per day."""

    __tablename__ = "delivery_plans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True, index=True)
    depot_name: Mapped[str] = mapped_column(String(120))
    depot_lat: Mapped[float] = mapped_column(Float)
    depot_lon: Mapped[float] = mapped_column(Float)
    solver_status: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    updated_at: Mapped[datetime] = mapped_column(DateTime)

    routes: Mapped[list[DeliveryRouteRow]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="DeliveryRouteRow.position"
    )
    stops: Mapped[list[DeliveryStopRow]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="DeliveryStopRow.id"
    )


class DeliveryRouteRow(Base):
    """One van's route in a plan: when it leaves and is back, and how far it drives."""

    __tablename__ = "delivery_routes"
    __table_args__ = (UniqueConstraint("plan_id", "vehicle", name="uq_delivery_routes_plan_id_vehicle"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("delivery_plans.id", name="fk_delivery_routes_plan_id_delivery_plans"), index=True
    )
    vehicle: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(Integer)
    depart: Mapped[datetime] = mapped_column(DateTime)
    back: Mapped[datetime] = mapped_column(DateTime)
    distance_km: Mapped[float] = mapped_column(Float)

    plan: Mapped[DeliveryPlanRow] = relationship(back_populates="routes")


class DeliveryStopRow(Base):
    """An order in a plan: on a van (sequence, arrival, promised window) or left out (``reason``)."""

    __tablename__ = "delivery_stops"
    __table_args__ = (UniqueConstraint("plan_id", "order_id", name="uq_delivery_stops_plan_id_order_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(
        ForeignKey("delivery_plans.id", name="fk_delivery_stops_plan_id_delivery_plans"), index=True
    )
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", name="fk_delivery_stops_order_id_orders"), index=True)
    vehicle: Mapped[str | None] = mapped_column(String(20), nullable=True)
    sequence: Mapped[int | None] = mapped_column(Integer, nullable=True)
    lat: Mapped[float | None] = mapped_column(Float, nullable=True)
    lon: Mapped[float | None] = mapped_column(Float, nullable=True)
    demand: Mapped[int] = mapped_column(Integer, default=1)
    eta: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    window_start: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    window_end: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # why it is not on a van

    plan: Mapped[DeliveryPlanRow] = relationship(back_populates="stops")
    order: Mapped[Order] = relationship()


class LookupFailures(Base):
    """Failed anonymous order look-ups counted for one key: a client address, an e-mail or an order number.

    ``failures`` counts within the window that started at ``window_start``; reaching the limit sets
    ``locked_until``. One row per key, so the count holds across conversations and processes.
    """

    __tablename__ = "lookup_failures"
    __table_args__ = (UniqueConstraint("kind", "key", name="uq_lookup_failures_kind_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # client | email | order
    key: Mapped[str] = mapped_column(String(254))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_start: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class VerificationCode(Base):
    """A one-time code e-mailed to an order's address to confirm one change in one conversation.

    Only an HMAC-SHA256 of the code (bound to the conversation, the order and the change) is stored.
    """

    __tablename__ = "verification_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        ForeignKey("orders.id", name="fk_verification_codes_order_id_orders"), index=True
    )
    conversation_id: Mapped[str] = mapped_column(String(64), index=True)
    purpose: Mapped[str] = mapped_column(String(20))  # cancel | change_address | refund
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    used_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    order: Mapped[Order] = relationship()
