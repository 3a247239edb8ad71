"""The Rasa project itself, checked by Rasa's own tools in the Rasa environment (.venv-rasa).

``rasa data validate`` must find no errors, and every end-to-end test story in tests/stories must be predicted
exactly by the trained model (``make test`` trains it first).
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RASA = ROOT / ".venv-rasa" / "bin" / "rasa"
pytestmark = pytest.mark.slow


def rasa(*args: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    if not RASA.exists():
        pytest.fail(f"{RASA} is missing: run `make setup`")
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    return subprocess.run([str(RASA), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)


def test_training_data_and_domain_validate() -> None:
    result = rasa("data", "validate")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_end_to_end_stories_pass(tmp_path: Path) -> None:
    model = ROOT / "models" / "shopdesk.tar.gz"
    if not model.exists():
        pytest.fail("no trained model: run `make train` (make test does it first)")
    result = rasa("test", "core", "--stories", "tests/stories", "--model", str(model), "--out", str(tmp_path),
                  "--fail-on-prediction-errors", "--no-plot")
    failed = tmp_path / "failed_test_stories.yml"
    details = failed.read_text() if failed.exists() else result.stdout[-3000:] + result.stderr[-3000:]
    assert result.returncode == 0, details


# Rasa's own slot extraction (no model needed) on a message of six digits, as the NLU's regex tags it.
_EXTRACT_SIX_DIGITS = '''
import asyncio, json
from rasa.core.actions.action import ActionExtractSlots
from rasa.core.channels import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, ActiveLoop, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

domain = Domain.load("domain.yml")

def extracted(loop, requested):
    events = [ActionExecuted("action_listen")]
    if loop:
        events += [ActiveLoop(loop), SlotSet("requested_slot", requested), ActionExecuted("action_listen")]
    events.append(UserUttered("483920", intent={"name": "inform", "confidence": 0.9},
                              entities=[{"entity": "order_number", "value": "483920", "start": 0, "end": 6}]))
    tracker = DialogueStateTracker.from_events("t", events, domain.slots)
    nlg = TemplatedNaturalLanguageGenerator(domain.responses)
    out = asyncio.run(ActionExtractSlots(None).run(CollectingOutputChannel(), nlg, tracker, domain))
    return {e.key: e.value for e in out if isinstance(e, SlotSet)}

print(json.dumps({"code_form": extracted("verification_form", "verification_code"),
                  "order_form": extracted("order_form", "order_number"), "no_form": extracted(None, None)}))
'''


def test_six_digits_are_the_code_while_the_code_form_asks_and_an_order_number_otherwise() -> None:
    python = ROOT / ".venv-rasa" / "bin" / "python"
    if not python.exists():
        pytest.fail(f"{python} is missing: run `make setup`")
    result = subprocess.run([str(python), "-c", _EXTRACT_SIX_DIGITS], cwd=ROOT, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"})
    assert result.returncode == 0, result.stderr[-3000:]
    filled = json.loads(result.stdout.strip().splitlines()[-1])
    assert filled["code_form"] == {"verification_code": "483920"}  # not the order number
    assert filled["order_form"] == {"order_number": "483920"}
    assert filled["no_form"] == {"order_number": "483920"}
