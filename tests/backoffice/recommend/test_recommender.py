"""The Recommender contract on tiny synthetic data, run for every model configuration (a contract mixin)."""

from __future__ import annotations

from pathlib import Path

import pytest

from backoffice.recommend.recommender import Recommender
from backoffice.recommend.sasrec import SASRecConfig


def tiny_config() -> SASRecConfig:
    return SASRecConfig(hidden=16, layers=1, heads=1, dropout=0.1, max_len=10, lr=1e-2, batch_size=16, epochs=15,
                        patience=15, threads=1)


class RecommenderContract:
    """Every configuration of the facade must keep these promises."""

    def make(self) -> Recommender:
        raise NotImplementedError

    @pytest.fixture
    def model(self, histories: dict[str, list[str]], titles: dict[str, str]) -> Recommender:
        return self.make().fit(histories, titles)

    def test_fit_returns_self_and_learns_the_catalogue(self, histories: dict[str, list[str]]) -> None:
        model = self.make()
        assert model.fit(histories) is model
        assert len(model.items_) == 16

    def test_recommends_n_unseen_items_with_reasons(self, model: Recommender,
                                                    histories: dict[str, list[str]]) -> None:
        recs = model.recommend("u0", 5)
        assert len(recs) == 5
        assert not {r.item for r in recs} & set(histories["u0"])
        assert all(r.reason for r in recs)
        scores = [r.score for r in recs if r.source != "popular"]
        assert scores == sorted(scores, reverse=True)

    def test_learns_the_taste_group(self, model: Recommender) -> None:
        top = model.recommend("u0", 2)
        assert all(r.item.startswith("a") for r in top)
        assert all(r.reason.startswith(("often bought with Item A", "because you bought Item A")) for r in top)

    def test_out_of_stock_is_never_recommended(self, model: Recommender) -> None:
        first = model.recommend("u0", 3)
        model.set_stock({first[0].item: 0, first[1].item: -1})
        again = model.recommend("u0", 16)
        assert first[0].item not in {r.item for r in again}
        assert first[1].item not in {r.item for r in again}
        assert first[0].item not in {r.item for r in model.similar_items("a0", 16)}
        assert len(model.recommend("u0", 3, exclude_out_of_stock=False)) == 3

    def test_new_shopper_gets_popular_items(self, model: Recommender) -> None:
        recs = model.recommend("somebody-new", 4)
        assert len(recs) == 4
        assert {r.source for r in recs} == {"popular"}
        assert all(r.reason == "popular with other shoppers" for r in recs)

    def test_explicit_history_and_repeats(self, model: Recommender) -> None:
        recs = model.recommend(None, 3, history=["b1", "b2"])
        assert recs[0].item.startswith("b") and not {"b1", "b2"} & {r.item for r in recs}
        assert len(model.recommend("u0", 16, exclude_seen=False)) == 16

    def test_similar_items(self, model: Recommender) -> None:
        similar = model.similar_items("a3", 3)
        assert len(similar) == 3
        assert all(s.item.startswith("a") and s.item != "a3" for s in similar)
        assert all("Item A3" in s.reason for s in similar)
        assert model.similar_items("no-such-sku", 3) == []

    def test_save_load_round_trip(self, model: Recommender, tmp_path: Path) -> None:
        model.save(tmp_path / "m")
        assert not list((tmp_path / "m").glob("*.pkl"))
        loaded = Recommender.load(tmp_path / "m")
        assert loaded.recommend("u3", 5) == model.recommend("u3", 5)
        assert loaded.similar_items("b2", 4) == model.similar_items("b2", 4)
        assert loaded.recommend("u3", 3, history=["a1"]) == model.recommend("u3", 3, history=["a1"])

    def test_unfitted_model_refuses(self) -> None:
        with pytest.raises(RuntimeError):
            self.make().recommend("u0", 3)


class TestWithSequenceModel(RecommenderContract):
    def make(self) -> Recommender:
        return Recommender(tiny_config())

    def test_uses_the_sequence_model(self, model: Recommender) -> None:
        assert model.sasrec_ is not None
        assert {r.source for r in model.recommend("u0", 3)} == {"sequence"}


class TestCoPurchaseOnly(RecommenderContract):
    def make(self) -> Recommender:
        return Recommender(use_sequence_model=False)

    def test_no_torch_model(self, model: Recommender, tmp_path: Path) -> None:
        assert model.sasrec_ is None
        model.save(tmp_path / "m")
        assert not (tmp_path / "m" / "sasrec.pt").exists()
