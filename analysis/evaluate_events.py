"""How far events agree with the labelled sets' episodes: pairwise precision and recall, beside a baseline.

    python -m analysis.evaluate_events --db demo/communique.db tests/files/devset*/items.jsonl

The gold: two turns of different ministries, at most the window apart, belong together
when their labelled items are of one episode ("venezuela-2019", "belarus-2020"). A turn
is matched to its item by the imported row's URL (`<url>#<item id>`) or, for a crawled
page, by the answer's words. For each maximum distance the events are made as `analyze`
makes them, and every gold-eligible pair is counted: predicted together (same event) or
not. The baseline links turns by window and shared actor alone, without embeddings (the
connected components of those links). Labels are read here and nowhere else: events are
never made from them.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from .events import EventSettings, cluster_component, components, event_turns, linked_pairs, unit_rows


def _episodes(paths: list[Path]) -> tuple[dict[str, str], dict[str, str]]:
    """(item id -> episode, answer words -> episode) of the labelled files."""
    by_id, by_words = {}, {}
    for path in paths:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                by_id[item["id"]] = item["episode"]
                by_words[" ".join(item["answer"].split())] = item["episode"]
    return by_id, by_words


def pairwise(groups: list[list[int]], gold: set[tuple[int, int]], eligible: set[tuple[int, int]]) -> dict:
    together = {tuple(sorted(pair)) for group in groups for pair in itertools.combinations(group, 2)}
    predicted = together & eligible
    hits = len(predicted & gold)
    precision = hits / len(predicted) if predicted else 0.0
    recall = hits / len(gold) if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"pairs": len(predicted), "precision": precision, "recall": recall, "f1": f1}


def evaluate(corpus, registry, model: str, paths: list[Path], distances: list[float], window: int = 7) -> dict:
    from corpus.analysis_store import CorpusVectorCache
    from corpus.event_store import event_candidates, turn_provenance

    turns = event_turns(event_candidates(corpus), registry.speaker)
    found = CorpusVectorCache(corpus).get_vectors(model, sorted({t.text_sha256 for t in turns}))
    turns = [t for t in turns if t.text_sha256 in found]
    vectors = unit_rows(np.stack([found[t.text_sha256] for t in turns]))
    by_id, by_words = _episodes(paths)
    provenance = turn_provenance(corpus, [t.segment_id for t in turns])
    episode = []
    for turn in turns:
        url, text = provenance[turn.segment_id]
        episode.append(by_id.get(url.rsplit("#", 1)[-1]) if "#" in url else by_words.get(" ".join(text.split())))
    labelled = [n for n, e in enumerate(episode) if e and e != "other"]
    eligible = {(a, b) for a, b in itertools.combinations(labelled, 2)
                if turns[a].ministry != turns[b].ministry and abs((turns[a].date - turns[b].date).days) <= window}
    gold = {(a, b) for a, b in eligible if episode[a] == episode[b]}
    results = {"labelled_turns": len(labelled), "eligible_pairs": len(eligible), "gold_pairs": len(gold), "rows": []}
    loose = EventSettings(window_days=window, max_distance=3.0)  # any distance: links by window and actor alone
    results["baseline"] = pairwise(components(turns, linked_pairs(turns, vectors, loose)), gold, eligible)
    for distance in distances:
        settings = EventSettings(window_days=window, max_distance=distance)
        pairs = linked_pairs(turns, vectors, settings)
        by_pair = {(i, j): d for i, j, d in pairs}
        events = [c for g in components(turns, pairs) for c in cluster_component(g, turns, by_pair, settings)]
        results["rows"].append({"max_distance": distance, "events": len(events), **pairwise(events, gold, eligible)})
    return results


def main(argv: list[str] | None = None) -> int:
    from analysis.embeddings import DEFAULT_MODEL
    from analysis.registry import load_registry
    from corpus import Corpus

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("labelled", nargs="+", type=Path)
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--distances", default="0.4,0.45,0.5,0.55,0.6,0.65,0.7")
    args = parser.parse_args(argv)
    with Corpus(args.db) as corpus:
        result = evaluate(corpus, load_registry(), args.model, args.labelled,
                          [float(d) for d in args.distances.split(",")])
    print(f"{result['labelled_turns']} labelled turns; {result['eligible_pairs']} pairs of two ministries within "
          f"the window, {result['gold_pairs']} of one episode")
    print("max distance  events  pairs  precision  recall  F1")
    base = result["baseline"]
    print(f"baseline (actors only)     {base['pairs']:5d}  {base['precision']:9.2f}  {base['recall']:6.2f}  {base['f1']:.2f}")
    for row in result["rows"]:
        print(f"{row['max_distance']:12.2f}  {row['events']:6d}  {row['pairs']:5d}  {row['precision']:9.2f}  "
              f"{row['recall']:6.2f}  {row['f1']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
