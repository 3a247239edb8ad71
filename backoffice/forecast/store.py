"""Persisted forecasts: one JSON file per fitted series model plus the latest history and forecast tables.

Layout of the folder (``SHOPDESK_FORECAST_DIR``, default ``var/forecasts``)::

    meta.json          when and how the forecasts were made
    history.csv        unique_id, ds, y  (the demand the models were fitted on)
    forecast.csv       unique_id, ds, yhat, yhat_lo, yhat_hi, model  (80% interval)
    models/<id>.json   the chosen model per series (Prophet via its own JSON serialisation)
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from backoffice.forecast.core import Forecaster
from backoffice.forecast.selection import SeriesFit


def _file_name(unique_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", unique_id)
    if safe != unique_id:
        safe += "-" + hashlib.sha1(unique_id.encode()).hexdigest()[:8]
    return safe + ".json"


def _write(path: Path, text: str) -> None:
    """Write atomically, so a reader never sees half a file."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


class ForecastStore:
    """Reads and writes the forecast folder; tables are cached until the files change."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._cache: dict[str, tuple[float, pd.DataFrame]] = {}

    @classmethod
    def default(cls) -> ForecastStore:
        """The store at ``SHOPDESK_FORECAST_DIR``."""
        from backoffice.forecast.settings import ForecastSettings

        return cls(ForecastSettings().forecast_dir)

    # ------------------------------------------------------------------------------------------ writing

    def save(self, forecaster: Forecaster, history: pd.DataFrame, forecast: pd.DataFrame,
             *, made_at: datetime, extra: dict[str, Any] | None = None) -> None:
        """Persist every fitted model, the history and the forecast table."""
        models = self.root / "models"
        models.mkdir(parents=True, exist_ok=True)
        for fit in forecaster.fits_.values():
            _write(models / _file_name(fit.unique_id), json.dumps({
                "unique_id": fit.unique_id, "model": fit.model, "last_ds": fit.last_ds.date().isoformat(),
                "period_days": fit.period_days, "state": fit.state,
                "errors": {k: (v if math.isfinite(v) else None) for k, v in fit.errors.items()},
            }))
        _write(self.root / "history.csv", history[["unique_id", "ds", "y"]].to_csv(index=False))
        _write(self.root / "forecast.csv", forecast.to_csv(index=False))
        meta = {"made_at": made_at.isoformat(timespec="seconds"), "freq": forecaster.freq,
                "series": len(forecaster.fits_), **(extra or {})}
        _write(self.root / "meta.json", json.dumps(meta, indent=2))

    # ------------------------------------------------------------------------------------------ reading

    def exists(self) -> bool:
        return (self.root / "forecast.csv").exists()

    def meta(self) -> dict[str, Any]:
        path = self.root / "meta.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}

    def _table(self, name: str) -> pd.DataFrame:
        path = self.root / name
        if not path.exists():
            raise FileNotFoundError(f"no forecasts in {self.root}: run `make forecast` first")
        mtime = path.stat().st_mtime
        cached = self._cache.get(name)
        if cached is None or cached[0] != mtime:
            frame = pd.read_csv(path, dtype={"unique_id": str}, parse_dates=["ds"])
            cached = self._cache[name] = (mtime, frame)
        return cached[1]

    def forecast(self, unique_id: str | None = None) -> pd.DataFrame:
        """The stored forecast, of every series or of one (matched case-insensitively)."""
        return self._select(self._table("forecast.csv"), unique_id)

    def history(self, unique_id: str | None = None) -> pd.DataFrame:
        """The demand history the forecasts were fitted on."""
        return self._select(self._table("history.csv"), unique_id)

    @staticmethod
    def _select(frame: pd.DataFrame, unique_id: str | None) -> pd.DataFrame:
        if unique_id is None:
            return frame
        return frame[frame["unique_id"].str.upper() == unique_id.strip().upper()].reset_index(drop=True)

    def load_fit(self, unique_id: str) -> SeriesFit | None:
        """The persisted model of one series (rebuild with ``candidate_from_state(fit.state)``)."""
        path = self.root / "models" / _file_name(unique_id)
        if not path.exists():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return SeriesFit(data["unique_id"], data["model"], data["state"], pd.Timestamp(data["last_ds"]),
                         int(data["period_days"]), data.get("errors", {}))

    def load_forecaster(self) -> Forecaster:
        """A forecaster holding every persisted model, ready for ``predict(h)``."""
        meta = self.meta()
        forecaster = Forecaster(meta.get("freq", "W"))
        for path in sorted((self.root / "models").glob("*.json")):
            fit = self.load_fit(json.loads(path.read_text(encoding="utf-8"))["unique_id"])
            if fit is not None:
                forecaster.fits_[fit.unique_id] = fit
        return forecaster
