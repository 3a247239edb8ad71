"""Per-SKU demand forecasts on a tidy ``unique_id, ds, y`` table (see ``Forecaster``).

Plain Python, no Rasa: Prophet with the shop's holidays and promotions plus simple baselines; each series gets
the model that won its rolling-origin backtest. ``python -m backoffice.forecast --help`` for the command line.
"""

from backoffice.forecast.candidates import DEFAULT_MODELS, DESCRIPTIONS
from backoffice.forecast.core import Forecaster

__all__ = ["DEFAULT_MODELS", "DESCRIPTIONS", "Forecaster"]
