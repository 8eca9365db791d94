"""`communique analyze`: embed new text, then read naming, avoidance and stance of changed segments.

Both steps are incremental: texts already embedded with the model are skipped (the cache
is keyed by model and text hash), and a segment is read again only when its text, its
question's text, its briefing's date and title, the registry, the reader or the stance
model changed. Every segment gets the reading `communique evaluate` scores
(`analysis.reading.Reader`): an answer with its question; a statement, a question or an
answer without one with the actors its briefing's title names as context.
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
from corpus.translations import transfer_stances

from .embeddings import Embedder, EmbeddingSettings
from .reading import Reader, Reading, Turn
from .references import Reference
from .registry import Actor, Registry, actor_fingerprint
from .stance import StanceScorer, stance_input


@dataclass
class AnalysisReport:
    embedded: int
    analyzed: int
    references: int
    avoided: int
    stances: int
    model: str
    analysis_version: str
    events: int = 0


def input_hash(row: dict) -> str:
    """What a segment's reading depends on: its text, its question's, and its briefing's date and title."""
    parts = [row["text"], row.get("date") or "", row.get("title") or ""]
    if row["kind"] == "answer" and row["question_text"] is not None:
        parts.append(row["question_text"])
    return sha256_hex("\x1f".join(parts))


# Languages whose turns are not embedded: the default model reads English, and a Chinese
# answer takes its stance from its English twin (analysis.twins).
UNEMBEDDED_LANGUAGES = ("zh",)


def embed_corpus(corpus: Corpus, embedder: Embedder, progress: bool = True) -> int:
    """Embed every segment text the cache lacks for the model, batch by batch, each batch stored at once."""
    total = count_texts_missing_vectors(corpus, embedder.model_id, UNEMBEDDED_LANGUAGES)
    if not total:
        return 0
    cache = CorpusVectorCache(corpus)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=total, desc=f"embedding with {embedder.model_id}", unit="text")
    done = 0
    for rows in texts_missing_vectors(corpus, embedder.model_id, batch=embedder.settings.batch_size * 8,
                                      skip_languages=UNEMBEDDED_LANGUAGES):
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


def actor_row(actor: Actor) -> dict:
    return {"id": actor.id, "name": actor.name, "kind": actor.kind, "aliases": "; ".join(actor.aliases),
            "roles": "; ".join(actor.roles), "fingerprint": actor_fingerprint(actor),
            "other_ids": "; ".join(actor.ids), "state": actor.state, "generated": int(actor.generated)}


def turn_of(reader: Reader, row: dict) -> Turn:
    """The segment as the reader takes it: an answer with its question, anything else with its briefing."""
    question = row["question_text"] if row["kind"] == "answer" else None
    context = () if question else tuple(sorted(reader.mentions_in(row.get("title") or "")))
    return Turn(text=row["text"], question=question, date=row.get("date"),
                speaker_state=reader.registry.speaker(row["country"]), context=context)


def segment_result(row: dict, turn: Turn, reading: Reading) -> dict:
    """A segment's references and, for an answer to a question, its avoidance rows."""
    avoidance = []
    if turn.question is not None:
        for actor_id, q_ref in reading.question.items():
            a_cls = reading.answer_class(actor_id)
            avoidance.append({
                "actor_id": actor_id,
                "question_id": row["reply_to"],
                "in_question": q_ref.cls,
                "in_answer": a_cls,
                "avoided": q_ref.cls == "named" and a_cls != "named",
            })
    return {"segment_id": row["id"], "input_sha256": input_hash(row),
            "references": [_reference_row(ref) for ref in reading.answer.values()],
            "avoidance": avoidance, "stances": []}


def judged_actors(reading: Reading) -> list[str]:
    """Every actor a segment or its question refers to gets a stance."""
    return list(dict.fromkeys([*reading.answer, *reading.question]))


def analyze_corpus(
    corpus: Corpus,
    registry: Registry,
    settings: EmbeddingSettings | None = None,
    progress: bool = True,
    embed: bool = True,
    stance_model=None,
) -> AnalysisReport:
    embedder = Embedder(settings or EmbeddingSettings(), cache=CorpusVectorCache(corpus))
    embedded = embed_corpus(corpus, embedder, progress) if embed else 0
    store_actors(corpus, [actor_row(a) for a in registry if not a.generated])
    reader = Reader(registry)
    from .stance import DEFAULT_MODEL_FILE, StanceModel

    scorer = StanceScorer(embedder, StanceModel.load(stance_model or DEFAULT_MODEL_FILE))
    version = f"registry {registry.version}; reader {reader.version}; {scorer.version} on {embedder.model_id}"
    # Chinese turns: the same reading with Chinese forms; their stance comes from the English twin
    from .chinese import ChineseReader

    readers = {"en": reader, "zh": ChineseReader(registry, english=reader.matcher)}
    versions = {"en": version, "zh": f"registry {registry.version}; reader {readers['zh'].version}; stance from the English twin"}
    analyzed = references = avoided = stances = 0
    batches = segments_to_analyze(corpus, versions, input_hash)
    bar = None
    if progress and batches.total:
        from tqdm import tqdm

        bar = tqdm(total=batches.total, desc="reading naming and stance", unit="segment")
    stored = {a.id for a in registry if not a.generated}
    for rows in batches:
        turns, readings = _read_by_language(readers, rows)
        results, pending = [], []
        for row, turn, reading in zip(rows, turns, readings):
            result = segment_result(row, turn, reading)
            results.append(result)
            if row.get("language") == "zh":
                continue
            pending += [(result, stance_input(registry, turn, reading, a)) for a in judged_actors(reading)]
        for (result, item), stance in zip(pending, scorer.score([item for _, item in pending])):
            result["stances"].append({
                "actor_id": item.actor.id, "label": stance.label, "score": stance.score,
                "confidence": stance.confidence, "p_support": stance.probabilities["support"],
                "p_oppose": stance.probabilities["oppose"], "p_neutral": stance.probabilities["neutral"],
                "evidence": stance.evidence, "embedding_model": embedder.model_id, "method": scorer.version,
            })
        # a state's institution made from the role vocabulary is stored once something refers to it
        referred = {ref["actor_id"] for r in results for ref in r["references"]}
        referred |= {a["actor_id"] for r in results for a in r["avoidance"]}
        new = [registry.actors[a] for a in referred - stored if a in registry.actors]
        if new:
            store_actors(corpus, [actor_row(a) for a in new])
            stored.update(a.id for a in new)
        store_analysis(corpus, results, version)
        analyzed += len(results)
        references += sum(len(r["references"]) for r in results)
        avoided += sum(a["avoided"] for r in results for a in r["avoidance"])
        stances += len(pending)
        if bar is not None:
            bar.update(len(results))
    if bar is not None:
        bar.close()
    from .twins import align_corpus

    align_corpus(corpus, registry, progress=progress)
    stances += transfer_stances(corpus)
    from .events import update_events

    events = update_events(corpus, registry, embedder.model_id, progress=progress).events
    return AnalysisReport(embedded, analyzed, references, avoided, stances, embedder.model_id, version, events)


def _read_by_language(readers: dict[str, Reader], rows: list[dict]) -> tuple[list[Turn], list[Reading]]:
    """Each row read by the reader of its language (English for any other), in the rows' order."""
    turns: list = [None] * len(rows)
    readings: list = [None] * len(rows)
    by_language: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        by_language.setdefault(row.get("language") if row.get("language") in readers else "en", []).append(index)
    for language, indexes in by_language.items():
        reader = readers[language]
        chosen = [turn_of(reader, rows[i]) for i in indexes]
        for i, turn, reading in zip(indexes, chosen, reader.read_many(chosen)):
            turns[i], readings[i] = turn, reading
    return turns, readings
