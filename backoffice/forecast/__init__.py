"""Per-SKU demand forecasts on a tidy ``unique_id, ds, y`` table (see ``Forecaster``).

Plain Python, no Rasa: Prophet with the shop's holidays and promotions plus simple baselines; each series keeps
the robust ``median`` combination unless another candidate clearly won its rolling-origin backtest (by more
than 40%). ``python -m backoffice.forecast --help`` for the command line.
"""

from backoffice.forecast.candidates import DEFAULT_MODELS, DESCRIPTIONS
from backoffice.forecast.core import Forecaster

__all__ = ["DEFAULT_MODELS", "DESCRIPTIONS", "Forecaster"]
