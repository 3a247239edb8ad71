import json
import subprocess
import sys
from pathlib import Path

import pytest

from backoffice.routing.cli import main

DATA = Path(__file__).parent / "data"
REPO = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize("extra", [[], ["--ortools-only"]])
def test_solomon_end_to_end_finds_the_hand_checked_optimum(tmp_path: Path, extra: list[str]) -> None:
    # Optimum 30: 2 then 1 (2 closes at 12, 1 opens at 15; 20 long) and 3 alone (10 long).
    out = tmp_path / "plan.json"
    args = ["solve", "--solomon", str(DATA / "tiny3.txt"), "--time-limit", "0.5", "--out", str(out), *extra]
    assert main(args) == 0
    plan = json.loads(out.read_text())
    assert sorted(plan["routes"]) == [[2, 1], [3]]
    assert plan["distance"] == pytest.approx(30.0) and plan["vehicles"] == 2 and plan["feasible"]


def test_cvrplib_end_to_end_as_a_module(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    args = ["solve", "--cvrplib", str(DATA / "tiny-n5-k2.vrp"), "--time-limit", "0.5", "--out", str(out)]
    done = subprocess.run([sys.executable, "-m", "backoffice.routing", *args], cwd=REPO, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    plan = json.loads(out.read_text())
    assert sorted(sorted(r) for r in plan["routes"]) == [[2, 3], [4, 5]]
    assert plan["distance"] == 32.0 and plan["vehicles"] == 2


def test_unreadable_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_text("nothing here\n")
    assert main(["solve", "--solomon", str(bad), "--time-limit", "1"]) == 2
    assert "cannot read the instance" in capsys.readouterr().err


def test_warm_up_compiles_the_search(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["warm-up"]) == 0
    assert "compiled in" in capsys.readouterr().err
