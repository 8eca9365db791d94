"""Run a sentence-transformers (BERT-family, mean-pooled) model with onnxruntime, in fp32 or int8.

The model is exported to ONNX once, locally, from the same weights (nothing is
downloaded), and kept in the user's cache:

1. exported with plain ("eager") attention, whose graph onnxruntime's transformer
   optimizer recognises: it fuses each layer's attention, bias+GELU and skip+LayerNorm
   into single kernels (`model.fp32.onnx`, the `onnx` backend: the torch vectors, faster);
2. quantized for the `onnx-int8` backend (`model.int8.onnx`): int8 weights (per output
   channel) and activations quantized per batch (dynamic quantization) in the plain
   MatMuls only, that is each layer's attention output projection and feed-forward
   up-projection. The fused attention (its Q/K/V projection) and the feed-forward
   down-projections, which read GELU outputs with outliers an 8-bit scale flattens, stay
   fp32: quantizing them gained no measurable speed here and cost recall@10 of semantic
   search (0.93 against 0.95 on 400 demo turns; README, "Analysis at scale").

Texts are tokenized with the `tokenizers` library as sentence-transformers does
(truncation at the model's max_seq_length, padding to the longest text of a batch), sorted
by length so that a batch holds texts of similar lengths, then mean-pooled.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import warnings
from pathlib import Path

import numpy as np

# Bumped whenever the export or its optimisation changes, so that a cached graph of an
# older recipe is never reused.
RECIPE = "eager-fused-3"
PRECISIONS = ("fp32", "int8")


def cache_dir() -> Path:
    root = os.environ.get("COMMUNIQUE_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "communique"
    )
    return Path(root) / "onnx"


def usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _write_atomically(target: Path, write) -> None:
    """`write(path)` to a private file, then renamed: a killed or concurrent export never
    leaves a half-written model where another process would load it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        write(partial)
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def _export(model_folder: Path, target: Path) -> None:
    import torch
    from transformers import AutoModel

    # Eager attention exports as the MatMul/Softmax pattern the optimizer fuses; the default
    # (scaled-dot-product) attention exports as a graph it does not recognise.
    model = AutoModel.from_pretrained(str(model_folder), attn_implementation="eager").eval()

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
    axes = {name: {0: "batch", 1: "tokens"} for name in [*names, "last_hidden_state"]}

    def write(path: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the exporter's tracer chatter says nothing to a user
            torch.onnx.export(
                LastHiddenState(model), (ids, mask, types), str(path), input_names=names,
                output_names=["last_hidden_state"], dynamic_axes=axes, opset_version=17, dynamo=False,
            )

    _write_atomically(target, write)


def _optimize(exported: Path, config: dict, target: Path) -> None:
    """Fuse attention, GELU and LayerNorm; the same arithmetic in fewer, faster kernels."""
    from onnxruntime.transformers import optimizer

    logging.getLogger("onnxruntime.transformers").setLevel(logging.WARNING)
    model = optimizer.optimize_model(
        str(exported), model_type="bert", num_heads=int(config["num_attention_heads"]),
        hidden_size=int(config["hidden_size"]), opt_level=1,
    )
    _write_atomically(target, lambda path: model.save_model_to_file(str(path)))


def kept_in_fp32(graph) -> list[str]:
    """The feed-forward down-projections: the MatMuls that read a GELU."""
    producers = {output: node for node in graph.node for output in node.output}
    down = [node.name for node in graph.node if node.op_type == "MatMul"
            and getattr(producers.get(node.input[0]), "op_type", "") in ("BiasGelu", "Gelu", "FastGelu")]
    return down


def _quantize(source: Path, target: Path) -> None:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    keep = kept_in_fp32(onnx.load(str(source)).graph)

    def write(path: Path) -> None:
        # The quantizer advises its pre-processing (shape inference and graph optimisation)
        # on the root logger; the fused graph it gets has had both.
        quiet = _DropMessage("pre-processing before quantization")
        logging.getLogger().addFilter(quiet)
        try:
            quantize_dynamic(
                str(source), str(path), weight_type=QuantType.QInt8, per_channel=True,
                op_types_to_quantize=["MatMul"], nodes_to_exclude=keep,
                extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
            )
        finally:
            logging.getLogger().removeFilter(quiet)

    _write_atomically(target, write)


class _DropMessage(logging.Filter):
    def __init__(self, part: str):
        super().__init__()
        self.part = part

    def filter(self, record: logging.LogRecord) -> bool:
        return self.part not in record.getMessage()


def prepared_model(folder: Path, precision: str) -> Path:
    """The ONNX graph of the model folder at `precision`, made once and cached."""
    if precision not in PRECISIONS:
        raise ValueError(f"unknown precision {precision!r}: use one of {', '.join(PRECISIONS)}")
    weights = folder / "model.safetensors"
    digest = hashlib.sha256(
        (RECIPE + str(folder.resolve()) + str(weights.stat().st_size if weights.exists() else 0)).encode()
    ).hexdigest()[:16]
    home = cache_dir() / digest
    fused, quantized = home / "model.fp32.onnx", home / "model.int8.onnx"
    target = fused if precision == "fp32" else quantized
    if target.is_file():
        return target
    if not fused.is_file():
        exported = home / "model.exported.onnx"
        if not exported.is_file():
            _export(folder, exported)
        config = json.loads((folder / "config.json").read_text())
        _optimize(exported, config, fused)
        exported.unlink(missing_ok=True)  # the fused graph is the source of both precisions
    if precision == "int8" and not quantized.is_file():
        _quantize(fused, quantized)
    return target


class OnnxEncoder:
    def __init__(self, model_folder: str, precision: str = "fp32", threads: int | None = None):
        import onnxruntime
        from tokenizers import Tokenizer

        folder = Path(model_folder)
        if not (folder / "tokenizer.json").is_file():
            raise OSError(f"{folder} has no tokenizer.json: the onnx backends need a local model folder")
        config_file = folder / "sentence_bert_config.json"
        max_length = json.loads(config_file.read_text())["max_seq_length"] if config_file.is_file() else 256
        graph = prepared_model(folder, precision)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # The packaged tokenizer.json pads and truncates at 128: use the model's own limit
        # and pad each batch only to its longest text.
        self.tokenizer.enable_truncation(max_length)
        self.tokenizer.enable_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or usable_cores()
        # Threads that spin while waiting for work steal the CPU from the other threads and
        # processes of a shared machine (and from the analysis' own reading workers).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(str(graph), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}

    def _batch(self, texts: list[str], normalize: bool) -> np.ndarray:
        encoded = self.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        feed = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feed["token_type_ids"] = np.array([e.type_ids for e in encoded], dtype=np.int64)
        hidden = self.session.run(None, feed)[0]
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
