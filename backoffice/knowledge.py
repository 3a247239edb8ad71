"""The store policy knowledge base: the shop's own YAML file of policy numbers and answer templates."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, Field, model_validator

from backoffice.schedule import SupportSchedule

CANNED_VARIABLES = ("customer_first_name", "order_number", "agent_name", "shop_name", "support_email",
                    "return_window_days", "refund_processing_days")


class ShopInfo(BaseModel):
    """Who the shop is and how to reach its people."""

    name: str
    support_email: str
    support_phone: str
    support_hours: str
    currency_symbol: str = "£"


class Rules(BaseModel):
    """The numbers the order policy enforces."""

    cancellable_statuses: list[str] = Field(default_factory=lambda: ["placed", "paid", "packed"])
    cancellation_fee_when_packed: float = 0.0
    address_change_statuses: list[str] = Field(default_factory=lambda: ["placed", "paid", "packed"])
    return_window_days: int = 30
    refund_processing_days: int = 5


class CannedReply(BaseModel):
    """A reply template staff pick in the console."""

    id: str
    title: str
    text: str


class KnowledgeBase(BaseModel):
    """Policy numbers plus answer templates keyed by topic (intent name)."""

    shop: ShopInfo
    rules: Rules = Field(default_factory=Rules)
    support: SupportSchedule = Field(default_factory=SupportSchedule)
    answers: dict[str, str] = Field(default_factory=dict)
    canned_replies: list[CannedReply] = Field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> KnowledgeBase:
        """Read and validate the YAML file at ``path``."""
        with path.open(encoding="utf-8") as handle:
            raw: dict[str, Any] = yaml.safe_load(handle) or {}
        return cls.model_validate(raw)

    @model_validator(mode="after")
    def _templates_render(self) -> KnowledgeBase:
        """Fail when the file is loaded, not when a shopper asks: every placeholder must be known."""
        for topic in self.answers:
            try:
                self.answer(topic)
            except (KeyError, ValueError, IndexError) as error:
                raise ValueError(f"answer '{topic}' has a bad placeholder: {error}") from error
        for reply in self.canned_replies:
            try:
                reply.text.format(**dict.fromkeys(CANNED_VARIABLES, ""))
            except (KeyError, ValueError, IndexError) as error:
                raise ValueError(f"canned reply '{reply.id}' has a bad placeholder: {error}") from error
        return self

    def topics(self) -> list[str]:
        return sorted(self.answers)

    def answer(self, topic: str) -> str | None:
        """The filled-in answer for ``topic``, or None when the shop has not written one."""
        template = self.answers.get(topic)
        if template is None:
            return None
        values = {**self.shop.model_dump(), **self.rules.model_dump()}
        return " ".join(template.format(**values).split())


    def canned(self, **variables: str) -> list[CannedReply]:
        """The canned replies with ``variables`` filled in (unknown ones become empty)."""
        values = {**dict.fromkeys(CANNED_VARIABLES, ""), "shop_name": self.shop.name,
                  "support_email": self.shop.support_email,
                  "return_window_days": str(self.rules.return_window_days),
                  "refund_processing_days": str(self.rules.refund_processing_days), **variables}
        return [reply.model_copy(update={"text": reply.text.format(**values)}) for reply in self.canned_replies]


@lru_cache(maxsize=4)
def load_knowledge_base(path: Path) -> KnowledgeBase:
    """The knowledge base at ``path`` (cached per path for the life of the process)."""
    return KnowledgeBase.load(path)
