"""Staffed hours: checked in the shop's own time zone, with the next opening time for out-of-hours hand-offs."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from backoffice.config import ROOT
from backoffice.knowledge import KnowledgeBase
from backoffice.schedule import SupportSchedule

LONDON = ZoneInfo("Europe/London")
WEEKDAYS = {day: ("09:00", "17:30") for day in ("mon", "tue", "wed", "thu", "fri")}


@pytest.fixture
def schedule() -> SupportSchedule:
    return SupportSchedule(timezone="Europe/London", hours=WEEKDAYS)


@pytest.mark.parametrize(("now", "staffed"), [
    (datetime(2026, 1, 14, 9, 0), True),  # Wednesday in winter: London is UTC
    (datetime(2026, 1, 14, 8, 59), False),
    (datetime(2026, 1, 14, 17, 29), True),
    (datetime(2026, 1, 14, 17, 30), False),  # closing time itself is closed
    (datetime(2026, 1, 17, 12, 0), False),  # Saturday
    (datetime(2026, 7, 15, 8, 30), True),  # summer: 08:30 UTC is 09:30 in London
    (datetime(2026, 7, 15, 16, 45), False),  # 17:45 in London
])
def test_staffed_hours_follow_the_shops_clock(schedule: SupportSchedule, now: datetime, staffed: bool) -> None:
    assert schedule.is_staffed(now) is staffed


def test_aware_times_are_converted_to_the_shops_zone(schedule: SupportSchedule) -> None:
    tokyo = ZoneInfo("Asia/Tokyo")
    assert schedule.is_staffed(datetime(2026, 1, 14, 18, 30, tzinfo=tokyo)) is True  # 09:30 in London
    assert schedule.is_staffed(datetime(2026, 1, 14, 8, 30, tzinfo=tokyo)) is False  # 23:30 the day before


def test_next_opening_after_closing_is_the_next_morning(schedule: SupportSchedule) -> None:
    opening = schedule.next_opening(datetime(2026, 1, 14, 18, 0))
    assert opening == datetime(2026, 1, 15, 9, 0, tzinfo=LONDON)


def test_next_opening_before_opening_is_the_same_morning(schedule: SupportSchedule) -> None:
    assert schedule.next_opening(datetime(2026, 1, 14, 7, 0)) == datetime(2026, 1, 14, 9, 0, tzinfo=LONDON)


def test_next_opening_over_the_weekend_is_monday(schedule: SupportSchedule) -> None:
    opening = schedule.next_opening(datetime(2026, 1, 16, 18, 0))  # Friday evening
    assert opening == datetime(2026, 1, 19, 9, 0, tzinfo=LONDON)
    assert opening is not None and opening.strftime("%A at %H:%M") == "Monday at 09:00"


def test_next_opening_across_the_clock_change_is_local_nine(schedule: SupportSchedule) -> None:
    opening = schedule.next_opening(datetime(2026, 3, 27, 18, 0))  # Friday; clocks go forward on Sunday 29th
    assert opening == datetime(2026, 3, 30, 9, 0, tzinfo=LONDON)
    assert opening is not None and opening.astimezone(UTC).hour == 8


def test_without_hours_nobody_is_staffed_and_there_is_no_opening() -> None:
    empty = SupportSchedule()
    assert empty.is_staffed(datetime(2026, 1, 14, 12, 0)) is False
    assert empty.next_opening(datetime(2026, 1, 14, 12, 0)) is None


@pytest.mark.parametrize("bad", [
    {"hours": {"funday": ["09:00", "17:00"]}},
    {"hours": {"mon": ["17:00", "09:00"]}},
    {"hours": {"mon": ["09:00", "09:00"]}},
    {"minutes_per_conversation": 0},
])
def test_bad_settings_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SupportSchedule.model_validate(bad)


def test_an_unknown_time_zone_is_refused_as_a_settings_error() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        SupportSchedule(timezone="Mars/Olympus")


def test_the_shipped_knowledge_base_has_weekday_hours_in_london() -> None:
    support = KnowledgeBase.load(ROOT / "backoffice" / "kb" / "policies.yml").support
    assert support.timezone == "Europe/London"
    assert support.minutes_per_conversation == 6
    assert support.is_staffed(datetime(2026, 1, 14, 10, 0)) is True
    assert support.is_staffed(datetime(2026, 1, 18, 10, 0)) is False  # Sunday
