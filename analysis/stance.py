"""Stance of an answer toward each actor it or its question refers to: support, oppose, neutral.

A multinomial logistic model over target-aware features:
- how close, in embedding space, the answer's sentences about the actor (those holding
  its names, descriptors or oblique forms; the whole answer when it leaves the actor
  out) and the whole answer are to prototype statements of support, opposition and
  neutrality (analysis/data/stance_lexicon.yaml), and the target sentences' embedding
  itself, reduced to a few dimensions;
- counts of cue words in those sentences and in the answer;
- implicit side-taking: support or opposition voiced about the actor's rival — the other
  side of the same state (government against opposition, from the registry's offices and
  institutions): backing "the Venezuelan government" opposes Guaidó;
- the actor's camp: how the answer speaks of the rest of its side — its state, that state's
  government, institutions and officials (cue counts, and the camp's sentences against the
  prototypes): criticism of "the US" reaches Pompeo when the answer does not name him,
  and rebuking "the Australian government" is a stance on its foreign minister;
- who a reported harm befalls and who does it (analysis.harm): condemning "violence
  against protesters" sides with the protesters, "the military committed atrocities" blames
  the military;
- condemnation with the doer left out (an actor absent or veiled while the answer
  condemns), whether the question quotes the actor and the answer rebuts or deflects,
  whether the actor is the speaking ministry's own state or belongs to it (from the
  registry, for any ministry), and how the answer refers to it.
The question's own wording (how the journalist named the actor, how its sentences read)
is left out: it describes the asker, and most ministries' texts are statements with no
question, so a model held out of the briefings learned those features from a few items
(leave-one-ministry-out, China MFA: 0.61 -> 0.66 without them).
Trained with scikit-learn by `communique train stance` and shipped as JSON weights
(analysis/data/stance_model.json); predicting needs only numpy and the embedding model.
The score is P(support) - P(oppose), in [-1, 1]; the confidence is the label's probability.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .harm import HarmGrammar
from .oblique import is_quoted
from .references import CLASSES, Reference
from .registry import KINDS, Actor
from .text import sentences
from .yamlfile import load_yaml

LABELS = ("support", "oppose", "neutral")
PROJECTION = 16  # dimensions of the target sentences' embedding kept as features
FEATURES = (
    *(f"{kind}_{label}" for label in LABELS
      for kind in ("target_like", "answer_like", "target_cues", "answer_cues")),
    "target_answer_similarity",
    "quoted_in_question",
    "quoted_and_rebutted",
    "quoted_and_deflected",
    "own_state",
    "own_side",
    "rival_supported",
    "rival_opposed",
    "has_camp",
    *(f"camp_like_{label}" for label in LABELS),
    "camp_supported",
    "camp_opposed",
    "unnamed_and_condemned",
    "unnamed_and_supported",
    "target_negation",
    "target_harmed",
    "target_harmed_condemned",
    "target_harming",
    *(f"answer_{c}" for c in CLASSES),
    *(f"kind_{k}" for k in KINDS),
    *(f"projection_{n}" for n in range(PROJECTION)),
)
DEFAULT_MODEL_FILE = Path(__file__).parent / "data" / "stance_model.json"
DEFAULT_LEXICON = Path(__file__).parent / "data" / "stance_lexicon.yaml"
METHOD = "stance-logreg-5"
_NEGATION = re.compile(r"\b(?:not|never|no|cannot|can't|won't|don't|doesn't|didn't|neither|nor)\b", re.I)


class StanceModelError(ValueError):
    """The stance model file is missing or does not fit the embedding model."""


@dataclass
class StanceInput:
    """One (answer, actor) to judge, with the references that say where the actor is."""

    question: str
    answer: str
    actor: Actor
    in_question: Reference
    in_answer: Reference
    speaker_state: str | None = None  # the actor id of the state whose ministry speaks
    speaker_side: bool = False  # the actor belongs to the speaking state
    rivals: tuple[Reference, ...] = ()  # references in the answer to the other side of the actor's state
    camp: tuple[Reference, ...] = ()  # references in the answer to the actor's own side of its state


@dataclass
class Stance:
    label: str
    score: float
    confidence: float
    probabilities: dict[str, float]
    evidence: list[str]


class StanceLexicon:
    def __init__(self, path: str | Path = DEFAULT_LEXICON):
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
        self.cues = {label: re.compile("|".join(f"(?:{p})" for p in data["cues"][label]), re.I) for label in LABELS}
        self.prototypes = {label: list(data["prototypes"][label]) for label in LABELS}
        self.harm = HarmGrammar(data["harm"])
        self.fingerprint = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def _spans_with(text: str, forms) -> list[str]:
    chosen = []
    for start, end in sentences(text):
        if any(start <= form.start < end for form in forms):
            chosen.append(text[start:end])
    return list(dict.fromkeys(chosen))


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def _mean(vectors: list[np.ndarray]) -> np.ndarray:
    return np.mean(np.stack(vectors), axis=0)


class StanceFeaturizer:
    def __init__(self, embedder, lexicon: StanceLexicon | None = None, projection: np.ndarray | None = None):
        self.embedder = embedder
        self.lexicon = lexicon or StanceLexicon()
        vectors = {label: embedder.embed(texts) for label, texts in self.lexicon.prototypes.items()}
        self.prototypes = {label: _unit(v.mean(axis=0)) for label, v in vectors.items()}
        self.projection = projection  # (dim, PROJECTION), learned with the model

    def target_sentences(self, item: StanceInput) -> list[str]:
        return _spans_with(item.answer, item.in_answer.forms)

    @staticmethod
    def camp_sentences(item: StanceInput) -> list[str]:
        return _spans_with(item.answer, [f for r in item.camp for f in r.forms]) if item.camp else []

    def texts(self, items: list[StanceInput], targets: list[list[str]] | None = None,
              camps: list[list[str]] | None = None) -> list[str]:
        """Every text the features embed: answers, target sentences and the sentences about the
        actor's camp (`targets`, `camps`, when the caller has already split them out)."""
        if targets is None:
            targets = [self.target_sentences(item) for item in items]
        if camps is None:
            camps = [self.camp_sentences(item) for item in items]
        out = []
        for item, target, camp in zip(items, targets, camps):
            out += [item.answer, *target, *camp]
        return list(dict.fromkeys(t for t in out if t))

    def target_vectors(self, items: list[StanceInput]) -> np.ndarray:
        targets = [self.target_sentences(item) for item in items]
        texts = self.texts(items, targets, camps=[[] for _ in items])  # the camp is not the target
        vectors = dict(zip(texts, self.embedder.embed(texts))) if texts else {}
        rows = []
        for item, target in zip(items, targets):
            chosen = [vectors[t] for t in target] or ([vectors[item.answer]] if item.answer in vectors else [])
            rows.append(_unit(_mean(chosen)) if chosen else np.zeros(len(next(iter(self.prototypes.values())))))
        return np.array(rows)

    def features(self, items: list[StanceInput]) -> tuple[np.ndarray, list[list[str]]]:
        targets = [self.target_sentences(item) for item in items]
        camps = [self.camp_sentences(item) for item in items]
        texts = self.texts(items, targets, camps)
        vectors = dict(zip(texts, self.embedder.embed(texts))) if texts else {}
        cues = self.lexicon.cues
        rows = []
        for item, target, camp in zip(items, targets, camps):
            answer_vector = _unit(vectors[item.answer]) if item.answer in vectors else None
            target_vector = _unit(_mean([vectors[t] for t in target])) if target else answer_vector
            target_text = " ".join(target) if target else item.answer
            answer_cues = {label: min(len(cues[label].findall(item.answer)), 6) / 6 for label in LABELS}
            quoted = float(is_quoted(item.question, item.in_question.forms))
            row = {}
            for label in LABELS:
                prototype = self.prototypes[label]
                row[f"target_like_{label}"] = float(target_vector @ prototype) if target_vector is not None else 0.0
                row[f"answer_like_{label}"] = float(answer_vector @ prototype) if answer_vector is not None else 0.0
                row[f"target_cues_{label}"] = min(len(cues[label].findall(target_text)), 4) / 4
                row[f"answer_cues_{label}"] = answer_cues[label]
            row["target_answer_similarity"] = (
                float(target_vector @ answer_vector) if target_vector is not None and answer_vector is not None else 0.0
            )
            row["quoted_in_question"] = quoted
            row["quoted_and_rebutted"] = quoted * answer_cues["oppose"]
            row["quoted_and_deflected"] = quoted * answer_cues["neutral"]
            row["own_state"] = float(item.actor.id == item.speaker_state)
            row["own_side"] = float(item.speaker_side)
            rival_text = " ".join(_spans_with(item.answer, [f for r in item.rivals for f in r.forms]))
            row["rival_supported"] = min(len(cues["support"].findall(rival_text)), 3) / 3
            row["rival_opposed"] = min(len(cues["oppose"].findall(rival_text)), 3) / 3
            camp_vector = _unit(_mean([vectors[t] for t in camp])) if camp else None
            row["has_camp"] = float(bool(camp))
            for label in LABELS:
                row[f"camp_like_{label}"] = float(camp_vector @ self.prototypes[label]) if camp else 0.0
            camp_text = " ".join(camp)
            row["camp_supported"] = min(len(cues["support"].findall(camp_text)), 3) / 3
            row["camp_opposed"] = min(len(cues["oppose"].findall(camp_text)), 3) / 3
            unnamed = item.in_answer.cls in ("absent", "oblique")
            row["unnamed_and_condemned"] = float(unnamed) * answer_cues["oppose"]
            row["unnamed_and_supported"] = float(unnamed) * answer_cues["support"]
            row["target_negation"] = min(len(_NEGATION.findall(target_text)), 3) / 3 if target else 0.0
            harm = self.lexicon.harm.roles(item.answer, [(f.start, f.end) for f in item.in_answer.forms])
            row["target_harmed"] = harm.harmed
            row["target_harmed_condemned"] = harm.harmed_condemned
            row["target_harming"] = harm.harming
            row.update({f"answer_{c}": float(item.in_answer.cls == c) for c in CLASSES})
            row.update({f"kind_{k}": float(item.actor.kind == k) for k in KINDS})
            projected = (target_vector @ self.projection) if self.projection is not None and target_vector is not None else None
            for n in range(PROJECTION):
                row[f"projection_{n}"] = float(projected[n]) if projected is not None else 0.0
            rows.append([row[name] for name in FEATURES])
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURES)), targets

    def evidence(self, item: StanceInput, target: list[str], label: str) -> list[str]:
        """The sentences that carry the stance: those about the actor, else the answer's cue sentences."""
        pool = target or [item.answer[s:e] for s, e in sentences(item.answer)]
        cued = [s for s in pool if self.lexicon.cues[label].search(s)]
        return (cued or pool)[:2]


@dataclass
class StanceModel:
    weights: np.ndarray  # (labels, features)
    bias: np.ndarray  # (labels,)
    projection: np.ndarray  # (embedding dim, PROJECTION)
    model_id: str
    lexicon_fingerprint: str
    trained_on: str
    training: str  # a hash of the training examples and settings

    @property
    def version(self) -> str:
        """Method and the hash of what it was trained on and how: the same data and settings give
        the same version on any machine, whatever the last bits of the floats."""
        return f"{METHOD}-{self.training[:12]}"

    def probabilities(self, matrix: np.ndarray) -> np.ndarray:
        logits = matrix @ self.weights.T + self.bias
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    @classmethod
    def load(cls, path: str | Path = DEFAULT_MODEL_FILE) -> StanceModel:
        path = Path(path)
        if not path.is_file():
            raise StanceModelError(f"no stance model at {path}: build it with `communique train stance`")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise StanceModelError(f"{path}: not a stance model ({error.msg})") from error
        if data.get("features") != list(FEATURES):
            raise StanceModelError(f"{path} was trained on other features: rebuild it with `communique train stance`")
        return cls(np.array(data["weights"], dtype=np.float64), np.array(data["bias"], dtype=np.float64),
                   np.array(data["projection"], dtype=np.float64), data["model"], data["lexicon"],
                   data.get("trained_on", ""), data["training"])

    def save(self, path: str | Path) -> None:
        payload = {
            "about": "multinomial logistic stance model over embedding features; see analysis/stance.py",
            "method": METHOD,
            "labels": list(LABELS),
            "model": self.model_id,
            "lexicon": self.lexicon_fingerprint,
            "trained_on": self.trained_on,
            "training": self.training,
            "features": list(FEATURES),
            "bias": [round(float(b), 7) for b in self.bias],
            "weights": [[round(float(w), 7) for w in row] for row in self.weights],
            "projection": [[round(float(w), 6) for w in row] for row in self.projection],
        }
        Path(path).write_text(json.dumps(payload) + "\n", encoding="utf-8")


class StanceScorer:
    def __init__(self, embedder, model: StanceModel | None = None, lexicon: StanceLexicon | None = None):
        self.model = model or StanceModel.load()
        if self.model.model_id != embedder.model_id:
            raise StanceModelError(
                f"the stance model was trained on {self.model.model_id} vectors, not {embedder.model_id}: "
                "retrain it with `communique train stance --model ...`"
            )
        self.featurizer = StanceFeaturizer(embedder, lexicon, self.model.projection)

    @property
    def version(self) -> str:
        return self.model.version

    def score(self, items: list[StanceInput]) -> list[Stance]:
        if not items:
            return []
        matrix, targets = self.featurizer.features(items)
        probabilities = self.model.probabilities(matrix)
        results = []
        for item, target, row in zip(items, targets, probabilities):
            best = int(np.argmax(row))
            label = LABELS[best]
            results.append(Stance(
                label=label,
                score=float(row[0] - row[1]),
                confidence=float(row[best]),
                probabilities={name: float(p) for name, p in zip(LABELS, row)},
                evidence=self.featurizer.evidence(item, target, label),
            ))
        return results


class PrototypeJudge:
    """The zero-shot baseline: the prototype closest to the sentences about the actor."""

    version = "stance-prototypes"

    def __init__(self, embedder, lexicon: StanceLexicon | None = None):
        self.featurizer = StanceFeaturizer(embedder, lexicon)

    def score(self, items: list[StanceInput]) -> list[Stance]:
        if not items:
            return []
        vectors = self.featurizer.target_vectors(items)
        prototypes = np.stack([self.featurizer.prototypes[label] for label in LABELS])
        similarities = vectors @ prototypes.T
        results = []
        for item, row in zip(items, similarities):
            exp = np.exp((row - row.max()) * 20)  # a softmax that makes similarities read as confidences
            probabilities = exp / exp.sum()
            best = int(np.argmax(row))
            results.append(Stance(LABELS[best], float(probabilities[0] - probabilities[1]), float(probabilities[best]),
                                  dict(zip(LABELS, map(float, probabilities))),
                                  self.featurizer.evidence(item, self.featurizer.target_sentences(item), LABELS[best])))
        return results


# Chosen by leave-one-ministry-out cross-validation (see README, "Stance").
REGULARISATION = 0.3


def fit(inputs: list[StanceInput], labels: list[str], embedder, trained_on: str,
        c: float = REGULARISATION, lexicon: StanceLexicon | None = None, reading: str = "") -> StanceModel:
    """Fit the projection (PCA of the training targets' embeddings) and the logistic model."""
    from sklearn.decomposition import PCA
    from sklearn.linear_model import LogisticRegression

    if len(set(labels)) < len(LABELS):
        raise StanceModelError(f"{trained_on}: training a stance model needs labels of all three classes "
                               f"(these have {', '.join(sorted(set(labels))) or 'none'})")
    lexicon = lexicon or StanceLexicon()
    examples = sorted(json.dumps([i.question, i.answer, i.actor.id, label]) for i, label in zip(inputs, labels))
    training = hashlib.sha256(json.dumps(
        [METHOD, embedder.model_id, lexicon.fingerprint, c, PROJECTION, list(FEATURES), reading, examples]
    ).encode()).hexdigest()
    plain = StanceFeaturizer(embedder, lexicon)
    targets = plain.target_vectors(inputs)
    pca = PCA(n_components=PROJECTION, random_state=0).fit(targets)
    projection = pca.components_.T.copy()  # centring left out: the logistic bias absorbs it
    featurizer = StanceFeaturizer(embedder, lexicon, projection)
    matrix, _ = featurizer.features(inputs)
    y = np.array([LABELS.index(label) for label in labels])
    classifier = LogisticRegression(C=c, max_iter=5000, class_weight="balanced")
    classifier.fit(matrix, y)
    weights = np.zeros((len(LABELS), matrix.shape[1]))
    bias = np.zeros(len(LABELS))
    for row, cls in enumerate(classifier.classes_):
        weights[cls] = classifier.coef_[row]
        bias[cls] = classifier.intercept_[row]
    return StanceModel(weights, bias, projection, embedder.model_id, lexicon.fingerprint, trained_on, training)


def train_judge(registry, reader, items, embedder, trained_on: str = "cross-validation fold",
                prepared: dict | None = None) -> StanceScorer:
    from .evaluate import stance_training_data

    inputs, labels = stance_training_data(registry, reader, items, prepared)
    return StanceScorer(embedder, fit(inputs, labels, embedder, trained_on, reading=reader.version))


def shipped_judge(embedder) -> StanceScorer:
    return StanceScorer(embedder)


# -- what a judgement needs of a reading ------------------------------------------------------

GOVERNMENT_OFFICES = frozenset({"head_of_state", "head_of_government", "foreign_minister", "deputy_foreign_minister",
                                "defence_minister", "spokesperson", "vice_president", "ambassador"})
OPPOSITION_OFFICES = frozenset({"claimant", "opposition_leader"})


def side(registry, actor: Actor, day: str | None) -> str | None:
    """"government" or "opposition" within the actor's state, from its institution or its offices that day."""
    if actor.institution:
        return "opposition" if actor.institution == "opposition" else "government"
    offices = {o.office for o in actor.offices_on(day)} | {o.claims for o in actor.offices_on(day) if o.claims}
    if offices & OPPOSITION_OFFICES or "claimant" in offices:
        return "opposition"
    if offices & GOVERNMENT_OFFICES:
        return "government"
    return None


def stance_input(registry, turn, reading, actor_id: str) -> StanceInput:
    """The (answer, actor) pair of a reading, with the actor's own side, its rivals and its camp
    in the answer."""
    actor = registry[actor_id]
    state = registry.anchor(actor)
    # a state stands with its government: the two are one camp, the opposition another
    mine = "state" if actor.kind == "state" else side(registry, actor, turn.date)
    rivals, camp = [], []
    if state and mine:
        for other_id, reference in reading.answer.items():
            other = registry.get(other_id)
            if other is None or other_id == actor.id or registry.anchor(other) != state:
                continue
            theirs = "state" if other.kind == "state" else side(registry, other, turn.date)
            if not theirs:
                continue
            sides = {mine, theirs}
            if sides == {"government", "opposition"}:
                rivals.append(reference)
            elif "opposition" not in sides or sides == {"opposition"}:
                camp.append(reference)
    return StanceInput(turn.question or "", turn.text, actor, reading.question_reference(actor.id),
                       reading.answer_reference(actor.id), turn.speaker_state,
                       speaker_side=state is not None and state == turn.speaker_state, rivals=tuple(rivals),
                       camp=tuple(camp))
