"""Forecast settings from the environment (prefix ``SHOPDESK_``), separate from the app's main settings."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from backoffice.config import ROOT


class ForecastSettings(BaseSettings):
    """Where forecasts live and what the nightly refresh uses."""

    model_config = SettingsConfigDict(env_prefix="SHOPDESK_", env_file=".env", extra="ignore")

    forecast_dir: Path = Field(ROOT / "var" / "forecasts", description="Fitted models and forecast tables")
    forecast_country: str | None = Field("UK", description="Public holidays of this country feed Prophet")
    forecast_subdivision: str | None = Field("ENG", description="Region for regional holidays (e.g. ENG, SCT)")
    promotions_file: Path = Field(ROOT / "backoffice" / "kb" / "promotions.yml", description="Promotion calendar")
    forecast_horizon_weeks: int = Field(26, ge=1, description="Weeks forecast by the nightly refresh")
    forecast_jobs: int = Field(2, ge=1, description="Processes fitting series in parallel")
