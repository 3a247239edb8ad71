"""Fraud screening in the shop: score an order when it is placed, hold the risky ones, review, explain, retrain.

Every function takes a ``Session``; the caller owns the transaction. A held order keeps its ordinary status
(placed or paid) and ``fraud_hold=True``: it is not packed or shipped until staff approve it, and nothing a
shopper sees mentions the hold. Rejecting a held order cancels it and refunds what was paid.
"""

from __future__ import annotations

import gc
import math
import os
import time as clock
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from backoffice.config import ROOT
from backoffice.delivery.store import drop_cancelled
from backoffice.fraud.features import FeatureSpec, build_features
from backoffice.fraud.pipeline import Bundle, OnlineScorer, Verdict, train
from backoffice.fraud.state import RollingState
from backoffice.models import Customer, FraudLabel, Order, OrderStatus, Refund, StaffMember
from backoffice.orders import apply_if_unchanged, changed_meanwhile

SHOP_SPEC = FeatureSpec(customer="CUSTOMER_ID", entities=("INSTRUMENT_ID", "DEVICE_ID", "ADDRESS_ID"),
                        windows=(1, 7, 30), delay_days=7)
DEMO_PARAMS: dict[str, Any] = {"max_iter": 200, "anomaly_trees": 60}
SCREEN_DAYS = 3  # the seed holds risky orders of the last few days (screening "went live" then)
REVIEWS_PER_DAY = 3.0
MODEL_ENV = "SHOPDESK_FRAUD_MODEL"
BUDGET_ENV = "SHOPDESK_FRAUD_REVIEWS_PER_DAY"
STATE_TTL = 600.0  # seconds before the in-memory rolling state is rebuilt from the database
OPEN = (OrderStatus.PLACED, OrderStatus.PAID, OrderStatus.PACKED)
DECISIONS = {"approve": False, "reject": True}


def model_path() -> Path:
    """Where the shop's fraud model lives (``SHOPDESK_FRAUD_MODEL``, default ``var/fraud/model.joblib``)."""
    return Path(os.environ.get(MODEL_ENV) or ROOT / "var" / "fraud" / "model.joblib")


def reviews_per_day() -> float:
    """The alert budget: orders staff can review per day (``SHOPDESK_FRAUD_REVIEWS_PER_DAY``, default 3)."""
    raw = os.environ.get(BUDGET_ENV)
    try:
        value = float(raw) if raw else REVIEWS_PER_DAY
    except ValueError as exc:
        raise ValueError(f"{BUDGET_ENV} must be a number, not {raw!r}") from exc
    if not value > 0:
        raise ValueError(f"{BUDGET_ENV} must be positive")
    return value


@dataclass(frozen=True)
class Screened:
    """The outcome of scoring one order."""

    number: str
    probability: float
    reasons: list[str]
    decision: str  # hold | pass


# --------------------------------------------------------------------------------------------- store → frame


def _tx(order: Order) -> dict[str, Any]:
    return {"TRANSACTION_ID": order.id, "TX_DATETIME": order.placed_at, "CUSTOMER_ID": order.customer_id,
            "INSTRUMENT_ID": order.payment_instrument_id or f"none-{order.id}",
            "DEVICE_ID": order.device_id or f"none-{order.id}",
            "ADDRESS_ID": order.delivery_address_id or f"none-{order.id}", "TX_AMOUNT": float(order.total)}


def store_frame(session: Session, *, as_of: datetime, after_id: int = 0) -> pd.DataFrame:
    """Every order (id > ``after_id``) in the handbook schema, with ``TX_FRAUD`` as known at ``as_of``.

    A label counts once known (``known_at``, the newest wins); an order older than the label delay without a
    fraud label counts as genuine; anything newer is unknown (NaN).
    """
    rows = session.execute(
        select(Order.id, Order.placed_at, Order.customer_id, Order.payment_instrument_id, Order.device_id,
               Order.delivery_address_id, Order.total).where(Order.id > after_id).order_by(Order.placed_at, Order.id)
    ).all()
    labels: dict[int, bool] = {}
    for order_id, is_fraud in session.execute(
        select(FraudLabel.order_id, FraudLabel.is_fraud).where(FraudLabel.known_at <= as_of)
        .order_by(FraudLabel.known_at, FraudLabel.id)
    ):
        labels[order_id] = bool(is_fraud)
    settled = as_of - timedelta(days=SHOP_SPEC.delay_days)
    frame = pd.DataFrame({
        "TRANSACTION_ID": [r[0] for r in rows], "TX_DATETIME": pd.to_datetime([r[1] for r in rows]),
        "CUSTOMER_ID": [r[2] for r in rows],
        "INSTRUMENT_ID": [r[3] or f"none-{r[0]}" for r in rows], "DEVICE_ID": [r[4] or f"none-{r[0]}" for r in rows],
        "ADDRESS_ID": [r[5] or f"none-{r[0]}" for r in rows], "TX_AMOUNT": [float(r[6]) for r in rows],
    })
    frame["TX_FRAUD"] = [
        (1.0 if labels[r[0]] else 0.0) if r[0] in labels else (0.0 if r[1] <= settled else math.nan) for r in rows
    ]
    return frame


# --------------------------------------------------------------------------------------------- the scorer cache


@dataclass
class _Entry:
    scorer: OnlineScorer
    mtime: float
    built: float
    last_id: int


_CACHE: dict[str, _Entry] = {}


def _key(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=True)


def load_bundle(path: Path | None = None) -> Bundle | None:
    """The shop's trained model, or None when there is none yet."""
    path = path or model_path()
    return Bundle.load(path) if path.is_file() else None


def scorer(session: Session, *, now: datetime | None = None) -> OnlineScorer | None:
    """The process-wide scorer for this database: model plus rolling state, kept up to date incrementally."""
    path = model_path()
    if not path.is_file():
        return None
    mtime = path.stat().st_mtime
    key = _key(session)
    entry = _CACHE.get(key)
    now = now or datetime.now()
    if entry is None or entry.mtime != mtime or clock.monotonic() - entry.built > STATE_TTL:
        bundle = Bundle.load(path)
        frame = store_frame(session, as_of=now)
        state = RollingState.from_frame(frame, bundle.spec)
        gc.freeze()  # the state is many small long-lived objects: keep the collector from walking them per order
        last = int(frame["TRANSACTION_ID"].max()) if len(frame) else 0
        entry = _CACHE[key] = _Entry(OnlineScorer(bundle, state), mtime, clock.monotonic(), last)
    return entry.scorer


def _catch_up(session: Session, entry: _Entry, skip: int, now: datetime) -> None:
    """Observe orders other processes added since the state was built (not ``skip``, the one being scored)."""
    newer = store_frame(session, as_of=now, after_id=entry.last_id)
    for row in newer.to_dict("records"):
        if row["TRANSACTION_ID"] != skip and row["TRANSACTION_ID"] not in entry.scorer.state.where:
            entry.scorer.observe(row, row["TX_FRAUD"])
        entry.last_id = max(entry.last_id, int(row["TRANSACTION_ID"]))


def forget_cache() -> None:
    """Drop every cached scorer (after retraining, in tests)."""
    _CACHE.clear()


# --------------------------------------------------------------------------------------------- scoring


def _rescore(session: Session, bundle: Bundle, order: Order, now: datetime) -> Verdict:
    """Score an order already in the history, as of its placement (on demand): batch features of its neighbours."""
    spec = bundle.spec
    start = order.placed_at - timedelta(days=max(spec.windows) + spec.delay_days + 1)
    keys = [Order.customer_id == order.customer_id]
    for column, value in ((Order.payment_instrument_id, order.payment_instrument_id),
                          (Order.device_id, order.device_id), (Order.delivery_address_id, order.delivery_address_id)):
        if value:
            keys.append(column == value)
    ids = set(session.scalars(select(Order.id).where(Order.placed_at >= start, Order.placed_at <= order.placed_at,
                                                     or_(*keys))))
    frame = store_frame(session, as_of=now)
    frame = frame[frame["TRANSACTION_ID"].isin(ids | {order.id})].reset_index(drop=True)
    features = build_features(frame, spec).to_numpy()
    row = features[int(frame.index[frame["TRANSACTION_ID"] == order.id][0])]
    return bundle.judge(row, placed_at=order.placed_at)


def score_order(session: Session, order: Order, *, now: datetime | None = None, hold: bool = True) -> Screened:
    """Score ``order`` (when it is placed, or again on demand) and store the score and reasons on it.

    A risky order that has not been packed or shipped and has no review yet is held (``fraud_hold``).
    Raises ValueError when no model has been trained yet.
    """
    now = now or datetime.now()
    current = scorer(session, now=now)
    if current is None:
        raise ValueError(f"no fraud model at {model_path()}: run `make seed` or `python -m backoffice.fraud retrain`")
    session.flush()
    entry = _CACHE[_key(session)]
    _catch_up(session, entry, order.id, now)
    if order.id in current.state.where:
        verdict = _rescore(session, current.bundle, order, now)
    else:
        tx = _tx(order)
        verdict = current.score(tx)
        current.observe(tx)
        entry.last_id = max(entry.last_id, order.id)
    order.fraud_score = round(verdict.probability, 6)
    order.fraud_reasons = verdict.reasons
    order.fraud_scored_at = now
    reviewed = any(label.source == "review" for label in order.fraud_labels)
    if hold and verdict.hold and order.status in OPEN and not reviewed:
        order.fraud_hold = True
    session.flush()
    return Screened(order.number, verdict.probability, verdict.reasons, "hold" if verdict.hold else "pass")


# --------------------------------------------------------------------------------------------- staff views


def _threshold() -> float | None:
    bundle = load_bundle()
    return bundle.threshold if bundle is not None else None


def _summary(order: Order) -> dict[str, Any]:
    review = next((label for label in reversed(order.fraud_labels) if label.source == "review"), None)
    return {
        "number": order.number, "placed_at": order.placed_at.isoformat(), "status": order.status,
        "customer_id": order.customer_id, "customer": order.customer.name if order.customer else None,
        "total": f"{order.total:.2f}", "currency": order.currency,
        "score": order.fraud_score, "held": order.fraud_hold, "reasons": list(order.fraud_reasons or []),
        "review": None if review is None else {
            "decision": "reject" if review.is_fraud else "approve", "reason": review.reason,
            "staff": review.staff.display_name if review.staff else None, "at": review.created_at.isoformat()},
    }


def _load(session: Session) -> Any:
    return select(Order).options(selectinload(Order.customer),
                                 selectinload(Order.fraud_labels).selectinload(FraudLabel.staff))


def held_orders(session: Session, *, limit: int = 100) -> list[dict[str, Any]]:
    """The review queue: every order waiting for a fraud review, riskiest first."""
    query = _load(session).where(Order.fraud_hold.is_(True)).order_by(Order.fraud_score.desc(), Order.placed_at)
    return [_summary(order) for order in session.scalars(query.limit(limit))]


def risky_orders(session: Session, day: date | None = None, *, limit: int = 50) -> list[dict[str, Any]]:
    """Orders placed on ``day`` (default today) that were held or scored at or above the threshold.

    Riskiest first; each a JSON-ready dict (number, customer, total, score, held, reasons, review).
    """
    day = day or date.today()
    start = datetime.combine(day, datetime.min.time())
    threshold = _threshold()
    risky: Any = Order.fraud_hold.is_(True)
    if threshold is not None:
        risky = or_(risky, Order.fraud_score >= threshold)
    query = (_load(session).where(Order.placed_at >= start, Order.placed_at < start + timedelta(days=1), risky)
             .order_by(Order.fraud_score.desc()).limit(limit))
    return [_summary(order) for order in session.scalars(query)]


def _find(session: Session, order: Order | str) -> Order:
    if isinstance(order, Order):
        return order
    number = str(order).strip().lstrip("#").strip()
    found = session.scalars(_load(session).where(Order.number == number)).first()
    if found is None:
        raise ValueError(f"no order {number}")
    return found


def explain(session: Session, order_number: str) -> dict[str, Any] | None:
    """Why an order was held or passed, for staff: score, threshold, reasons, review, and a sentence."""
    try:
        order = _find(session, order_number)
    except ValueError:
        return None
    info = _summary(order)
    threshold = _threshold()
    info["threshold"] = threshold
    if order.fraud_score is None:
        info["text"] = f"Order {order.number} has not been scored."
        return info
    if not info["reasons"] and threshold is not None and order.fraud_score >= threshold:
        bundle = load_bundle()
        if bundle is not None:
            info["reasons"] = _rescore(session, bundle, order, datetime.now()).reasons
    risk = f"fraud risk {order.fraud_score:.0%}" + (f" (hold at {threshold:.0%} or more)" if threshold else "")
    because = "; ".join(info["reasons"]) or "no single factor stands out"
    if order.fraud_hold:
        head = f"Order {order.number} is held for review: {risk}."
    elif info["review"]:
        head = f"Order {order.number} was reviewed ({info['review']['decision']}d: {info['review']['reason']}); {risk}."
    elif threshold is not None and order.fraud_score >= threshold:
        head = f"Order {order.number} scored above the threshold but was not held (it had already left): {risk}."
    else:
        head = f"Order {order.number} passed screening: {risk}."
    info["text"] = f"{head} Why: {because}."
    return info


def review(session: Session, order: Order | str, decision: str, reason: str, staff: StaffMember | int | None,
           *, now: datetime | None = None) -> FraudLabel:
    """Record a staff decision on a held (or any) order as a label.

    ``approve`` releases it for packing, ``reject`` cancels it, refunds what was paid and takes it out of the van
    plans from today on. Raises ValueError for a bad decision or an empty reason, and
    :class:`~backoffice.orders.OrderChanged` (nothing stored, not even the label) when the order's status changed
    since it was read, e.g. the shopper cancelled it a moment before: the reviewer looks at it again rather than
    acting on what they saw.
    """
    if decision not in DECISIONS:
        raise ValueError("decision must be 'approve' or 'reject'")
    if not reason or not reason.strip():
        raise ValueError("a review needs a reason")
    now = now or datetime.now()
    target = _find(session, order)
    staff_id = staff.id if isinstance(staff, StaffMember) else staff
    is_fraud = DECISIONS[decision]
    cancelling = is_fraud and target.status in OPEN
    values: dict[str, Any] = {"fraud_hold": False}
    if cancelling:
        values |= {"status": OrderStatus.CANCELLED, "cancelled_at": now}
    if not apply_if_unchanged(session, target, target.status, values):
        raise changed_meanwhile(target)
    label = FraudLabel(order=target, is_fraud=is_fraud, source="review", simulated=False, scenario=None,
                       reason=reason.strip()[:1000], staff_id=staff_id, created_at=now, known_at=now)
    session.add(label)
    if cancelling:
        drop_cancelled(session, target.id, now=now)
        paid = sum((p.amount for p in target.payments if p.status == "captured"), Decimal("0.00"))
        if paid > 0:
            session.add(Refund(order=target, amount=paid, reason="Order cancelled", status="approved",
                               created_at=now))
    session.flush()
    entry = _CACHE.get(_key(session))
    if entry is not None:
        entry.scorer.state.set_label(target.id, 1.0 if is_fraud else 0.0)
    return label


def customer_risk(session: Session, customer_id: int, *, now: datetime | None = None) -> dict[str, Any] | None:
    """A small risk summary for the console's customer panel, or None for an unknown customer.

    ``level`` is high (an order held now or fraud confirmed in 90 days), medium (an order at or above the
    threshold in 30 days) or low.
    """
    if session.get(Customer, customer_id) is None:
        return None
    now = now or datetime.now()
    orders = list(session.scalars(_load(session).where(Order.customer_id == customer_id,
                                                       Order.placed_at >= now - timedelta(days=90))))
    threshold = _threshold()
    held = [o.number for o in orders if o.fraud_hold]
    confirmed = [o.number for o in orders if any(lb.is_fraud and lb.known_at <= now for lb in o.fraud_labels)]
    recent = [o for o in orders if o.fraud_score is not None and o.placed_at >= now - timedelta(days=30)]
    top = max(recent, key=lambda o: o.fraud_score or 0.0, default=None)
    risky = top is not None and threshold is not None and (top.fraud_score or 0.0) >= threshold
    level = "high" if held or confirmed else "medium" if risky else "low"
    return {"level": level, "held_orders": held, "confirmed_fraud_orders": confirmed,
            "max_score_30d": top.fraud_score if top else None, "reasons": list(top.fraud_reasons or []) if risky and
            top else [], "orders_90d": len(orders)}


def retrain(session: Session, *, path: Path | None = None, now: datetime | None = None,
            progress: bool = False) -> Bundle:
    """Train on the labels known now, save the model and reset the cached scorers.

    Labels are staff reviews and simulated labels; settled orders without a fraud label count as genuine.
    """
    now = now or datetime.now()
    frame = store_frame(session, as_of=now)
    frauds = int(frame["TX_FRAUD"].sum())
    if frauds < 20:
        raise ValueError(f"only {frauds} known frauds: need 20 or more to train")
    bundle = train(frame, SHOP_SPEC, reviews_per_day=reviews_per_day(), params=DEMO_PARAMS, progress=progress)
    bundle.save(path or model_path())
    forget_cache()
    return bundle
