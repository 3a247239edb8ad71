"""What operators see: one sentence per van, the map as a PNG, and the command line."""

from __future__ import annotations

import struct
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from backoffice.delivery import DeliveryPlan, PlannedStop, UnplannedStop, VanRoute, build_plan, plan_map, plan_summary
from backoffice.delivery.cli import main
from backoffice.delivery.fleet import FLEET_FILE, Fleet, load_fleet
from tests.backoffice.delivery.conftest import DAY, TIME_LIMIT, Shop

D = date(2026, 11, 29)


def t(hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 11, 29, hh) + timedelta(minutes=mm)


def sample_plan() -> DeliveryPlan:
    stops = tuple(PlannedStop(f"58100{i}", i, (51.52 + i / 200, -0.08 + i / 150), t(8, 10 * i), t(8), t(9))
                  for i in range(1, 8))
    shared = PlannedStop("581008", 8, stops[-1].point, t(9, 20), t(8, 45), t(9, 45))  # same door as stop 7
    return DeliveryPlan(D, "Depot", (51.529, -0.017), (
        VanRoute("van-1", (*stops, shared), t(8), t(11, 35), 23.4),
        VanRoute("van-2", (), t(8), t(8), 0.0),
    ), (UnplannedStop("581009", "cannot place the address: postcode district ZZ9 is not in the delivery map"),))


def test_summary_says_one_sentence_per_van_and_per_order_off_the_vans() -> None:
    assert plan_summary(sample_plan()) == [
        "Van 1: 8 stops, 23.4 km, 08:00–11:35.",
        "Van 2: not needed.",
        "Order 581009 is not on a van: cannot place the address: postcode district ZZ9 is not in the delivery map.",
    ]


def test_summary_of_an_empty_day() -> None:
    empty = DeliveryPlan(D, "Depot", (51.5, 0.0), (VanRoute("van-1", (), t(8), t(8), 0.0),))
    assert plan_summary(empty) == ["Nothing for the vans to deliver on Sunday 29 November."]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_map_is_a_chat_sized_png() -> None:
    width, height = png_size(plan_map(sample_plan()))
    assert width == 900 and 500 < height < 900


def test_the_map_of_a_plan_from_the_database(sessions: sessionmaker[Session], shop: Shop) -> None:
    with sessions() as session:
        plan = build_plan(session, DAY, time_limit=TIME_LIMIT, fleet=load_fleet())
    assert png_size(plan_map(plan, width_px=600))[0] == 600


def test_the_shops_fleet_file_loads() -> None:
    fleet = load_fleet(FLEET_FILE)
    assert fleet.vans.count >= 1 and fleet.in_area(fleet.depot.point)


@pytest.mark.parametrize(("change", "words"), [
    ({"vans": {"shift": {"start": "18:00", "end": "08:00"}}}, "must start before it ends"),
    ({"promise": {"window_minutes": 20, "round_to_minutes": 15}}, "at most half"),
    ({"roads": {"road_factor": 0.8}}, "greater than or equal to 1"),
])
def test_the_fleet_file_is_validated(change: dict[str, object], words: str) -> None:
    with pytest.raises(ValueError, match=words):
        Fleet.model_validate({"depot": {"lat": 51.5, "lon": 0.0}, **change})


def test_cli_plans_a_day_and_writes_the_map(engine: Engine, shop: Shop, tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    url = engine.url.render_as_string(hide_password=False)
    out = tmp_path / "map.png"
    assert main(["--database-url", url, "plan", "--day", DAY.isoformat(), "--time-limit", "0.2", "--map",
                 str(out), "-v"]) == 0
    printed = capsys.readouterr().out
    assert "Van 1: " in printed and "Order 610007 is not on a van" in printed and "window" in printed
    assert png_size(out.read_bytes())[0] == 900
    assert main(["--database-url", url, "window", "610001", "--today", DAY.isoformat()]) == 0
    assert "Sunday 22 November, between" in capsys.readouterr().out
    assert main(["--database-url", url, "add", "999999", "--day", DAY.isoformat()]) == 2
    assert "can't find an order" in capsys.readouterr().err
