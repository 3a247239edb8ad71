"""SASRec: a causal self-attention model of order histories, trained with a full softmax over all items.

Kang & McAuley (ICDM 2018) train with binary cross-entropy against one sampled negative; training with a
softmax cross-entropy instead (Klenitskiy & Vasilev, RecSys 2023) is what lifts it well above the published
figures on the Amazon sets. By default the softmax runs over the target, up to 1,024 other targets of the
batch and 1,024 uniformly drawn items (``negatives``; 0 means every item): several times cheaper on a CPU.
Item ids are dense integers ``1..n_items``; 0 is padding.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm import tqdm


@dataclass
class SASRecConfig:
    """Hyper-parameters; the defaults were chosen on the Beauty validation split (second-to-last items)."""

    hidden: int = 64
    layers: int = 2
    heads: int = 1
    dropout: float = 0.5
    max_len: int = 50
    lr: float = 2e-3
    weight_decay: float = 0.0
    batch_size: int = 128
    negatives: int = 1024
    epochs: int = 200
    patience: int = 8
    max_minutes: float | None = None
    random_state: int = 0
    threads: int = 1  # a second thread buys little for these small matrices and spins badly on a busy machine


class _Block(nn.Module):
    """Pre-norm transformer block: causal self-attention then a position-wise feed-forward layer."""

    def __init__(self, hidden: int, heads: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(hidden)
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)
        self.norm2 = nn.LayerNorm(hidden)
        self.ff = nn.Sequential(nn.Linear(hidden, hidden), nn.GELU(), nn.Dropout(dropout), nn.Linear(hidden, hidden))
        self.drop = nn.Dropout(dropout)
        self.attn_dropout = dropout

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, length, h = x.shape
        q, k, v = self.qkv(self.norm1(x)).view(b, length, 3, self.heads, h // self.heads).permute(2, 0, 3, 1, 4)
        p = self.attn_dropout if self.training else 0.0
        a = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=p)
        x = x + self.drop(self.out(a.transpose(1, 2).reshape(b, length, h)))
        return x + self.drop(self.ff(self.norm2(x)))


class SASRecNet(nn.Module):
    """Item and position embeddings, a stack of causal blocks, and the item embeddings again as output layer."""

    def __init__(self, n_items: int, config: SASRecConfig) -> None:
        super().__init__()
        self.n_items = n_items
        self.max_len = config.max_len
        self.item_emb = nn.Embedding(n_items + 1, config.hidden, padding_idx=0)
        self.pos_emb = nn.Embedding(config.max_len, config.hidden)
        self.drop = nn.Dropout(config.dropout)
        self.blocks = nn.ModuleList(_Block(config.hidden, config.heads, config.dropout) for _ in range(config.layers))
        self.norm = nn.LayerNorm(config.hidden)
        nn.init.normal_(self.item_emb.weight, std=0.02)
        nn.init.normal_(self.pos_emb.weight, std=0.02)
        with torch.no_grad():
            self.item_emb.weight[0].zero_()

    def forward(self, seqs: torch.Tensor) -> torch.Tensor:
        """Hidden states ``[batch, length, hidden]`` for left-padded item ids ``[batch, length]``."""
        length = seqs.shape[1]
        valid = seqs > 0
        # Positions count back from the newest item, so they don't depend on how much padding a batch has.
        pos = torch.arange(length - 1, -1, -1, device=seqs.device).clamp(max=self.max_len - 1)
        x = self.drop(self.item_emb(seqs) * math.sqrt(self.item_emb.embedding_dim) + self.pos_emb(pos))
        causal = torch.ones(length, length, dtype=torch.bool, device=seqs.device).tril()
        eye = torch.eye(length, dtype=torch.bool, device=seqs.device)
        mask = (causal & valid[:, None, :]) | eye  # each position sees itself and earlier real items
        mask = mask[:, None, :, :]
        for block in self.blocks:
            x = block(x, mask)
        return self.norm(x)

    def item_matrix(self) -> torch.Tensor:
        """The output item vectors ``[n_items + 1, hidden]`` (row 0 is padding)."""
        return self.item_emb.weight


def _left_pad(seqs: Sequence[Sequence[int]], length: int) -> torch.Tensor:
    out = np.zeros((len(seqs), length), dtype=np.int64)
    for row, seq in enumerate(seqs):
        tail = list(seq)[-length:]
        if tail:
            out[row, length - len(tail):] = tail
    return torch.from_numpy(out)


def ndcg_hr_at_k(scores: np.ndarray, targets: np.ndarray, k: int = 10) -> tuple[float, float]:
    """Mean NDCG@k and HR@k of ``targets`` (one per row) under full-ranking ``scores``."""
    target_scores = scores[np.arange(len(targets)), targets]
    ranks = (scores > target_scores[:, None]).sum(axis=1)
    hit = ranks < k
    return float(np.where(hit, 1.0 / np.log2(ranks + 2), 0.0).mean()), float(hit.mean())


class SASRec:
    """Fits :class:`SASRecNet` on item-id sequences and ranks every item for a history.

    ``fit`` holds out each user's last item for early stopping, then keeps the best epoch's weights.
    """

    def __init__(self, n_items: int, config: SASRecConfig | None = None, *, progress: bool = True) -> None:
        self.n_items = n_items
        self.config = config or SASRecConfig()
        self.progress = progress
        self.net_: SASRecNet | None = None
        self.history_: list[dict[str, float]] = []

    # ---------------------------------------------------------------------------------------- training

    def fit(self, sequences: Sequence[Sequence[int]], *, validate: bool = True) -> SASRec:
        """Train on ``sequences`` (item ids ``1..n_items``, oldest first); returns self."""
        cfg = self.config
        torch.set_num_threads(cfg.threads)
        torch.manual_seed(cfg.random_state)
        rng = np.random.default_rng(cfg.random_state)
        seqs = [list(s)[-(cfg.max_len + 2):] for s in sequences if len(s) >= 2]
        if validate:
            usable = [s for s in seqs if len(s) >= 3]
            train = [s[:-1] for s in usable] + [s for s in seqs if len(s) < 3]
            val_hist, val_target = [s[:-1] for s in usable], np.array([s[-1] for s in usable])
        else:
            train, val_hist, val_target = seqs, [], np.array([], dtype=np.int64)
        net = SASRecNet(self.n_items, cfg)
        self.net_ = net
        optim = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
        best, best_state, stale = -1.0, None, 0
        started = time.monotonic()
        lengths = np.array([min(len(s), cfg.max_len + 1) for s in train])
        for epoch in range(1, cfg.epochs + 1):
            net.train()
            loss_sum, n_pos = 0.0, 0
            batches = self._batches(train, lengths, rng)
            bar = tqdm(batches, desc=f"sasrec epoch {epoch}", unit="batch", leave=False, disable=not self.progress,
                       file=sys.stderr, mininterval=2.0)
            for batch in bar:
                padded = _left_pad(batch, int(max(len(s) for s in batch)))
                inputs, targets = padded[:, :-1], padded[:, 1:]
                hidden = net(inputs)
                keep = targets > 0
                loss = self._loss(net, hidden[keep], targets[keep])
                optim.zero_grad(set_to_none=True)
                loss.backward()
                optim.step()
                loss_sum += float(loss.detach()) * int(keep.sum())
                n_pos += int(keep.sum())
            record = {"epoch": float(epoch), "loss": loss_sum / max(n_pos, 1),
                      "minutes": (time.monotonic() - started) / 60, "cpu_minutes": time.process_time() / 60}
            if len(val_target):
                scores = self.score(val_hist, exclude_seen=True)
                record["val_ndcg10"], record["val_hr10"] = ndcg_hr_at_k(scores, val_target)
                if record["val_ndcg10"] > best:
                    best, stale = record["val_ndcg10"], 0
                    best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
                else:
                    stale += 1
            self.history_.append(record)
            if self.progress:
                shown = " ".join(f"{k}={v:.4f}" if k != "epoch" else f"epoch {int(v)}" for k, v in record.items())
                print(f"sasrec {shown}", file=sys.stderr, flush=True)
            if stale >= cfg.patience:
                break
            if cfg.max_minutes is not None and record["minutes"] >= cfg.max_minutes:
                if self.progress:
                    print("sasrec: time budget reached, keeping the best epoch", file=sys.stderr, flush=True)
                break
        if best_state is not None:
            net.load_state_dict(best_state)
        net.eval()
        return self

    def _loss(self, net: SASRecNet, hidden: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Cross-entropy over every item, or over the targets plus ``negatives`` shared random items."""
        items = net.item_matrix()
        k = self.config.negatives
        if not k or k >= self.n_items:
            logits = hidden @ items.T
            logits[:, 0] = -1e9
            return F.cross_entropy(logits, targets)
        # Negatives: up to k other targets of the batch (popular items, as shoppers buy them) and k uniform items.
        in_batch = targets[torch.randperm(len(targets))[:k]]
        negatives = torch.cat([in_batch, torch.randint(1, self.n_items + 1, (k,))])
        positive = (hidden * items[targets]).sum(-1, keepdim=True)
        sampled = (hidden @ items[negatives].T).masked_fill(negatives[None, :] == targets[:, None], -1e9)
        logits = torch.cat([positive, sampled], dim=1)
        return F.cross_entropy(logits, torch.zeros(len(targets), dtype=torch.long))

    def _batches(self, train: list[list[int]], lengths: np.ndarray, rng: np.random.Generator) -> list[list[list[int]]]:
        """Shuffled batches of similar length (less padding), in a shuffled order."""
        size = self.config.batch_size
        order = rng.permutation(len(train))
        chunk = size * 32
        batches = []
        for start in range(0, len(order), chunk):
            part = order[start:start + chunk]
            part = part[np.argsort(lengths[part], kind="stable")]
            batches += [[train[i][-(self.config.max_len + 1):] for i in part[j:j + size]]
                        for j in range(0, len(part), size)]
        return [batches[i] for i in rng.permutation(len(batches))]

    # ---------------------------------------------------------------------------------------- scoring

    def _check(self) -> SASRecNet:
        if self.net_ is None:
            raise RuntimeError("SASRec is not fitted: call fit() or load_state() first")
        return self.net_

    @torch.no_grad()
    def embed(self, histories: Sequence[Sequence[int]], batch_size: int = 1024) -> np.ndarray:
        """The user vector (last hidden state) for each history, ``[n, hidden]``."""
        net = self._check()
        net.eval()
        out = []
        for start in range(0, len(histories), batch_size):
            part = histories[start:start + batch_size]
            length = max(1, min(self.config.max_len, max((len(h) for h in part), default=1)))
            out.append(net(_left_pad(part, length))[:, -1, :].numpy())
        return np.concatenate(out) if out else np.zeros((0, self.config.hidden), dtype=np.float32)

    @torch.no_grad()
    def item_vectors(self) -> np.ndarray:
        """The output item matrix ``[n_items + 1, hidden]`` as numpy (row 0 is padding)."""
        return self._check().item_matrix().detach().numpy().copy()

    def score(self, histories: Sequence[Sequence[int]], *, exclude_seen: bool = True) -> np.ndarray:
        """Scores ``[n, n_items + 1]`` for every item (column 0 and, optionally, seen items get -inf)."""
        scores = self.embed(histories) @ self.item_vectors().T
        scores[:, 0] = -np.inf
        if exclude_seen:
            for row, hist in enumerate(histories):
                scores[row, list(hist)] = -np.inf
        return scores

    # ---------------------------------------------------------------------------------------- persistence

    def state(self) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
        """JSON-able metadata and the torch state dict."""
        return {"n_items": self.n_items, "config": asdict(self.config)}, self._check().state_dict()

    @classmethod
    def from_state(cls, meta: dict[str, Any], weights: dict[str, torch.Tensor]) -> SASRec:
        """Rebuild a fitted model from :meth:`state`."""
        model = cls(int(meta["n_items"]), SASRecConfig(**meta["config"]), progress=False)
        net = SASRecNet(model.n_items, model.config)
        net.load_state_dict(weights)
        net.eval()
        model.net_ = net
        return model
