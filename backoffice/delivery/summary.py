"""A plan in plain sentences, one per van and one per order left off the vans (for chat and the CLI)."""

from __future__ import annotations

from backoffice.delivery.plan import DeliveryPlan


def plan_summary(plan: DeliveryPlan) -> list[str]:
    """``["Van 1: 7 stops, 23.4 km, 08:00–11:35.", ..., "Order 581474 is not on a van: <reason>."]``."""
    if not plan.stops and not plan.unserved:
        return [f"Nothing for the vans to deliver on {plan.day:%A} {plan.day.day} {plan.day:%B}."]
    lines = []
    for route in plan.routes:
        if not route.stops:
            lines.append(f"{route.name}: not needed.")
            continue
        count = len(route.stops)
        lines.append(f"{route.name}: {count} stop{'s' if count != 1 else ''}, {route.distance_km:.1f} km, "
                     f"{route.depart:%H:%M}–{route.back:%H:%M}.")
    for left in plan.unserved:
        lines.append(f"Order {left.order_number} is not on a van: {left.reason.rstrip('.')}.")
    return lines
