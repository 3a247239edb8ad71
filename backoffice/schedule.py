"""Staffed hours of the support team, in the shop's own time zone."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, Field, field_validator

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


class SupportSchedule(BaseModel):
    """Opening hours per weekday (``mon``…``sun`` → ``["09:00", "17:30"]``); naive datetimes are UTC."""

    timezone: str = "UTC"
    hours: dict[str, tuple[str, str]] = Field(default_factory=dict)
    minutes_per_conversation: int = Field(6, ge=1, le=240)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as Europe/London") from error
        return value

    @field_validator("hours")
    @classmethod
    def _valid_hours(cls, value: dict[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
        for day, (start, end) in value.items():
            if day not in DAYS:
                raise ValueError(f"unknown weekday {day!r}; use one of {', '.join(DAYS)}")
            if _clock(start) >= _clock(end):
                raise ValueError(f"{day}: opening time {start} is not before closing time {end}")
        return value

    def _local(self, now: datetime) -> datetime:
        aware = now if now.tzinfo else now.replace(tzinfo=UTC)
        return aware.astimezone(ZoneInfo(self.timezone))

    def is_staffed(self, now: datetime) -> bool:
        """Whether people answer hand-offs at ``now``."""
        local = self._local(now)
        span = self.hours.get(DAYS[local.weekday()])
        return span is not None and _clock(span[0]) <= local.time() < _clock(span[1])

    def next_opening(self, now: datetime) -> datetime | None:
        """When the team is next at work (shop's local time), or None when no hours are set."""
        local = self._local(now)
        for ahead in range(8):
            day = local + timedelta(days=ahead)
            span = self.hours.get(DAYS[day.weekday()])
            if span is None:
                continue
            opening = datetime.combine(day.date(), _clock(span[0]), tzinfo=local.tzinfo)
            if opening > local:
                return opening
        return None
