"""The encoding backends against bare torch fp32: speed, fidelity, and their effect on `evaluate`.

    python benchmarks/fast_path.py [--n 1000] [--queries 100] [--batch-size 32] [--sentences] [--no-evaluate]

Takes N distinct turns of the demo's 500 China MFA briefings (the saved pages in
`tests/files/fmprc`, every k-th so all years are in it) and encodes them with each
backend (`torch`, the reference: bare `SentenceTransformer.encode`, fp32; `torch-bf16`;
`onnx`; `onnx-int8`), model loading and the one-off export excluded, the same batch size
for all. With `--sentences` it encodes those turns' sentences instead, the short texts
stance embeds most of (speed and cosine only: search runs over whole turns).
For each it prints texts/s, `speedup=` over torch, the mean and lowest cosine of its
vectors to torch's, and `recall@10=`: semantic search (the answers among the N, queried
with the questions among them) over the backend's vectors finds how many of the ten
answers torch's vectors find, with the query encoded by torch as `serve` does and with
the query encoded by the backend too. Then `evaluate` on the three labelled sets with each
backend: naming and stance macro-F1, and their differences from torch.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.embeddings import Embedder, EmbeddingSettings  # noqa: E402
from analysis.text import sentences  # noqa: E402
from benchmarks.analyze_scale import briefings  # noqa: E402

BACKENDS = ("torch", "torch-bf16", "onnx", "onnx-int8")
LABELLED = ("devset", "devset_intl", "devset_v2")


def demo_turns(n: int) -> list[tuple[str, str]]:
    """(kind, text) of every k-th distinct turn, N in all."""
    seen, turns = set(), []
    for _, _, briefing in briefings():
        for segment in briefing.segments:
            if segment.text not in seen:
                seen.add(segment.text)
                turns.append((segment.kind, segment.text))
    step = max(len(turns) // n, 1)
    return turns[::step][:n]


def encode(backend: str, texts: list[str], batch_size: int) -> tuple[np.ndarray, float]:
    embedder = Embedder(EmbeddingSettings(backend=backend, batch_size=batch_size, device="cpu"))
    embedder.encode(texts[:4])  # load (and for onnx, export once) outside the timing
    start = time.perf_counter()
    vectors = embedder.encode(texts)
    return vectors, time.perf_counter() - start


def top10(queries: np.ndarray, index: np.ndarray) -> np.ndarray:
    return np.argsort(-(queries @ index.T), axis=1)[:, :10]


def recall(found: np.ndarray, expected: np.ndarray) -> float:
    return float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, expected)]))


def evaluate_with(backend: str) -> dict:
    from analysis.evaluate import evaluate, read_all_labelled
    from analysis.registry import load_registry

    files = [ROOT / "tests" / "files" / name / "items.jsonl" for name in LABELLED]
    registry = load_registry(*[ROOT / "tests" / "files" / name / "actors.json" for name in LABELLED])
    embedder = Embedder(EmbeddingSettings(backend=backend, device="cpu"))
    return evaluate(read_all_labelled(files), registry, stance=True, embedder=embedder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS),
                        help="which to run; torch, the reference, always runs first")
    parser.add_argument("--sentences", action="store_true", help="encode the turns' sentences, not the turns")
    parser.add_argument("--no-evaluate", dest="evaluate", action="store_false")
    args = parser.parse_args()
    backends = ["torch", *(b for b in args.backends if b != "torch")]
    turns = demo_turns(args.n)
    if args.sentences:
        turns = list({text[a:b]: ("sentence", text[a:b]) for _, text in turns for a, b in sentences(text)}.values())
    texts = [text for _, text in turns]
    answers = np.array([kind == "answer" for kind, _ in turns])
    questions = np.flatnonzero([kind == "question" for kind, _ in turns])[: args.queries]
    print(f"{len(texts)} distinct demo {'sentences' if args.sentences else 'turns'}, "
          f"mean {sum(map(len, texts)) / len(texts):.0f} characters; "
          f"{len(questions)} questions searching {answers.sum()} answers", flush=True)
    reference, reference_s = None, None
    for backend in backends:
        vectors, seconds = encode(backend, texts, args.batch_size)
        line = f"{backend:<10} {len(texts) / seconds:6.1f} texts/s"
        if reference is None:
            reference, reference_s = vectors, seconds
            expected = top10(reference[questions], reference[answers]) if len(questions) else None
        else:
            cosines = np.sum(vectors * reference, axis=1)
            line += f"  speedup={reference_s / seconds:.2f}  mean_cosine={cosines.mean():.4f} (lowest {cosines.min():.4f})"
            if expected is not None:
                # `serve` encodes a query with torch and searches the vectors analyze stored
                served = recall(top10(reference[questions], vectors[answers]), expected)
                both = recall(top10(vectors[questions], vectors[answers]), expected)
                line += (f"  recall@10={served:.3f} (query by torch, as serve does; "
                         f"{both:.3f} with the query by {backend} too)")
        print(line, flush=True)
    if not args.evaluate:
        return
    print(f"evaluate on {', '.join(LABELLED)} (naming / stance macro-F1):", flush=True)
    base = None
    for backend in backends:
        result = evaluate_with(backend)
        naming, stance = result["naming"]["macro_f1"], result["stance"]["macro_f1"]
        line = f"{backend:<10} naming {naming:.3f}  stance {stance:.3f}"
        if base is None:
            base = (naming, stance)
        else:
            line += f"  naming_delta={naming - base[0]:+.3f}  stance_delta={stance - base[1]:+.3f}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
