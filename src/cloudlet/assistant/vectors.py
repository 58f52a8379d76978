"""Exact (brute-force) vector search over one vector field of one index, held in memory as a numpy matrix
that grows by doubling. Owned by the event loop: only the search engine, under its per-index lock, mutates it."""

from __future__ import annotations

from typing import Any, Iterable

from .embeddings import require


class VectorTable:
    def __init__(self, dimensions: int) -> None:
        self.np = require("numpy")
        self.dimensions = dimensions
        self.matrix = self.np.zeros((64, dimensions), dtype=self.np.float32)  # rows are unit vectors
        self.keys: list[str | None] = []
        self.alive = self.np.zeros(64, dtype=bool)
        self.rows: dict[str, int] = {}
        self.dead = 0

    def __len__(self) -> int:
        return len(self.rows)

    def put(self, key: str, vector: Any) -> None:
        np = self.np
        v = np.asarray(vector, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(v))
        v = v / norm if norm > 0 else v
        row = self.rows.get(key)
        if row is None:
            row = len(self.keys)
            if row >= self.matrix.shape[0]:
                grown = np.zeros((self.matrix.shape[0] * 2, self.dimensions), dtype=np.float32)
                grown[:row] = self.matrix[:row]
                self.matrix = grown
                alive = np.zeros(grown.shape[0], dtype=bool)
                alive[:row] = self.alive[:row]
                self.alive = alive
            self.keys.append(key)
            self.rows[key] = row
        self.matrix[row] = v
        self.alive[row] = True

    def remove(self, key: str) -> None:
        row = self.rows.pop(key, None)
        if row is None:
            return
        self.keys[row] = None
        self.matrix[row] = 0
        self.alive[row] = False
        self.dead += 1
        if self.dead > 1024 and self.dead > len(self.rows):
            self._compact()

    def _compact(self) -> None:
        live = [(k, r) for k, r in self.rows.items()]
        matrix = self.np.zeros((max(64, len(live) * 2), self.dimensions), dtype=self.np.float32)
        for i, (k, r) in enumerate(live):
            matrix[i] = self.matrix[r]
        self.matrix = matrix
        self.alive = self.np.zeros(matrix.shape[0], dtype=bool)
        self.alive[:len(live)] = True
        self.keys = [k for k, _ in live]
        self.rows = {k: i for i, k in enumerate(self.keys)}
        self.dead = 0

    def nearest(self, query: Any, k: int, allowed: Iterable[str] | None = None) -> list[tuple[str, float]]:
        """The k nearest keys by cosine similarity, with Azure's score for cosine: 1 / (1 + (1 - cos))."""
        np = self.np
        n = len(self.keys)
        if n == 0 or k <= 0:
            return []
        q = np.asarray(query, dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(q))
        if norm > 0:
            q = q / norm
        sims = self.matrix[:n] @ q
        if allowed is None:
            valid = self.alive[:n]
        else:
            valid = np.zeros(n, dtype=bool)
            rows = [self.rows[key] for key in allowed if key in self.rows]
            if not rows:
                return []
            valid[rows] = True
        sims = np.where(valid, sims, -np.inf)
        k = min(k, int(valid.sum()))
        top = np.argpartition(-sims, k - 1)[:k]
        top = top[np.argsort(-sims[top])]
        return [(self.keys[i], 1.0 / (2.0 - float(sims[i]))) for i in top]  # type: ignore[misc]

    def similarity(self, key: str, query: Any) -> float | None:
        row = self.rows.get(key)
        if row is None:
            return None
        return float(self.matrix[row] @ query)


def to_blob(vector: Any) -> bytes:
    np = require("numpy")
    return np.asarray(vector, dtype="<f4").tobytes()


def from_blob(blob: bytes) -> Any:
    np = require("numpy")
    return np.frombuffer(blob, dtype="<f4")
