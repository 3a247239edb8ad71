"""``python -m backoffice.recommend next-items`` end to end on a tiny sequences file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from backoffice.recommend.__main__ import main
from tests.backoffice.recommend.conftest import checker_histories


@pytest.fixture
def sequences(tmp_path: Path) -> Path:
    path = tmp_path / "seqs.txt"
    path.write_text("".join(f"{u} {' '.join(items)}\n" for u, items in checker_histories(30).items()))
    return path


def _read(path: Path) -> dict[str, list[str]]:
    return {line.split()[0]: line.split()[1:] for line in path.read_text().splitlines()}


@pytest.mark.parametrize("method", ["hybrid", "sasrec", "itemknn", "popular"])
def test_next_items(sequences: Path, tmp_path: Path, method: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.txt"
    assert main(["next-items", "--sequences", str(sequences), "--top", "5", "--out", str(out), "--method", method,
                 "--epochs", "3"]) == 0
    given, predicted = _read(sequences), _read(out)
    assert list(predicted) == list(given)
    for user, recs in predicted.items():
        assert len(recs) == 5 and len(set(recs)) == 5
        assert not set(recs) & set(given[user])
    assert "30 users" in capsys.readouterr().err


def test_include_seen_and_quiet(sequences: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out.txt"
    assert main(["next-items", "--sequences", str(sequences), "--top", "16", "--out", str(out), "--method",
                 "popular", "--include-seen", "--quiet"]) == 0
    assert all(len(r) == 16 for r in _read(out).values())
    assert capsys.readouterr().err == ""


def test_empty_file_fails(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("\n")
    assert main(["next-items", "--sequences", str(empty), "--out", str(tmp_path / "o.txt")]) == 1


def test_runs_as_a_module(sequences: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    done = subprocess.run([sys.executable, "-m", "backoffice.recommend", "next-items", "--sequences", str(sequences),
                           "--top", "3", "--out", str(out), "--epochs", "2"], capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    assert "sasrec epoch 1" in done.stderr
    assert len(_read(out)) == 30
