"""Analysis at archive scale: `communique analyze` over N question/answer pairs, against bare encode.

    python benchmarks/analyze_scale.py [--pairs 30000] [--backend auto] [--device auto] [--workers N]

Builds a corpus of N pairs from the 500 saved China MFA briefings (`tests/files/fmprc`):
the briefings as published, then again and again with distinct ids, each turn of a
repeat carrying one more real sentence taken from another answer, so every turn is a
distinct text as in a real archive (their sentences recur, as boilerplate does in one).
Then, each in a fresh process:

1. `communique analyze` end to end on N/3 pairs and on N pairs: seconds, turns/s, peak
   RSS of the main process and of the largest worker (flat: N/3 and N alike);
2. the same `analyze` again on the N pairs, with nothing new (seconds);
3. bare `SentenceTransformer.encode` (torch fp32, the same model and batch size) over
   exactly the distinct texts the N-pair analysis ran through the model, model loading
   excluded; `overhead_ratio=` is analysis total / bare encode. At 30,000 pairs that is
   another hour; `--bare-sample K` times K of those texts (seeded random) and scales to
   all of them, and says so.
4. when the analysis ran another backend than torch fp32 (`auto` picks `torch-bf16` on a
   CPU with AMX, `onnx` on others), the same bare encode with that backend, and
   `own_backend_ratio=`: what the analysis adds to its own model calls.

Corpora are kept under --keep (default: a temporary folder) and reused when present; each
run analyzes a fresh copy (`pairs-N.analyzed.db`), so a reused corpus is timed from
scratch, not as a rerun of the last benchmark's analysis.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PAGES = ROOT / "tests" / "files" / "fmprc"


def briefings() -> list:
    """The saved briefings as parsed by the crawler, with the date the crawl fetched them."""
    from crawlers.spiders.fmprc import parse_briefing

    out = []
    for line in (PAGES / "manifest.jsonl").read_text().splitlines():
        entry = json.loads(line)
        name = entry["path"].rsplit("/", 1)[-1]
        if entry["status"] != 200 or not name.startswith("t"):
            continue
        briefing = parse_briefing((PAGES / entry["path"]).read_bytes(), entry["url"])
        out.append((name.split(".")[0], entry["url"], briefing))
    return out


def build_corpus(path: Path, pairs: int) -> int:
    """A corpus of at least `pairs` answered questions (whole briefings); the pairs it holds."""
    from analysis.text import sentences
    from corpus import Corpus, Document, Segment
    from crawlers.spiders.fmprc import FmprcSpider

    parsed = briefings()
    donors = [a.text[s:e] for _, _, b in parsed for a in b.segments if a.kind == "answer" for s, e in sentences(a.text)]
    held = 0
    fetched = dt.datetime(2020, 7, 4, tzinfo=dt.timezone.utc)
    with Corpus(path) as corpus:
        corpus.register_source(FmprcSpider.source)
        for round_ in range(1_000_000):
            for number, (native_id, url, briefing) in enumerate(parsed):
                if held >= pairs:
                    return held
                segments = []
                for position, segment in enumerate(briefing.segments):
                    text = segment.text
                    if round_:
                        donor = donors[(round_ * 104_729 + number * 7_919 + position * 31) % len(donors)]
                        text = f"{text} {donor}"
                    segments.append(Segment(segment.kind, text, segment.label, segment.speaker, segment.paragraphs,
                                            segment.reply_to))
                held += sum(1 for s in segments if s.kind == "answer" and s.reply_to is not None)
                suffix = f"-r{round_}" if round_ else ""
                corpus.store_document(Document(
                    source="fmprc", url=url + suffix, native_id=native_id + suffix, html=b"", fetched_at=fetched,
                    language="en", title=briefing.title, date=briefing.date, spokesperson=briefing.spokesperson,
                    segments=segments,
                ))
    return held


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux: KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def watch_workers(peaks: list[float]) -> None:
    """Record each reading worker's own peak memory (VmHWM) just before its pool closes.

    Not getrusage(RUSAGE_CHILDREN): a spawned worker starts as a fork of this process,
    and the kernel keeps the fork's high-water mark across the exec, so that figure is
    this process' size when the pool started, not what a worker ever held.
    """
    from analysis.chunked import WorkerPool

    close = WorkerPool.close

    def recording_close(self, failed: bool = False):
        for child in multiprocessing.active_children():
            status = Path(f"/proc/{child.pid}/status")
            found = re.search(r"^VmHWM:\s+(\d+) kB", status.read_text(), re.M) if status.exists() else None
            if found:
                peaks.append(int(found.group(1)) / 1024)
        return close(self, failed)

    WorkerPool.close = recording_close


def child_analyze(db: Path, options: list[str], record: Path | None) -> None:
    """Run the real command in this process; print one JSON line of what it took."""
    from communique.cli import main

    if record is not None:
        from analysis.embeddings import Embedder

        seen: list[str] = []
        backends: set[str] = set()
        encode = Embedder.encode

        def recording(self, texts):
            seen.extend(texts)
            backends.add(self.backend)
            return encode(self, texts)

        Embedder.encode = recording
    workers: list[float] = []
    watch_workers(workers)
    start = time.perf_counter()
    main(["--db", str(db), "analyze", *options], standalone_mode=False)
    seconds = time.perf_counter() - start
    own = peak_rss_mb()
    if record is not None:
        record.write_text(json.dumps(seen))
        record.with_suffix(".backend").write_text(",".join(sorted(backends)))
    from corpus import Corpus

    with Corpus(db) as corpus:
        turns = corpus.db.execute("SELECT count(*) FROM segments").fetchone()[0]
    print(json.dumps({"seconds": seconds, "turns": turns, "rss_main_mb": own, "rss_worker_mb": max(workers, default=0.0)}))


def child_bare(texts_file: Path, batch_size: int, sample: int | None, backend: str) -> None:
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as transformers_logging

    from analysis.embeddings import Embedder, EmbeddingSettings, model_path

    transformers_logging.disable_progress_bar()

    texts = json.loads(texts_file.read_text())
    everything = len(texts)
    if sample and sample < everything:
        import random

        texts = random.Random(0).sample(texts, sample)
    if backend == "torch":
        model = SentenceTransformer(model_path("all-MiniLM-L6-v2"), device="cpu")
        run = lambda chunk: model.encode(chunk, batch_size=batch_size, normalize_embeddings=True,  # noqa: E731
                                         convert_to_numpy=True)
    else:
        run = Embedder(EmbeddingSettings(backend=backend, batch_size=batch_size, device="cpu")).encode
    run(texts[:2])
    start = time.perf_counter()
    run(texts)
    seconds = time.perf_counter() - start
    print(json.dumps({"seconds": seconds * everything / len(texts), "texts": everything, "encoded": len(texts)}))


def run_child(*args: str) -> dict:
    result = subprocess.run([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True)
    if result.returncode:
        sys.exit(f"{' '.join(args[:2])} failed ({result.returncode})")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=30_000)
    parser.add_argument("--backend", default="auto")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--workers", default=None, help="reading processes (default: analyze's own)")
    parser.add_argument("--batch-size", type=int, default=32, help="texts per batch, bare encode and analyze alike")
    parser.add_argument("--keep", type=Path, default=None, help="a folder to build (or reuse) the corpora in")
    parser.add_argument("--bare-sample", type=int, default=None,
                        help="time bare encode on this many of the texts (seeded random) and scale to all of them")
    parser.add_argument("--child", choices=["analyze", "bare"], help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--record", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    # the child gets the same flags and parses them here, so it rebuilds analyze's options
    options = ["--backend", args.backend, "--device", args.device, "--batch-size", str(args.batch_size)]
    if args.workers is not None:
        options += ["--workers", str(args.workers)]
    if args.child == "analyze":
        return child_analyze(args.db, options, args.record)
    if args.child == "bare":
        return child_bare(args.record, args.batch_size, args.bare_sample, args.backend)

    folder = args.keep or Path(tempfile.mkdtemp(prefix="analyze_scale-"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"analyze {' '.join(options)}; corpora in {folder}", flush=True)
    results = {}
    for size in (args.pairs // 3, args.pairs):
        db = folder / f"pairs-{size}.db"
        if not db.exists():
            start = time.perf_counter()
            held = build_corpus(db.with_suffix(".partial"), size)
            db.with_suffix(".partial").rename(db)
            print(f"built {db.name}: {held:,} pairs in {time.perf_counter() - start:.0f}s", flush=True)
        work = folder / f"pairs-{size}.analyzed.db"
        work.unlink(missing_ok=True)
        with closing(sqlite3.connect(db)) as built, closing(sqlite3.connect(work)) as copy:
            built.backup(copy)
        texts = folder / f"embedded-{size}.json"
        results[size] = run_child("--child", "analyze", "--db", str(work), "--record", str(texts), *options)
        r = results[size]
        print(f"{size:,} pairs: analyze {r['seconds']:.1f}s, {r['turns'] / r['seconds']:.1f} turns/s "
              f"({r['turns']:,} turns); peak RSS main {r['rss_main_mb']:.0f} MB, largest worker "
              f"{r['rss_worker_mb']:.0f} MB", flush=True)
    full = results[args.pairs]
    again = run_child("--child", "analyze", "--db", str(folder / f"pairs-{args.pairs}.analyzed.db"), *options)
    print(f"re-run with nothing new: {again['seconds']:.1f}s", flush=True)
    record = folder / f"embedded-{args.pairs}.json"
    ran = record.with_suffix(".backend").read_text()
    sample = ["--bare-sample", str(args.bare_sample)] if args.bare_sample else []
    bare = run_child("--child", "bare", "--record", str(record), "--batch-size", str(args.batch_size),
                     "--backend", "torch", *sample)
    scaled = f", scaled from a random {bare['encoded']:,} of them" if bare["encoded"] < bare["texts"] else ""
    print(f"bare SentenceTransformer.encode (torch fp32, batch {args.batch_size}) over the "
          f"{bare['texts']:,} distinct texts the analysis embedded: {bare['seconds']:.1f}s "
          f"({bare['texts'] / bare['seconds']:.1f} texts/s{scaled})")
    own = None
    if ran not in ("torch", ""):
        own = run_child("--child", "bare", "--record", str(record), "--batch-size", str(args.batch_size),
                        "--backend", ran, *sample)
        print(f"the same texts with the analysis' own backend, {ran}, bare: {own['seconds']:.1f}s "
              f"({own['texts'] / own['seconds']:.1f} texts/s{scaled})")
    third = results[args.pairs // 3]
    print(f"peak_rss_mb main {third['rss_main_mb']:.0f} -> {full['rss_main_mb']:.0f}, "
          f"worker {third['rss_worker_mb']:.0f} -> {full['rss_worker_mb']:.0f} (N/3 -> N)")
    print(f"total_s={full['seconds']:.1f} turns_per_s={full['turns'] / full['seconds']:.1f} "
          f"rerun_s={again['seconds']:.1f} overhead_ratio={full['seconds'] / bare['seconds']:.2f}"
          f"{' (bare encode scaled from a sample)' if scaled else ''} backend={ran}"
          + (f" own_backend_ratio={full['seconds'] / own['seconds']:.2f}" if own else ""))


if __name__ == "__main__":
    main()
