"""`communique analyze`: embed new text, then read naming, avoidance and stance of changed segments.

Both steps are incremental: texts already embedded with the model are skipped (the cache
is keyed by model and text hash), and a segment is read again only when its text, its
question's text, the registry or the stance model changed.
"""

from __future__ import annotations

from dataclasses import dataclass

from corpus import Corpus
from corpus.analysis_store import (
    CorpusVectorCache,
    count_texts_missing_vectors,
    segments_to_analyze,
    store_actors,
    store_analysis,
    texts_missing_vectors,
)
from corpus.store import sha256_hex

from .embeddings import Embedder, EmbeddingSettings
from .naming import NamingAnalyzer
from .references import Reference
from .registry import Registry, actor_fingerprint
from .stance import StanceInput, StanceScorer, speaker_state


@dataclass
class AnalysisReport:
    embedded: int
    analyzed: int
    references: int
    avoided: int
    stances: int
    model: str
    analysis_version: str


def input_hash(row: dict) -> str:
    """What a segment's reading depends on: its text, and for an answer its question's text."""
    if row["kind"] == "answer" and row["question_text"] is not None:
        return sha256_hex(f"{row['question_text']}\x1f{row['text']}")
    return sha256_hex(row["text"])


def embed_corpus(corpus: Corpus, embedder: Embedder, progress: bool = True) -> int:
    """Embed every segment text the cache lacks for the model, batch by batch, each batch stored at once."""
    total = count_texts_missing_vectors(corpus, embedder.model_id)
    if not total:
        return 0
    cache = CorpusVectorCache(corpus)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, desc=f"embedding with {embedder.model_id}", unit="text")
    done = 0
    for rows in texts_missing_vectors(corpus, embedder.model_id, batch=embedder.settings.batch_size * 8):
        vectors = embedder.encode([text for _, text in rows])
        cache.put_vectors(embedder.model_id, {h: v for (h, _), v in zip(rows, vectors)})
        done += len(rows)
        if bar is not None:
            bar.update(len(rows))
    if bar is not None:
        bar.close()
    return done


def _reference_row(ref: Reference) -> dict:
    return {
        "actor_id": ref.actor,
        "class": ref.cls,
        "title": ref.title,
        "method": ref.method,
        "score": ref.score,
        "forms": [
            {"form": f.text, "start": f.start, "end": f.end, "class": f.cls, "title": f.title} for f in ref.forms
        ],
    }


def read_segment(analyzer: NamingAnalyzer, row: dict) -> tuple[dict, list[StanceInput]]:
    """A segment's references and avoidance rows, and the (answer, actor) pairs to judge for stance."""
    references, avoidance, stance_inputs = [], [], []
    if row["kind"] == "answer" and row["question_text"] is not None:
        reading = analyzer.read_pair(row["question_text"], row["text"])
        references = [_reference_row(ref) for ref in reading.answer.values() if ref.cls != "absent"]
        for actor_id, q_ref in reading.question.items():
            if q_ref.cls == "absent":
                continue
            a_cls = reading.answer[actor_id].cls
            avoidance.append({
                "actor_id": actor_id,
                "question_id": row["reply_to"],
                "in_question": q_ref.cls,
                "in_answer": a_cls,
                "avoided": q_ref.cls == "named" and a_cls != "named",
            })
        own_state = speaker_state(row["country"])
        for actor_id, a_ref in reading.answer.items():
            q_ref = reading.question[actor_id]
            if a_ref.cls != "absent" or q_ref.cls != "absent":
                stance_inputs.append(StanceInput(row["question_text"], row["text"], analyzer.registry[actor_id],
                                                 q_ref, a_ref, own_state))
    else:
        references = [_reference_row(ref) for ref in analyzer.read_text(row["text"]).values()]
    result = {"segment_id": row["id"], "input_sha256": input_hash(row), "references": references,
              "avoidance": avoidance, "stances": []}
    return result, stance_inputs


def analyze_corpus(
    corpus: Corpus,
    registry: Registry,
    settings: EmbeddingSettings | None = None,
    progress: bool = True,
    embed: bool = True,
) -> AnalysisReport:
    embedder = Embedder(settings or EmbeddingSettings(), cache=CorpusVectorCache(corpus))
    embedded = embed_corpus(corpus, embedder, progress) if embed else 0
    store_actors(
        corpus,
        [
            {"id": a.id, "name": a.name, "kind": a.kind, "aliases": "; ".join(a.aliases),
             "roles": "; ".join(a.roles), "fingerprint": actor_fingerprint(a)}
            for a in registry
        ],
    )
    analyzer = NamingAnalyzer(registry)
    scorer = StanceScorer(embedder)
    version = f"registry {registry.version}; {scorer.version} on {embedder.model_id}"
    analyzed = references = avoided = stances = 0
    batches = segments_to_analyze(corpus, version, input_hash)
    bar = None
    if progress and batches.total:
        from tqdm import tqdm

        bar = tqdm(total=batches.total, desc="reading naming and stance", unit="segment")
    for rows in batches:
        results, pending = [], []
        for row in rows:
            result, inputs = read_segment(analyzer, row)
            results.append(result)
            pending += [(result, item) for item in inputs]
        for (result, item), stance in zip(pending, scorer.score([item for _, item in pending])):
            result["stances"].append({
                "actor_id": item.actor.id, "label": stance.label, "score": stance.score,
                "confidence": stance.confidence, "p_support": stance.probabilities["support"],
                "p_oppose": stance.probabilities["oppose"], "p_neutral": stance.probabilities["neutral"],
                "evidence": stance.evidence, "embedding_model": embedder.model_id, "method": scorer.version,
            })
        store_analysis(corpus, results, version)
        analyzed += len(results)
        references += sum(len(r["references"]) for r in results)
        avoided += sum(a["avoided"] for r in results for a in r["avoidance"])
        stances += len(pending)
        if bar is not None:
            bar.update(len(results))
    if bar is not None:
        bar.close()
    return AnalysisReport(embedded, analyzed, references, avoided, stances, embedder.model_id, version)
