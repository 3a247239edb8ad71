"""Order fraud screening for the shop.

Rolling features, a calibrated gradient-boosting model with an anomaly score, plain-word reasons, an
alert-budget threshold, and the shop's hold-and-review flow.

Modules: ``features`` (batch), ``state`` (incremental, per order), ``model``, ``reasons``, ``threshold``,
``metrics``, ``shop`` (the store: score, hold, review, explain), ``cli`` (``python -m backoffice.fraud``).
"""
