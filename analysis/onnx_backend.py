"""Run a sentence-transformers (BERT-family, mean-pooled) model with onnxruntime.

The model is exported to ONNX once, locally, from the same weights (nothing is
downloaded), and kept in the user's cache; texts are tokenized with the `tokenizers`
library as sentence-transformers does (truncation at the model's max_seq_length,
padding to the longest text of a batch, batches of similar lengths), then mean-pooled.
The vectors equal the torch path's (cosine 1.0 up to float error; a test checks it), so
both backends share one cache id.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np


def cache_dir() -> Path:
    root = os.environ.get("COMMUNIQUE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "communique"
    )
    return Path(root) / "onnx"


def _export(model_folder: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(model_folder)).eval()

    class LastHiddenState(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    names = ["input_ids", "attention_mask", "token_type_ids"]
    ids, mask, types = torch.ones(2, 8, dtype=torch.long), torch.ones(2, 8, dtype=torch.long), torch.zeros(2, 8, dtype=torch.long)
    mask[1, 5:] = 0  # trace with padding present, as real batches have it
    example = (ids, mask, types)
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's tracer chatter says nothing to a user
        torch.onnx.export(
            LastHiddenState(model), example, str(partial), input_names=names, output_names=["last_hidden_state"],
            dynamic_axes=axes, opset_version=17, dynamo=False,
        )
    partial.replace(target)  # a killed export never leaves a half-written model behind


class OnnxEncoder:
    def __init__(self, model_folder: str):
        import onnxruntime
        from tokenizers import Tokenizer

        folder = Path(model_folder)
        if not (folder / "tokenizer.json").is_file():
            raise OSError(f"{folder} has no tokenizer.json: the onnx backend needs a local model folder")
        config_file = folder / "sentence_bert_config.json"
        max_length = json.loads(config_file.read_text())["max_seq_length"] if config_file.is_file() else 256
        weights = folder / "model.safetensors"
        digest = hashlib.sha256((str(folder.resolve()) + str(weights.stat().st_size if weights.exists() else 0)).encode())
        target = cache_dir() / digest.hexdigest()[:16] / "model.onnx"
        if not target.is_file():
            _export(folder, target)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # The packaged tokenizer.json pads and truncates at 128: use the model's own limit
        # and pad each batch only to its longest text.
        self.tokenizer.enable_truncation(max_length)
        self.tokenizer.enable_padding()
        self.session = onnxruntime.InferenceSession(str(target), providers=["CPUExecutionProvider"])

    def _batch(self, texts: list[str], normalize: bool) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        types = np.array([e.type_ids for e in encoded], dtype=np.int64)
        hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
        pooled = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        if normalize:
            pooled = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled.astype(np.float32)

    def encode(self, texts, batch_size: int = 32, normalize_embeddings: bool = True, **_ignored) -> np.ndarray:
        order = np.argsort([len(text) for text in texts], kind="stable")
        out = np.empty((len(texts), 0), dtype=np.float32)
        parts = []
        for start in range(0, len(texts), batch_size):
            parts.append(self._batch([texts[i] for i in order[start : start + batch_size]], normalize_embeddings))
        if parts:
            out = np.empty((len(texts), parts[0].shape[1]), dtype=np.float32)
            out[order] = np.concatenate(parts)
        return out
