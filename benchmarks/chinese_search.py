"""Chinese full-text search: FTS5's trigram tokenizer (what Communique ships) against a word segmenter (jieba).

Usage: python benchmarks/chinese_search.py CORPUS.db   (a corpus with the fmprc_zh replay crawled)

Both index the Chinese turns of the corpus. The queries are every Chinese name and
oblique phrase of the analysis' data files (analysis/data/names_zh.yaml,
zh_oblique.yaml's fixed phrases): the words scholars look for. For each query the truth
is every turn whose text holds the query as a substring, read by Python. Printed: build
time and index size of each, recall against the substring truth, query latency, and the
share of substring hits that the segmenter reads as a different word (中方 inside 集中方式:
what a segmenter would rightly leave out, and trigrams keep).

jieba is not a dependency of Communique: `pip install jieba` to run the comparison; the
trigram figures print without it.
"""

from __future__ import annotations

import re
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def queries() -> list[str]:
    data = yaml.safe_load((ROOT / "analysis/data/names_zh.yaml").read_text(encoding="utf-8"))
    words = set()
    for section in data.values():
        for entry in section.values():
            words.update(entry.get("names", []) if isinstance(entry, dict) else entry)
    oblique = (ROOT / "analysis/data/zh_oblique.yaml").read_text(encoding="utf-8")
    words.update(w for w in re.findall(r"[\u4e00-\u9fff]{2,}", oblique) if len(w) <= 4)
    return sorted(w for w in words if re.fullmatch(r"[\u4e00-\u9fff]+", w))


def chinese_turns(db: Path) -> list[tuple[int, str]]:
    conn = sqlite3.connect(db)
    return conn.execute(
        "SELECT s.rowid, s.text FROM segments s JOIN documents d ON d.id = s.document_id WHERE d.language = 'zh'"
    ).fetchall()


def trigram(turns, words, folder: Path) -> dict:
    path = folder / "trigram.db"
    conn = sqlite3.connect(path)
    started = time.perf_counter()
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize='trigram', detail='full')")
    conn.executemany("INSERT INTO t (rowid, text) VALUES (?, ?)", turns)
    conn.commit()
    built = time.perf_counter() - started
    found, latency = {}, {True: [], False: []}
    for word in words:
        started = time.perf_counter()
        if len(word) >= 3:
            rows = conn.execute("SELECT rowid FROM t WHERE t MATCH ?", [f'"{word}"']).fetchall()
        else:  # no trigram in two characters: the app scans the turns, as here
            rows = conn.execute("SELECT rowid FROM t WHERE instr(text, ?) > 0", [word]).fetchall()
        latency[len(word) >= 3].append(time.perf_counter() - started)
        found[word] = {r[0] for r in rows}
    conn.close()
    return {"build_s": built, "bytes": path.stat().st_size, "found": found,
            "latency_ms": 1000 * sum(latency[True] + latency[False]) / len(words),
            "indexed_ms": 1000 * sum(latency[True]) / max(len(latency[True]), 1),
            "scanned_ms": 1000 * sum(latency[False]) / max(len(latency[False]), 1),
            "scanned": len(latency[False])}


def segmented(turns, words, folder: Path) -> dict | None:
    try:
        import jieba
    except ImportError:
        return None
    jieba.setLogLevel(60)
    path = folder / "jieba.db"
    conn = sqlite3.connect(path)
    started = time.perf_counter()
    conn.execute("CREATE VIRTUAL TABLE t USING fts5(text, tokenize='unicode61')")
    # search mode: long words are also indexed by their shorter words (委内瑞拉政府 -> 委内瑞拉, 政府)
    conn.executemany("INSERT INTO t (rowid, text) VALUES (?, ?)",
                     [(rowid, " ".join(jieba.cut_for_search(text))) for rowid, text in turns])
    conn.commit()
    built = time.perf_counter() - started
    found, latency = {}, 0.0
    for word in words:
        started = time.perf_counter()
        phrase = " ".join(w for w in jieba.cut(word) if w.strip())
        rows = conn.execute("SELECT rowid FROM t WHERE t MATCH ?", [f'"{phrase}"']).fetchall()
        latency += time.perf_counter() - started
        found[word] = {r[0] for r in rows}
    conn.close()
    return {"build_s": built, "bytes": path.stat().st_size, "found": found, "latency_ms": 1000 * latency / len(words)}


def recall(found: dict, truth: dict) -> float:
    relevant = sum(len(t) for t in truth.values())
    return sum(len(found[w] & truth[w]) for w in truth) / relevant if relevant else 1.0


def main(db: Path) -> None:
    turns = chinese_turns(db)
    words = queries()
    truth = {w: {rowid for rowid, text in turns if w in text} for w in words}
    print(f"{len(turns):,} Chinese turns, {len(words)} query words, {sum(map(len, truth.values())):,} (word, turn) hits")
    with tempfile.TemporaryDirectory() as folder:
        tri = trigram(turns, words, Path(folder))
        seg = segmented(turns, words, Path(folder))
    print(f"trigram: recall {recall(tri['found'], truth):.3f}, built in {tri['build_s']:.1f} s, "
          f"{tri['bytes'] / 2**20:.1f} MiB, {tri['latency_ms']:.2f} ms a query ({tri['indexed_ms']:.2f} ms by the "
          f"index for 3 characters or more, {tri['scanned_ms']:.1f} ms scanning for the {tri['scanned']} of two)")
    if seg is None:
        print("jieba is not installed: `pip install jieba` to compare with a word segmenter")
        return
    print(f"jieba:   recall {recall(seg['found'], truth):.3f}, built in {seg['build_s']:.1f} s, "
          f"{seg['bytes'] / 2**20:.1f} MiB, {seg['latency_ms']:.2f} ms a query")
    missed = {w: truth[w] - seg["found"][w] for w in words if truth[w] - seg["found"][w]}
    cross = sum(len(v) for v in missed.values())
    print(f"substring hits the segmenter reads as other words: {cross:,} "
          f"({cross / max(sum(map(len, truth.values())), 1):.1%}), in {len(missed)} of {len(words)} queries; most:")
    texts = dict(turns)
    for word in sorted(missed, key=lambda w: len(missed[w]), reverse=True)[:8]:
        example = texts[min(missed[word])]
        at = example.index(word)
        print(f"  {word}: {len(missed[word])} of {len(truth[word])}, e.g. …{example[max(0, at - 8):at + len(word) + 8]}…")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
