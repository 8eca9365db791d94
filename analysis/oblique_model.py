"""The learned oblique linker: does this non-identifying phrase point at this actor in context?

One decision per (phrase, candidate actor), by a logistic model over features that say
nothing of particular items or actors:
- the phrase's category and the actor's kind, and whether the category can describe
  that kind at all;
- where the actor comes from (the question, the text, the briefing, or belonging to an
  actor in context) and how the question refers to it; whether the question only quotes
  it; whether it is the speaking ministry's own state; how many actors compete;
- whether the phrase itself carries the actor's state ("certain US politicians",
  "all parties in Venezuela") or another state;
- whether the phrase's head word is in the actor's name ("those responsible" and
  "Perpetrators of ..."; "our partners" and "UK partners");
- embedding similarities (all-MiniLM-L6-v2 by default) between the phrase, the sentence
  it stands in, the actor's name and the question's sentences about the actor.
An actor is oblique when one of its phrases scores above the threshold; the forms are
those phrases. Trained on the labelled sets' `answer_forms` by `communique train linker`
and shipped as JSON weights (`analysis/data/oblique_model.json`); predicting needs numpy
and the embedding model only.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .oblique import LinkCandidate, PhraseGrammar, RuleLinker, is_quoted, is_reported_speaker
from .references import CLASSES, Form
from .registry import KINDS
from .text import fold, sentences

DEFAULT_FILE = Path(__file__).parent / "data" / "oblique_model.json"
METHOD = "oblique-logreg-1"
CATEGORIES = ("parties", "states", "forces", "persons", "bodies", "perpetrators", "partners", "community")
SOURCES = ("question", "text", "briefing", "related")
FEATURES = (
    *(f"category_{c}" for c in CATEGORIES),
    *(f"kind_{k}" for k in KINDS),
    "kind_compatible",
    *(f"source_{s}" for s in SOURCES),
    *(f"question_{c}" for c in CLASSES),
    "quoted_in_question",
    "own_state",
    "own_anchor",
    "log_candidates",
    "log_phrases",
    "phrase_has_actor_state",
    "phrase_has_other_state",
    "head_in_actor_name",
    "first_in_question",
    "phrase_in_first_sentence",
    "sim_phrase_actor",
    "sim_sentence_actor",
    "sim_sentence_question",
    "parties_x_person",
    "persons_x_person",
    "states_x_state",
    "anchor_is_topic",
    "actor_is_topic_state",
    "parties_x_topic",
    "forces_x_foreign",
    "states_x_foreign",
    "community_x_state",
    *(f"{c}_x_{k}" for c in CATEGORIES for k in KINDS),
    "question_forms",
    "question_rank",
    "phrase_all",
    "phrase_words",
    "reported_speaker",
    "rule_prior",
)
_HEAD = re.compile(r"(\w+)\W*$")


def _profile(candidate: LinkCandidate) -> str:
    article = "an" if candidate.actor.kind[0] in "aeiou" else "a"
    return f"{candidate.actor.name}, {article} {candidate.actor.kind}"


def _sentence_of(text: str, form: Form) -> str:
    for start, end in sentences(text):
        if start <= form.start < end:
            return text[start:end]
    return form.text


def _question_context(candidate: LinkCandidate) -> str:
    if not candidate.question:
        return ""
    spans = sentences(candidate.question)
    chosen = [candidate.question[s:e] for s, e in spans if any(s <= f.start < e for f in candidate.question_forms)]
    return " ".join(chosen) or candidate.question


def _stem(word: str) -> str:
    word = fold(word).lower()
    for suffix in ("ies", "s"):
        if word.endswith(suffix) and len(word) > 4:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


@dataclass
class Pair:
    candidate: LinkCandidate
    phrase: Form
    index: int  # the candidate's position in the batch


class PairFeaturizer:
    """Features of (phrase, actor) pairs; every text is embedded once per batch, through the cache."""

    def __init__(self, registry, embedder, grammar: PhraseGrammar):
        self.registry = registry
        self.embedder = embedder
        self.kinds = grammar.kinds
        self.rules = RuleLinker(grammar)

    def pairs(self, candidates: list[LinkCandidate]) -> list[Pair]:
        return [Pair(c, p, i) for i, c in enumerate(candidates) for p in c.phrases]

    def matrix(self, pairs: list[Pair]) -> np.ndarray:
        if not pairs:
            return np.zeros((0, len(FEATURES)))
        texts = {}
        for pair in pairs:
            c = pair.candidate
            texts[("phrase", id(pair))] = pair.phrase.text
            texts[("sentence", id(pair))] = _sentence_of(c.text, pair.phrase)
            texts[("actor", id(pair))] = _profile(c)
            texts[("question", id(pair))] = _question_context(c)
        unique = list(dict.fromkeys(t for t in texts.values() if t))
        vectors = dict(zip(unique, self.embedder.embed(unique))) if unique else {}

        def cos(a: str, b: str) -> float:
            if not a or not b:
                return 0.0
            return float(vectors[a] @ vectors[b])

        counts: dict[int, int] = {}
        competing: dict[int, set[int]] = {}  # candidates of the same text
        for pair in pairs:
            counts[pair.index] = counts.get(pair.index, 0) + 1
            competing.setdefault(id(pair.candidate.text), set()).add(pair.index)
        rows = []
        for pair in pairs:
            c, phrase = pair.candidate, pair.phrase
            actor = c.actor
            row = dict.fromkeys(FEATURES, 0.0)
            row[f"category_{phrase.category}"] = 1.0
            row[f"kind_{actor.kind}"] = 1.0
            row["kind_compatible"] = float(actor.kind in self.kinds.get(phrase.category, ()))
            row[f"source_{c.source}"] = 1.0
            row[f"question_{c.question_class}"] = 1.0
            row["quoted_in_question"] = float(bool(c.question_forms) and is_quoted(c.question, c.question_forms))
            row["own_state"] = float(actor.id == c.speaker_state)
            row["own_anchor"] = float(c.anchor is not None and c.anchor == c.speaker_state)
            row["log_candidates"] = float(np.log1p(len(competing[id(c.text)])))
            row["log_phrases"] = float(np.log1p(counts[pair.index]))
            states = set(self.registry.grammar.states_in(phrase.text))
            row["phrase_has_actor_state"] = float(bool(states) and (actor.id in states or c.anchor in states))
            row["phrase_has_other_state"] = float(bool(states - {actor.id, c.anchor}))
            head = _HEAD.search(phrase.text)
            name_words = {_stem(w) for w in re.findall(r"\w+", actor.name)}
            row["head_in_actor_name"] = float(bool(head) and _stem(head.group(1)) in name_words)
            if c.question_forms:
                row["first_in_question"] = float(min(f.start for f in c.question_forms) < 80)
            first = sentences(c.text)[:1]
            row["phrase_in_first_sentence"] = float(bool(first) and phrase.start < first[0][1])
            row["sim_phrase_actor"] = cos(texts[("phrase", id(pair))], texts[("actor", id(pair))])
            row["sim_sentence_actor"] = cos(texts[("sentence", id(pair))], texts[("actor", id(pair))])
            row["sim_sentence_question"] = cos(texts[("sentence", id(pair))], texts[("question", id(pair))])
            row["parties_x_person"] = float(phrase.category == "parties" and actor.kind == "person")
            row["persons_x_person"] = float(phrase.category == "persons" and actor.kind == "person")
            row["states_x_state"] = float(phrase.category == "states" and actor.kind == "state")
            topical = c.topic_state is not None and c.anchor == c.topic_state
            foreign = c.anchor is not None and c.topic_state is not None and not topical and c.anchor != c.speaker_state
            row["anchor_is_topic"] = float(topical)
            row["actor_is_topic_state"] = float(actor.id == c.topic_state)
            row["parties_x_topic"] = float(phrase.category == "parties" and topical)
            row["forces_x_foreign"] = float(phrase.category == "forces" and foreign)
            row["states_x_foreign"] = float(phrase.category == "states" and foreign)
            row["community_x_state"] = float(phrase.category == "community" and actor.kind == "state")
            row[f"{phrase.category}_x_{actor.kind}"] = 1.0
            row["question_forms"] = float(np.log1p(len(c.question_forms)))
            row["question_rank"] = float(c.question_rank)
            row["phrase_all"] = float(bool(re.match(r"(?i)(all|both|each|every|any)\b", phrase.text)))
            row["phrase_words"] = float(min(len(phrase.text.split()), 8)) / 8
            row["reported_speaker"] = float(bool(c.question_forms) and is_reported_speaker(c.question, c.question_forms))
            row["rule_prior"] = float(self.rules.points_at(c, phrase))
            rows.append([row[name] for name in FEATURES])
        return np.array(rows, dtype=np.float64)


@dataclass
class LinkerWeights:
    weights: np.ndarray
    bias: float
    threshold: float
    model_id: str
    trained_on: str

    @property
    def version(self) -> str:
        rounded = f"{self.threshold:.4f}" + json.dumps([round(float(w), 5) for w in self.weights]) + f"{self.bias:.5f}"
        return f"{METHOD}-{hashlib.sha256(rounded.encode()).hexdigest()[:12]}"

    def probabilities(self, matrix: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(matrix @ self.weights + self.bias)))

    def save(self, path: str | Path) -> None:
        payload = {
            "about": "logistic oblique linker over (phrase, actor) features; see analysis/oblique_model.py",
            "method": METHOD,
            "model": self.model_id,
            "trained_on": self.trained_on,
            "threshold": round(self.threshold, 4),
            "features": list(FEATURES),
            "bias": round(float(self.bias), 7),
            "weights": [round(float(w), 7) for w in self.weights],
        }
        Path(path).write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path = DEFAULT_FILE) -> LinkerWeights:
        path = Path(path)
        if not path.is_file():
            raise FileNotFoundError(f"no oblique linker at {path}: build it with `communique train linker`")
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("features") != list(FEATURES):
            raise ValueError(f"{path} was trained on other features: rebuild it with `communique train linker`")
        return cls(np.array(data["weights"]), float(data["bias"]), float(data["threshold"]), data["model"],
                   data.get("trained_on", ""))


class LinkerModel:
    method = METHOD

    def __init__(self, registry, embedder, weights: LinkerWeights, grammar: PhraseGrammar):
        self.weights = weights
        self.featurizer = PairFeaturizer(registry, embedder, grammar)

    @property
    def version(self) -> str:
        return self.weights.version

    def link(self, candidates: list[LinkCandidate]) -> list[tuple[list[Form], float]]:
        pairs = self.featurizer.pairs(candidates)
        scores = self.weights.probabilities(self.featurizer.matrix(pairs)) if pairs else np.zeros(0)
        chosen: list[list[Form]] = [[] for _ in candidates]
        best = [0.0] * len(candidates)
        for pair, score in zip(pairs, scores):
            best[pair.index] = max(best[pair.index], float(score))
            if score >= self.weights.threshold:
                chosen[pair.index].append(pair.phrase)
        return list(zip(chosen, best))


# -- training ------------------------------------------------------------------------------


def _overlaps(phrase: Form, gold_forms: list[str]) -> bool:
    text = fold(phrase.text).lower()
    return any((g := fold(form).lower()) and (g in text or text in g) for form in gold_forms)


def training_pairs(registry, items, embedder, reader, prepared: dict | None = None):
    """Pairs from labelled items: positive where the actor is labelled oblique and the phrase is one of its forms."""
    from .evaluate import turn_of

    candidates, labels, groups = [], [], []
    for item in items:
        if prepared is not None and item.id in prepared:
            _, batch = prepared[item.id]
        else:
            _, batch = reader.prepare(turn_of(item, registry))
        gold = {registry.canonical(label.actor): label for label in item.actors}
        for candidate in batch:
            label = gold.get(candidate.actor.id)
            candidates.append(candidate)
            labels.append(label)
            groups.append(item.ministry_group)
    featurizer = PairFeaturizer(registry, embedder, reader.phrases)
    pairs = featurizer.pairs(candidates)
    y = []
    for pair in pairs:
        label = labels[pair.index]
        # Unlabelled candidates say nothing: the annotators listed the actors at issue only.
        y.append(-1 if label is None else int(label.in_answer == "oblique" and _overlaps(pair.phrase, label.answer_forms)))
    matrix = featurizer.matrix(pairs)
    keep = np.array([v >= 0 for v in y], dtype=bool)
    kept = [p for p, k in zip(pairs, keep) if k]
    return matrix[keep], np.array(y)[keep], kept, [groups[p.index] for p in kept]


REGULARISATION = 2.0


def _actor_f1(pairs: list[Pair], scores: np.ndarray, y: np.ndarray, threshold: float) -> float:
    """F1 of the actor-level decision (any phrase above the threshold) against the labels."""
    best: dict[int, float] = {}
    gold: dict[int, bool] = {}
    for pair, score, label in zip(pairs, scores, y):
        best[pair.index] = max(best.get(pair.index, 0.0), float(score))
        gold[pair.index] = gold.get(pair.index, False) or bool(label)
    tp = sum(best[i] >= threshold and gold[i] for i in best)
    fp = sum(best[i] >= threshold and not gold[i] for i in best)
    fn = sum(best[i] < threshold and gold[i] for i in best)
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def fit_linker(matrix: np.ndarray, y: np.ndarray, model_id: str, trained_on: str, pairs: list[Pair],
               groups: list[str], c: float = REGULARISATION) -> LinkerWeights:
    """Fit the logistic model; choose its threshold on out-of-group predictions of the training items.

    Held-out scores sit lower than in-sample ones, and how much lower depends on how the
    training set is made up; a threshold chosen on held-out groups of the training set
    carries over to text of a ministry it has never seen.
    """
    from sklearn.linear_model import LogisticRegression

    def model():
        return LogisticRegression(C=c, max_iter=5000, class_weight="balanced")

    groups_array = np.array(groups)
    held_out = np.zeros(len(y))
    for group in sorted(set(groups)):
        test = groups_array == group
        if y[~test].sum() == 0 or y[~test].sum() == (~test).sum():
            held_out[test] = 0.5
            continue
        held_out[test] = model().fit(matrix[~test], y[~test]).predict_proba(matrix[test])[:, 1]
    thresholds = np.linspace(0.05, 0.9, 35)
    threshold = float(max(thresholds, key=lambda t: _actor_f1(pairs, held_out, y, t)))
    classifier = model().fit(matrix, y)
    return LinkerWeights(classifier.coef_[0].copy(), float(classifier.intercept_[0]), threshold, model_id, trained_on)


def train_linker(registry, items, embedder, trained_on: str = "cross-validation fold", reader=None,
                 prepared: dict | None = None) -> LinkerModel:
    from .reading import Reader

    reader = reader or Reader(registry)
    matrix, y, pairs, groups = training_pairs(registry, items, embedder, reader, prepared)
    weights = fit_linker(matrix, y, embedder.model_id, trained_on, pairs, groups)
    return LinkerModel(registry, embedder, weights, reader.phrases)


def shipped_linker(registry, embedder, path: str | Path = DEFAULT_FILE) -> LinkerModel:
    weights = LinkerWeights.load(path)
    if weights.model_id != embedder.model_id:
        raise ValueError(f"the oblique linker was trained on {weights.model_id} vectors, not {embedder.model_id}")
    return LinkerModel(registry, embedder, weights, PhraseGrammar())
