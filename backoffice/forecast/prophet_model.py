"""Prophet for one demand series: trend, seasonality the history supports, holidays and promotions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from backoffice.forecast.calendar import quiet_prophet_logs


@dataclass
class ProphetModel:
    """A Prophet fit on one series; ``events`` is a Prophet ``holidays`` table already on the series' periods."""

    name = "prophet"
    period_days: int = 7
    events: pd.DataFrame | None = None
    max_history: int | None = None
    changepoint_prior_scale: float = 0.05
    uncertainty_samples: int = 300
    model: Any = field(default=None, repr=False)

    def min_length(self) -> int:
        return 10

    def fit(self, ds: pd.DatetimeIndex, y: np.ndarray) -> ProphetModel:
        """Fit on ``ds``/``y``; yearly seasonality needs two years, weekly needs daily data."""
        quiet_prophet_logs()
        from prophet import Prophet

        if self.max_history:
            ds, y = ds[-self.max_history :], y[-self.max_history :]
        span_days = (ds[-1] - ds[0]).days
        events = self.events
        if events is not None and not events.empty:
            events = events[(events["ds"] >= ds[0]) & (events["holiday"].isin(
                events.loc[(events["ds"] >= ds[0]) & (events["ds"] <= ds[-1]), "holiday"]))]
        model = Prophet(
            growth="linear",
            yearly_seasonality=span_days >= 730,
            weekly_seasonality=self.period_days == 1 and span_days >= 28,
            daily_seasonality=False,
            holidays=events if events is not None and not events.empty else None,
            changepoint_prior_scale=self.changepoint_prior_scale,
            uncertainty_samples=self.uncertainty_samples,
        )
        model.fit(pd.DataFrame({"ds": ds, "y": y}), algorithm="LBFGS")
        self.model = model
        return self

    def forecast(self, future: pd.DatetimeIndex, level: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean, lower and upper bound of the central ``level``% interval at the dates ``future``."""
        if self.model is None:
            raise RuntimeError("call fit before forecast")
        self.model.interval_width = level / 100
        np.random.seed(0)  # Prophet samples its intervals from numpy's global generator: keep them repeatable
        frame = self.model.predict(pd.DataFrame({"ds": future}))
        mean = frame["yhat"].to_numpy()
        if "yhat_lower" not in frame:  # uncertainty_samples=0: no interval (used inside backtests)
            return mean, mean, mean
        return mean, frame["yhat_lower"].to_numpy(), frame["yhat_upper"].to_numpy()

    def to_state(self) -> dict[str, Any]:
        """Prophet's own JSON serialisation (never pickle)."""
        from prophet.serialize import model_to_json

        return {"model": self.name, "period_days": self.period_days, "prophet": model_to_json(self.model)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> ProphetModel:
        quiet_prophet_logs()
        from prophet.serialize import model_from_json

        return cls(period_days=int(state["period_days"]), model=model_from_json(state["prophet"]))
