"""The tidy-table forecaster: ``unique_id, ds, y`` in; per-series model choice; forecasts with intervals out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from backoffice.forecast.calendar import shop_events, snap_to_periods
from backoffice.forecast.candidates import DEFAULT_MODELS, DESCRIPTIONS, ModelSettings, make_candidate
from backoffice.forecast.pooled import pooled_paths
from backoffice.forecast.selection import SelectionSettings, SeriesFit, fit_series, forecast_series, run_forecast

PERIOD_DAYS = {"D": 1, "W": 7}
SEASON_LENGTH = {"D": 7, "W": 52}
T = TypeVar("T")


def _levels(level: float | Iterable[float]) -> tuple[float, ...]:
    values = (level,) if isinstance(level, int | float) else tuple(level)
    if not values or any(not 0 < v < 100 for v in values):
        raise ValueError("level must be one or more interval widths in percent, between 0 and 100 (e.g. [80])")
    return values


def _rename_single_level(frame: pd.DataFrame, levels: tuple[float, ...]) -> pd.DataFrame:
    """With one level the interval columns are plain ``yhat_lo`` / ``yhat_hi``."""
    if len(levels) == 1:
        tag = f"{levels[0]:g}"
        frame = frame.rename(columns={f"yhat_lo_{tag}": "yhat_lo", f"yhat_hi_{tag}": "yhat_hi"})
    return frame


def prepare(df: pd.DataFrame, freq: str) -> dict[str, tuple[pd.DatetimeIndex, np.ndarray]]:
    """Validate a tidy table and split it into regular series; missing periods inside a series count as 0."""
    missing = {"unique_id", "ds", "y"} - set(df.columns)
    if missing:
        raise ValueError(f"the table needs the columns unique_id, ds, y (missing: {', '.join(sorted(missing))})")
    if freq not in PERIOD_DAYS:
        raise ValueError(f"freq must be one of {', '.join(PERIOD_DAYS)} (got {freq!r})")
    frame = df[["unique_id", "ds", "y"]].copy()
    frame["unique_id"] = frame["unique_id"].astype(str)
    frame["ds"] = pd.to_datetime(frame["ds"]).dt.normalize()
    frame["y"] = pd.to_numeric(frame["y"], errors="raise").astype(float)
    if frame["y"].isna().any():
        raise ValueError("y has empty values: fill them (0 for no sales) or drop the rows")
    if frame.duplicated(["unique_id", "ds"]).any():
        raise ValueError("a (unique_id, ds) pair occurs twice: aggregate the table first")
    period = pd.Timedelta(days=PERIOD_DAYS[freq])
    series: dict[str, tuple[pd.DatetimeIndex, np.ndarray]] = {}
    for uid, group in frame.sort_values(["unique_id", "ds"]).groupby("unique_id", sort=True):
        ds = pd.DatetimeIndex(group["ds"])
        if ((ds - ds[0]) % period != pd.Timedelta(0)).any():
            raise ValueError(f"series {uid!r}: dates are not {PERIOD_DAYS[freq]} day(s) apart (freq={freq})")
        grid = pd.date_range(ds[0], ds[-1], freq=period)
        y = group.set_index("ds")["y"].reindex(grid, fill_value=0.0).to_numpy()
        series[str(uid)] = (grid, y)
    return series


def run_parallel(
    func: Callable[..., T], tasks: Sequence[tuple[Any, ...]], n_jobs: int, progress: str | None
) -> list[T]:
    """``func(*task)`` for every task, in ``n_jobs`` processes (loky) with an optional tqdm progress bar."""
    from tqdm.auto import tqdm

    bar = tqdm(total=len(tasks), desc=progress, unit="series", disable=progress is None, leave=False)
    try:
        if n_jobs == 1 or len(tasks) < 2:
            results = []
            for task in tasks:
                results.append(func(*task))
                bar.update()
            return results
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=n_jobs, backend="loky", return_as="generator")
        results = []
        for result in parallel(delayed(func)(*task) for task in tasks):
            results.append(result)
            bar.update()
        return results
    finally:
        bar.close()


def _fit_task(uid: str, ds: pd.DatetimeIndex, y: np.ndarray, models: ModelSettings,
              selection: SelectionSettings, h: int | None, levels: tuple[float, ...],
              pooled: dict[int, list[float]] | None = None) -> tuple[SeriesFit, Any]:
    fit = fit_series(uid, ds, y, models, selection, pooled)
    forecast = forecast_series(fit, h, levels, selection.nonnegative) if h else None
    return fit, forecast


def _predict_task(fit: SeriesFit, h: int, levels: tuple[float, ...], nonnegative: bool) -> pd.DataFrame:
    return forecast_series(fit, h, levels, nonnegative)


def _cv_task(uid: str, ds: pd.DatetimeIndex, y: np.ndarray, models: ModelSettings, selection: SelectionSettings,
             h: int, cutoffs: list[int], pooled: dict[int, list[float]] | None = None) -> pd.DataFrame:
    rows = []
    for cutoff in cutoffs:
        if cutoff < 2:
            continue
        window: dict[str, Any] = {"unique_id": uid, "ds": ds[cutoff : cutoff + h], "cutoff": ds[cutoff - 1],
                                  "y": y[cutoff : cutoff + h]}
        for label in selection.models:
            candidate = make_candidate(label, models, pooled)
            mean = np.full(h, np.nan)
            if cutoff >= candidate.min_length() and (label != "global" or cutoff in (pooled or {})):
                candidate.fit(ds[:cutoff], y[:cutoff])
                mean = run_forecast(candidate, ds[cutoff - 1], h, 80, models.period_days, selection.nonnegative)[1]
            window[label] = mean
        auto = fit_series(uid, ds[:cutoff], y[:cutoff], models, selection, pooled)
        window["auto"] = forecast_series(auto, h, (80,), selection.nonnegative)["yhat"].to_numpy()
        rows.append(pd.DataFrame(window))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


class Forecaster:
    """Per-series demand forecasts: each series' model is chosen by a rolling-origin backtest.

    The ``incumbent`` (default: the ``median`` combination) is kept unless another candidate's backtest error is
    more than ``margin`` (default 40%) below its own; ``margin=0`` takes the plain backtest winner.

    ``Forecaster(freq="W").fit(df).predict(8)`` -> ``unique_id, ds, yhat, yhat_lo, yhat_hi, model`` (80%).
    Candidates (``models``): see ``DESCRIPTIONS``. Prophet gets the public holidays of ``country`` and the
    promotion calendar ``promotions`` (YAML); it is only tried where at least half the periods had sales.
    ``n_jobs`` processes fit the series in parallel; ``progress=True`` shows a tqdm bar.
    """

    def __init__(
        self,
        freq: str = "W",
        *,
        models: Sequence[str] = DEFAULT_MODELS,
        backtest_h: int = 8,
        n_windows: int = 3,
        step: int | None = None,
        season_length: int | None = None,
        window: int = 4,
        country: str | None = "UK",
        subdivision: str | None = None,
        promotions: Path | None = None,
        prophet_max_history: int | None = 260,
        nonnegative: bool = True,
        top_k: int = 1,
        incumbent: str | None = "median",
        margin: float = 0.4,
        n_jobs: int = 1,
        progress: bool = False,
    ) -> None:
        if freq not in PERIOD_DAYS:
            raise ValueError(f"freq must be one of {', '.join(PERIOD_DAYS)} (got {freq!r})")
        unknown = [m for m in models if m not in DESCRIPTIONS]
        if unknown or not models:
            raise ValueError(f"unknown models {unknown}; choose from {', '.join(DESCRIPTIONS)}")
        self.freq = freq
        self.models = ModelSettings(
            period_days=PERIOD_DAYS[freq],
            season_length=season_length or SEASON_LENGTH[freq],
            window=window,
            prophet_max_history=prophet_max_history,
        )
        fallback = "historic_average" if "historic_average" in models else models[0]
        self.selection = SelectionSettings(tuple(models), backtest_h, n_windows, step, fallback,
                                           nonnegative=nonnegative, top_k=top_k, incumbent=incumbent,
                                           margin=margin)
        self.country, self.subdivision, self.promotions = country, subdivision, promotions
        self.n_jobs, self.progress = n_jobs, progress
        self.fits_: dict[str, SeriesFit] = {}

    # ------------------------------------------------------------------------------------------ fitting

    def _model_settings(self, series: dict[str, tuple[pd.DatetimeIndex, np.ndarray]]) -> ModelSettings:
        """The run's settings with the holiday/promotion table on this data's periods (only if Prophet runs)."""
        if "prophet" not in self.selection.models or not series:
            return self.models
        first = min(ds[0] for ds, _ in series.values())
        last = max(ds[-1] for ds, _ in series.values())
        years = range(first.year, last.year + 3)
        events = shop_events(years, self.country, self.subdivision, self.promotions)
        return replace(self.models, events=snap_to_periods(events, self.models.period_days, first))

    def _uses_pooled(self) -> bool:
        return any(m in self.selection.models for m in ("global", "median"))

    def _selection_drops(self, offset: int = 0) -> list[int]:
        """Periods cut off a series' end at each backtest origin of the choice (plus the final fit at 0)."""
        sel = self.selection
        return [offset] + [offset + sel.h + k * (sel.step or sel.h) for k in range(sel.n_windows)]

    def _pooled(self, series: dict[str, tuple[pd.DatetimeIndex, np.ndarray]], drops: list[int],
                horizon: int) -> dict[str, dict[int, list[float]]]:
        """The pooled model's paths for every series and history length the run will ask for."""
        if not self._uses_pooled():
            return {}
        return pooled_paths(series, drops, horizon)

    def _fit(self, df: pd.DataFrame, h: int | None, levels: tuple[float, ...]) -> list[Any]:
        series = prepare(df, self.freq)
        models = self._model_settings(series)
        pooled = self._pooled(series, self._selection_drops(), self.selection.h)
        tasks = [(uid, ds, y, models, self.selection, h, levels, pooled.get(uid))
                 for uid, (ds, y) in series.items()]
        results = run_parallel(_fit_task, tasks, self.n_jobs, "fitting" if self.progress else None)
        self.fits_ = {fit.unique_id: fit for fit, _ in results}
        return [forecast for _, forecast in results]

    def fit(self, df: pd.DataFrame) -> Forecaster:
        """Choose and fit a model for every series of ``df`` (``unique_id, ds, y``)."""
        self._fit(df, None, (80,))
        return self

    def fit_predict(self, df: pd.DataFrame, h: int, level: float | Iterable[float] = (80,)) -> pd.DataFrame:
        """``fit(df)`` then ``predict(h, level)``, in one parallel pass."""
        levels = _levels(level)
        frames = self._fit(df, h, levels)
        return _rename_single_level(pd.concat(frames, ignore_index=True), levels)

    # ------------------------------------------------------------------------------------------ forecasting

    def predict(self, h: int, level: float | Iterable[float] = (80,)) -> pd.DataFrame:
        """The ``h`` periods after each series' last date: ``unique_id, ds, yhat, yhat_lo, yhat_hi, model``.

        With several levels the bounds are ``yhat_lo_80``, ``yhat_hi_80``, ``yhat_lo_95``, ...
        """
        if not self.fits_:
            raise RuntimeError("call fit(df) before predict(h)")
        if h < 1:
            raise ValueError("h must be at least 1")
        levels = _levels(level)
        tasks = [(fit, h, levels, self.selection.nonnegative) for fit in self.fits_.values()]
        n_jobs = self.n_jobs if any(f.model == "prophet" for f in self.fits_.values()) else 1
        frames = run_parallel(_predict_task, tasks, n_jobs, "forecasting" if self.progress else None)
        return _rename_single_level(pd.concat(frames, ignore_index=True), levels)

    def cross_validation(self, df: pd.DataFrame, h: int, n_windows: int = 3, step: int | None = None) -> pd.DataFrame:
        """Rolling-origin forecasts of every candidate and of the automatic choice (``auto``).

        Returns ``unique_id, ds, cutoff, y`` and one column per model; the last window ends at each series' end.
        """
        series = prepare(df, self.freq)
        models = self._model_settings(series)
        step = step or h
        drops = sorted({d for k in range(n_windows) for d in self._selection_drops(h + k * step)})
        pooled = self._pooled(series, drops, max(h, self.selection.h))
        tasks = [(uid, ds, y, models, self.selection, h, [len(y) - h - k * step for k in reversed(range(n_windows))],
                  pooled.get(uid)) for uid, (ds, y) in series.items()]
        frames = run_parallel(_cv_task, tasks, self.n_jobs, "cross-validating" if self.progress else None)
        return pd.concat(frames, ignore_index=True)

    def selected(self) -> pd.DataFrame:
        """The chosen model per series and every candidate's backtest error."""
        rows = [{"unique_id": uid, "model": fit.model, **{f"mae_{k}": v for k, v in fit.errors.items()}}
                for uid, fit in self.fits_.items()]
        return pd.DataFrame(rows)
