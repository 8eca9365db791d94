"""`communique analyze`: embed new text, then read naming, avoidance and stance of changed segments.

Both steps are incremental: texts already embedded with the model are skipped (the cache
is keyed by model and text hash), and a segment is read again only when its text, its
question's text, its briefing's date and title, the registry, the reader or the stance
model changed. Every segment gets the reading `communique evaluate` scores
(`analysis.reading.Reader`): an answer with its question; a statement, a question or an
answer without one with the actors its briefing's title names as context, and a statement of
a page without questions with its page's other statements too.

The segments to redo go in chunks through three stages (`analysis.chunked`): worker
processes read them and list the texts their stance judgements embed (the answers and
statements and their sentences about each actor; questions are read, not judged); this
process embeds those texts and the segments' own that the cache lacks, in one model call
per chunk sorted by length; workers judge stance from those vectors (no model there),
and this process stores the chunk.
Each text is embedded once, whoever needs it.

Chinese turns (the China MFA's originals) are read in the same chunks by the Chinese
reader (`analysis.chinese`), built in each worker like the English one; the model reads
English, so they are neither embedded nor judged. Once every chunk is stored, each Chinese
briefing is linked to its English translation (`analysis.twins`) and its answers and
statements take the stances of their aligned English twins; then turns are grouped into
events.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corpus import Corpus
from corpus.progress import progress as progress_bar
from corpus.analysis_store import (
    CorpusVectorCache,
    count_texts_missing_vectors,
    segments_to_analyze,
    store_actors,
    store_analysis,
    texts_missing_vectors,
)
from corpus.schema import OWN_KINDS
from corpus.store import sha256_hex
from corpus.translations import transfer_stances

from .chunked import WorkerPool, pipelined
from .embeddings import ENCODE_CHUNK, Embedder, EmbeddingSettings, text_hash
from .onnx_backend import usable_cores
from .reading import Reader, Reading, Turn
from .references import Reference
from .registry import Actor, Registry, actor_fingerprint
from .stance import StanceModel, StanceScorer, stance_input

CHUNK = 500  # segments read, embedded, judged and stored together


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
    ran_as: str | None = None  # "onnx on cpu": how the model ran, when it ran
    workers: int = 0
    sentences_embedded: int = 0  # texts stance reads that are not segments: sentences about an actor


def input_hash(row: dict) -> str:
    """What a segment's reading depends on: its text, its question's, its briefing's date and title,
    and for a statement of a page without questions the page's other statements."""
    parts = [row["text"], row.get("date") or "", row.get("title") or ""]
    if row["kind"] == "answer" and row["question_text"] is not None:
        parts.append(row["question_text"])
    if row.get("page_text"):
        parts.append("page:" + row["page_text"])
    return sha256_hex("\x1f".join(parts))


# Languages whose turns are not embedded: the default model reads English, and a Chinese
# answer or statement takes its stance from its English twin (analysis.twins).
UNEMBEDDED_LANGUAGES = ("zh",)


def embed_corpus(corpus: Corpus, embedder: Embedder, progress: bool = True) -> int:
    """Embed every segment text the cache lacks for the model, streamed, each call stored at once."""
    total = count_texts_missing_vectors(corpus, embedder.model_id, UNEMBEDDED_LANGUAGES)
    if not total:
        return 0
    bar = progress_bar(total, f"embedding with {embedder.model_id}", "text", enabled=progress)
    done = 0
    for rows in texts_missing_vectors(corpus, embedder.model_id, batch=ENCODE_CHUNK,
                                      skip_languages=UNEMBEDDED_LANGUAGES):
        embedder.embed_missing(rows)
        done += len(rows)
        bar.update(len(rows))
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
                speaker_state=reader.registry.speaker(row["country"]), context=context,
                page=row.get("page_text") or "")


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
    """Every actor a judged turn or its question refers to gets a stance."""
    return list(dict.fromkeys([*reading.answer, *reading.question]))


class HeldVectors:
    """The embedder a worker's stance features read: vectors this process embedded or found
    cached for the chunk, looked up by text. A worker has no model; a text missing here
    is a bug of the stage that lists them, not something to embed one at a time."""

    def __init__(self, model_id: str, vectors: dict[str, np.ndarray]):
        self.model_id = model_id
        self.vectors = vectors

    def embed(self, texts, progress: bool = False) -> np.ndarray:
        hashes = [text_hash(text) for text in texts]
        lacking = [text for text, h in zip(texts, hashes) if h not in self.vectors]
        if lacking:
            raise RuntimeError(f"{len(lacking)} texts were not embedded before stance, e.g. {lacking[0][:80]!r}")
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self.vectors[h] for h in hashes])


class ChunkWork:
    """What a worker process does to a chunk of segment rows; built once per process."""

    def __init__(self, registry: Registry, stance_model: StanceModel, prototypes: dict[str, np.ndarray]):
        self.registry = registry
        self.reader = Reader(registry)
        self.readers = {"en": self.reader, "zh": chinese_reader(registry, self.reader)}
        self.prototypes = prototypes
        self.held = HeldVectors(stance_model.model_id, dict(prototypes))
        self.scorer = StanceScorer(self.held, stance_model)

    def read(self, rows: list[dict]) -> tuple[list[dict], list, list[int], list[str]]:
        """The chunk's references and avoidance rows, its (answer, actor) pairs to judge (with
        the index of their segment) and the texts judging them embeds."""
        turns, readings = _read_by_language(self.readers, rows)
        results, items, owners = [], [], []
        for n, (row, turn, reading) in enumerate(zip(rows, turns, readings)):
            results.append(segment_result(row, turn, reading))
            if row.get("language") in UNEMBEDDED_LANGUAGES:
                continue  # its stance comes from its English twin, after every chunk (transfer_stances)
            if row["kind"] not in OWN_KINDS:
                # a question is read (avoidance compares its naming) but not judged: its
                # attitude is the journalist's
                continue
            for actor_id in judged_actors(reading):
                items.append(stance_input(self.registry, turn, reading, actor_id))
                owners.append(n)
        return results, items, owners, self.scorer.featurizer.texts(items)

    def judge(self, items: list, vectors: dict[str, np.ndarray]) -> list[dict]:
        self.held.vectors = {**self.prototypes, **vectors}
        rows = []
        for item, stance in zip(items, self.scorer.score(items)):
            rows.append({
                "actor_id": item.actor.id, "label": stance.label, "score": stance.score,
                "confidence": stance.confidence, "p_support": stance.probabilities["support"],
                "p_oppose": stance.probabilities["oppose"], "p_neutral": stance.probabilities["neutral"],
                "evidence": stance.evidence, "embedding_model": self.held.model_id, "method": self.scorer.version,
            })
        self.held.vectors = dict(self.prototypes)
        return rows


def reading_workers(requested: int | None, chunks: int) -> int:
    """Worker processes for `chunks` chunks: `requested`, or by default none for a chunk or two
    (starting them costs more than it saves) and one per usable core for more."""
    if requested is not None:
        return max(requested, 0)
    return usable_cores() if chunks > 2 else 0


def analyze_corpus(
    corpus: Corpus,
    registry: Registry,
    settings: EmbeddingSettings | None = None,
    progress: bool = True,
    embed: bool = True,
    stance_model=None,
    workers: int | None = None,
    chunk: int = CHUNK,
) -> AnalysisReport:
    embedder = Embedder(settings or EmbeddingSettings(), cache=CorpusVectorCache(corpus))
    embedder.backend  # a device or backend this machine lacks is refused before anything is written
    store_actors(corpus, [actor_row(a) for a in registry if not a.generated])
    reader = Reader(registry)
    from .stance import DEFAULT_MODEL_FILE

    model = StanceModel.load(stance_model or DEFAULT_MODEL_FILE)
    scorer = StanceScorer(embedder, model)  # refuses a model of other vectors; its prototypes are cached once
    version = (f"registry {registry.version}; reader {reader.version}; {scorer.version} on {embedder.model_id}"
               f" for {', '.join(OWN_KINDS)}")
    # Chinese turns: the same reading with Chinese forms; their stance comes from the English twin
    versions = {"en": version, "zh": f"registry {registry.version}; reader {chinese_reader(registry, reader).version}; "
                                     "stance from the English twin"}
    analyzed = references = avoided = stances = embedded = sentences = 0
    batches = segments_to_analyze(corpus, versions, input_hash, batch=chunk)
    stored = {a.id for a in registry if not a.generated}
    if batches.total:
        prototype_texts = [t for texts in scorer.featurizer.lexicon.prototypes.values() for t in texts]
        prototypes = dict(zip(map(text_hash, prototype_texts), embedder.embed(prototype_texts)))
        count = reading_workers(workers, -(-batches.total // chunk))
        bar = progress_bar(batches.total, "analyzing (naming, stance, embeddings)", "segment", enabled=progress)

        def embed_chunk(rows: list[dict], read: tuple) -> dict[str, np.ndarray]:
            """One model call for every text of the chunk the cache lacks; the vectors stance reads."""
            nonlocal embedded, sentences
            wanted = {text_hash(t): t for t in read[3]}
            own = {text_hash(row["text"]): row["text"] for row in rows
                   if row.get("language") not in UNEMBEDDED_LANGUAGES} if embed else {}
            vectors = embedder.cache.get_vectors(embedder.model_id, list({**own, **wanted}))
            missing = [(h, t) for h, t in {**own, **wanted}.items() if h not in vectors]
            vectors.update(embedder.embed_missing(missing))
            segments = sum(h in own for h, _ in missing)
            embedded += segments
            sentences += len(missing) - segments
            return {h: vectors[h] for h in wanted}

        with WorkerPool(ChunkWork, (registry, model, prototypes), count) as pool:
            chunks = pipelined(batches, lambda rows: pool.submit("read", rows), embed_chunk,
                               lambda rows, read, vectors: pool.submit("judge", read[1], vectors),
                               window=2 * max(count, 1))
            for rows, (results, items, owners, _), judged in chunks:
                for n, stance in zip(owners, judged):
                    results[n]["stances"].append(stance)
                # a state's institution made from the role vocabulary is stored once something refers to it
                referred = {ref["actor_id"] for r in results for ref in r["references"]}
                referred |= {a["actor_id"] for r in results for a in r["avoidance"]}
                new = [registry.actors[a] for a in referred - stored if a in registry.actors]
                if new:
                    store_actors(corpus, [actor_row(a) for a in new])
                    stored.update(a.id for a in new)
                for language, chosen in _by_language(rows, results, versions).items():
                    store_analysis(corpus, chosen, versions[language])  # the version a rerun compares
                analyzed += len(results)
                references += sum(len(r["references"]) for r in results)
                avoided += sum(a["avoided"] for r in results for a in r["avoidance"])
                stances += len(judged)
                bar.set_postfix_str(f"{embedded + sentences:,} texts embedded")
                bar.update(len(results))
        bar.close()
    if embed:
        embedded += embed_corpus(corpus, embedder, progress)
    from .twins import align_corpus

    # Chinese answers and statements take the stances their English twins were just given
    align_corpus(corpus, registry, progress=progress)
    stances += transfer_stances(corpus)
    from .events import update_events

    # after every segment has its vector: events are found from them
    events = update_events(corpus, registry, embedder.model_id, progress=progress).events
    ran_as = f"{embedder.backend} on {embedder.device}" if embedder.embedded else None
    return AnalysisReport(embedded, analyzed, references, avoided, stances, embedder.model_id, version, events=events,
                          ran_as=ran_as, workers=count if batches.total else 0, sentences_embedded=sentences)


def chinese_reader(registry: Registry, english: Reader) -> Reader:
    from .chinese import ChineseReader

    return ChineseReader(registry, english=english.matcher)


def _language(row: dict, readers) -> str:
    """The reader a row takes: its language's, English for any other."""
    return row.get("language") if row.get("language") in readers else "en"


def _by_language(rows: list[dict], results: list[dict], readers) -> dict[str, list[dict]]:
    """A chunk's results by the reader of their segment, each stored with that reading's version."""
    out: dict[str, list[dict]] = {}
    for row, result in zip(rows, results):
        out.setdefault(_language(row, readers), []).append(result)
    return out


def _read_by_language(readers: dict[str, Reader], rows: list[dict]) -> tuple[list[Turn], list[Reading]]:
    """Each row read by the reader of its language (English for any other), in the rows' order."""
    turns: list = [None] * len(rows)
    readings: list = [None] * len(rows)
    by_language: dict[str, list[int]] = {}
    for index, row in enumerate(rows):
        by_language.setdefault(_language(row, readers), []).append(index)
    for language, indexes in by_language.items():
        reader = readers[language]
        chosen = [turn_of(reader, rows[i]) for i in indexes]
        for i, turn, reading in zip(indexes, chosen, reader.read_many(chosen)):
            turns[i], readings[i] = turn, reading
    return turns, readings
