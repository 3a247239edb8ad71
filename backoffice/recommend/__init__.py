"""Personal recommendations and product search (plain Python, no Rasa).

Library: :class:`~backoffice.recommend.recommender.Recommender` (``fit``, ``recommend``, ``similar_items``,
``save``/``load``), :class:`~backoffice.recommend.search.ProductSearch` and
:func:`~backoffice.recommend.query.parse_query`. For the chat actions: ``search_products``, ``recommend_for``
and ``similar_to`` in :mod:`backoffice.recommend.store`. Nothing heavy (torch, spaCy, the encoder) is imported
until it is used.
"""
