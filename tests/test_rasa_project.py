"""The Rasa project itself, checked by Rasa's own tools in the Rasa environment (.venv-rasa).

``rasa data validate`` must find no errors, and every end-to-end test story in tests/stories must be predicted
exactly by the trained model (``make test`` trains it first).
"""

from __future__ import annotations

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
