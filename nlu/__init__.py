"""Shopdesk's NLU parts that run inside the Rasa server (.venv-rasa): a sentence-encoder featurizer and guards.

``encoder`` and ``export`` have no Rasa imports; ``featurizer``, ``language`` and ``scope`` are Rasa 3.6 graph
components referenced by module path from ``config.yml``.
"""
