"""Embedding throughput: Communique's pipeline (cache lookups and storage included) vs bare encode.

    python benchmarks/embed_throughput.py [--n 512] [--db demo/communique.db] [--onnx]

Takes N segment texts of the demo corpus (crawling the bundled replay first if the corpus
is missing), embeds them through `analysis.pipeline.embed_corpus` into a fresh corpus,
and through a bare `SentenceTransformer.encode` on the same texts with the same batch
size. Model loading is excluded from both timings. The last line is ratio=<pipeline/bare>.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.embeddings import Embedder, EmbeddingSettings, model_path  # noqa: E402
from analysis.pipeline import embed_corpus  # noqa: E402
from corpus import Corpus, Document, Segment, Source  # noqa: E402


def demo_texts(db: Path, n: int) -> list[str]:
    if not db.exists():
        db.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [sys.executable, "-m", "communique", "--db", str(db), "crawl", "fmprc", "--replay",
             str(ROOT / "tests" / "files" / "fmprc")],
            check=True,
        )
    with Corpus(db) as corpus:
        rows = corpus.db.execute(
            "SELECT DISTINCT text FROM segments ORDER BY document_id, position LIMIT ?", [n]
        ).fetchall()
    return [text for (text,) in rows]


def corpus_with(texts: list[str], folder: Path) -> Corpus:
    corpus = Corpus(folder / "bench.db")
    corpus.register_source(Source("bench", "Benchmark", "XX", "en"))
    corpus.store_document(
        Document(source="bench", url="https://example.org/bench", native_id="bench", html=b"",
                 fetched_at=dt.datetime.now(dt.timezone.utc), language="en",
                 segments=[Segment("statement", text) for text in texts])
    )
    return corpus


def pipeline_rate(texts: list[str], backend: str, batch_size: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        corpus = corpus_with(texts, Path(folder))
        embedder = Embedder(EmbeddingSettings(batch_size=batch_size, backend=backend))
        embedder.encode(texts[:2])  # load the model outside the timing
        start = time.perf_counter()
        done = embed_corpus(corpus, embedder, progress=False)
        elapsed = time.perf_counter() - start
        assert done == len(texts), (done, len(texts))
        corpus.close()
    return len(texts) / elapsed


def bare_rate(texts: list[str], batch_size: int) -> float:
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_path("all-MiniLM-L6-v2"), device="cpu")
    model.encode(texts[:2])
    start = time.perf_counter()
    model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True)
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=512)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--db", type=Path, default=ROOT / "demo" / "communique.db")
    parser.add_argument("--onnx", action="store_true", help="also run the pipeline with the onnx backend")
    args = parser.parse_args()
    texts = demo_texts(args.db, args.n)
    print(f"{len(texts)} distinct demo segments, mean {sum(map(len, texts)) / len(texts):.0f} characters")
    bare = bare_rate(texts, args.batch_size)
    print(f"bare SentenceTransformer.encode: {bare:.1f} texts/s")
    if args.onnx:
        onnx = pipeline_rate(texts, "onnx", args.batch_size)
        print(f"pipeline, onnx backend (storage included): {onnx:.1f} texts/s  onnx/bare={onnx / bare:.2f}")
    pipeline = pipeline_rate(texts, "torch", args.batch_size)
    print(f"pipeline, torch backend (storage included): {pipeline:.1f} texts/s")
    print(f"ratio={pipeline / bare:.2f}")


if __name__ == "__main__":
    main()
