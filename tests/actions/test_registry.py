"""The action server can load every action: each concrete action has a unique name the domain lists."""

from __future__ import annotations

from pathlib import Path

import yaml
from rasa_sdk.executor import ActionExecutor

ROOT = Path(__file__).resolve().parents[2]


def test_the_action_server_registers_every_domain_action() -> None:
    executor = ActionExecutor()
    executor.register_package("actions")  # what `rasa_sdk` does at start-up; a broken action class raises here
    registered = set(executor.actions)
    domain = yaml.safe_load((ROOT / "domain.yml").read_text())
    custom = {a for a in domain["actions"] if a.startswith(("action_", "validate_"))}
    assert custom <= registered, sorted(custom - registered)
