"""Delivery plans for the shop's own vans: due orders -> routes (``backoffice.routing``) -> windows for shoppers.

>>> from backoffice.delivery import build_plan, plan_summary      # doctest: +SKIP
>>> plan = build_plan(session, date(2026, 11, 29), time_limit=5)  # doctest: +SKIP
>>> plan_summary(plan)                                            # doctest: +SKIP
['Van 1: 7 stops, 23.4 km, 08:00–11:35.', ...]
"""

from backoffice.delivery.due import PlanError
from backoffice.delivery.fleet import Fleet, load_fleet
from backoffice.delivery.geo import Location, UnknownPlace, geocode
from backoffice.delivery.plan import DeliveryPlan, DeliveryWindow, PlannedStop, UnplannedStop, VanRoute
from backoffice.delivery.planner import add_order, build_plan, current_window, get_plan
from backoffice.delivery.render import plan_map
from backoffice.delivery.summary import plan_summary

__all__ = [
    "DeliveryPlan",
    "DeliveryWindow",
    "Fleet",
    "Location",
    "PlanError",
    "PlannedStop",
    "UnknownPlace",
    "UnplannedStop",
    "VanRoute",
    "add_order",
    "build_plan",
    "current_window",
    "geocode",
    "get_plan",
    "load_fleet",
    "plan_map",
    "plan_summary",
]
