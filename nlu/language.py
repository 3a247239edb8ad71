"""Rasa 3.6 graph component: messages in another language get the intent ``other_language``, not a guess.

A DIET model trained on English reads "我的订单在哪里？" as whatever English intent is nearest (it was "affirm");
this component, placed after the intent classifier, overrides the intent when the message is clearly not
English, so it stays out of every order skill and the assistant can say which language it speaks.

Detection (lingua, models shipped inside its wheel, nothing downloaded):
* letters mostly outside the Latin script (Chinese, Cyrillic, Arabic, ...) -> another language;
* otherwise, at least ``min_words`` words, less than ``max_english_share`` of the text in English segments, and the
  top language is not English with confidence >= ``min_confidence`` -> another language.
Short or mixed messages ("gracias for the help", "deliver to Köln") stay English. ``enabled: false`` switches the
check off, e.g. for a shop that uses a multilingual encoder and trains on several languages.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

OTHER_LANGUAGE = "other_language"
LANGUAGE_KEY = "language"
# Languages the detector weighs against English: the ones shoppers in Europe most often write in, and the
# major world languages. Fewer languages keep the memory small and avoid exotic look-alikes of short English.
DEFAULT_LANGUAGES = (
    "ENGLISH", "GERMAN", "FRENCH", "SPANISH", "ITALIAN", "PORTUGUESE", "DUTCH", "POLISH", "RUSSIAN", "UKRAINIAN",
    "CHINESE", "JAPANESE", "KOREAN", "ARABIC", "TURKISH", "HINDI", "VIETNAMESE", "SWEDISH", "DANISH", "FINNISH",
    "GREEK", "CZECH", "HUNGARIAN", "ROMANIAN", "BOKMAL", "INDONESIAN",
)


@lru_cache(maxsize=2)
def detector(languages: tuple[str, ...]) -> Any:
    """One lingua detector per language set and process (its models take a few seconds to load)."""
    from lingua import Language, LanguageDetectorBuilder

    chosen = [getattr(Language, name.upper()) for name in languages]
    return LanguageDetectorBuilder.from_languages(*chosen).with_preloaded_language_models().build()


def non_latin_share(text: str) -> float:
    """Share of the letters in ``text`` that are not Latin script (0.0 when there are no letters)."""
    letters = [c for c in text if c.isalpha()]
    if not letters:
        return 0.0
    return sum(1 for c in letters if "LATIN" not in unicodedata.name(c, "")) / len(letters)


def detect(text: str, config: dict[str, Any]) -> str | None:
    """The lower-case name of the message's language when it is clearly not English, else ``None``."""
    if non_latin_share(text) >= 0.5:
        values = detector(tuple(config["languages"])).compute_language_confidence_values(text)
        return values[0].language.name.lower() if values else "unknown"
    if sum(1 for word in text.split() if any(c.isalpha() for c in word)) < config["min_words"]:
        return None
    from lingua import Language

    lingua = detector(tuple(config["languages"]))
    english = sum(s.end_index - s.start_index for s in lingua.detect_multiple_languages_of(text)
                  if s.language == Language.ENGLISH)
    if english / max(1, len(text)) >= config["max_english_share"]:
        return None
    values = lingua.compute_language_confidence_values(text)
    if not values or values[0].language == Language.ENGLISH or values[0].value < config["min_confidence"]:
        return None
    return str(values[0].language.name.lower())


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class LanguageGuard(GraphComponent, IntentClassifier):
    """Sets the intent ``other_language`` (confidence 1.0) and ``language`` on messages that are not English."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"enabled": True, "languages": list(DEFAULT_LANGUAGES), "min_words": 2, "max_english_share": 0.25,
                "min_confidence": 0.5}

    @staticmethod
    def required_packages() -> list[str]:
        return ["lingua"]

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> LanguageGuard:
        return cls(config)

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    def process(self, messages: list[Message]) -> list[Message]:
        """Override the intent of every message that is clearly in another language."""
        if not self.config["enabled"]:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not text or text.startswith("/"):
                continue
            language = detect(text, self.config)
            if language is None:
                continue
            message.set(LANGUAGE_KEY, language, add_to_output=True)
            ranking = [{INTENT_NAME_KEY: OTHER_LANGUAGE, PREDICTED_CONFIDENCE_KEY: 1.0}]
            ranking += [{**r, PREDICTED_CONFIDENCE_KEY: 0.0} for r in message.get(INTENT_RANKING_KEY) or []][:9]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking, add_to_output=True)
        return messages
