"""``python -m backoffice.fraud train`` and ``score`` end to end on tiny CSVs in the handbook schema."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from backoffice.fraud.cli import main


def handbook_like(days: int = 50, seed: int = 1) -> pd.DataFrame:
    """Customers buying at terminals; frauds: amounts over 220, and terminal 3 compromised from day 20 on."""
    rng = np.random.default_rng(seed)
    n = days * 40
    start = pd.Timestamp("2018-04-01")
    t = start + pd.to_timedelta(np.sort(rng.uniform(0, days * 86400, n)).astype(int), "s")
    customer = rng.integers(0, 60, n)
    terminal = rng.integers(0, 12, n)
    amount = np.round(rng.gamma(2.0, 25.0, n), 2)
    big = rng.random(n) < 0.02
    amount[big] = np.round(rng.uniform(230, 400, big.sum()), 2)
    fraud = big | ((terminal == 3) & (t >= start + pd.Timedelta(days=20)))
    return pd.DataFrame({"TRANSACTION_ID": np.arange(n), "TX_DATETIME": t.strftime("%Y-%m-%d %H:%M:%S"),
                         "CUSTOMER_ID": customer, "TERMINAL_ID": terminal, "TX_AMOUNT": amount,
                         "TX_FRAUD": fraud.astype(int)})


def test_train_then_score_writes_a_score_for_every_transaction(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    frame = handbook_like()
    cut = frame["TX_DATETIME"] < "2018-05-10"
    frame[cut].to_csv(tmp_path / "train.csv", index=False)
    new = frame[~cut].drop(columns=["TX_FRAUD"])
    new.sample(frac=1.0, random_state=0).to_csv(tmp_path / "new.csv", index=False)  # any row order
    model = tmp_path / "model.joblib"

    assert main(["train", "--transactions", str(tmp_path / "train.csv"), "--model", str(model),
                 "--reviews-per-day", "3"]) == 0
    assert model.is_file() and "threshold" in capsys.readouterr().out
    out = tmp_path / "out" / "scores.csv"
    assert main(["score", "--model", str(model), "--history", str(tmp_path / "train.csv"),
                 "--transactions", str(tmp_path / "new.csv"), "--out", str(out)]) == 0
    scores = pd.read_csv(out)
    assert list(scores.columns) == ["TRANSACTION_ID", "score"]
    shuffled = pd.read_csv(tmp_path / "new.csv")
    assert scores["TRANSACTION_ID"].tolist() == shuffled["TRANSACTION_ID"].tolist()
    assert scores["score"].between(0, 1).all()
    truth = frame.set_index("TRANSACTION_ID").loc[scores["TRANSACTION_ID"], "TX_FRAUD"].to_numpy()
    assert scores["score"][truth == 1].mean() > 5 * scores["score"][truth == 0].mean()


def test_errors_are_one_line_and_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    handbook_like(days=5).drop(columns=["TX_FRAUD"]).to_csv(tmp_path / "nolabels.csv", index=False)
    assert main(["train", "--transactions", str(tmp_path / "nolabels.csv"), "--model", str(tmp_path / "m")]) == 2
    assert "TX_FRAUD" in capsys.readouterr().err
    assert main(["score", "--model", str(tmp_path / "none.joblib"), "--transactions",
                 str(tmp_path / "nolabels.csv"), "--out", str(tmp_path / "o.csv")]) == 2
    assert "no fraud model" in capsys.readouterr().err
    handbook_like(days=5).drop(columns=["TERMINAL_ID"]).to_csv(tmp_path / "bad.csv", index=False)
    assert main(["train", "--transactions", str(tmp_path / "bad.csv"), "--model", str(tmp_path / "m")]) == 2
    assert "TERMINAL_ID" in capsys.readouterr().err
