"""Stance of an answer toward each actor it or its question refers to.

A multinomial logistic model over target-aware features:
- how close, in embedding space, the answer's sentences about the actor (those holding
  its names, roles or oblique forms; the whole answer when it leaves the actor out), the
  whole answer, and the question's sentences about the actor are to prototype statements
  of support, opposition and neutrality (analysis/data/stance_lexicon.yaml);
- counts of cue words in those sentences and in the answer;
- whether the question quotes the actor (and the answer rebuts or deflects), whether
  the actor is the speaking ministry's own state, how the question and the answer refer
  to it, and its kind.
Raw embedding dimensions were tried as features too (answer, target sentences, question:
1,152 more): held out by episode on the tuning split they added nothing (macro-F1 0.64
with them, 0.66 without), so the model stays small and readable.
Trained with scikit-learn by `communique train stance` and shipped as JSON weights
(analysis/data/stance_model.json); predicting needs only numpy. The score is
P(support) - P(oppose), in [-1, 1]; the confidence is the probability of the label.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from .oblique import is_quoted
from .references import CLASSES, Reference
from .registry import KINDS, Actor
from .text import sentences

LABELS = ("support", "oppose", "neutral")
FEATURES = (
    *(f"{kind}_{label}" for label in LABELS
      for kind in ("target_like", "answer_like", "question_like", "target_cues", "answer_cues")),
    "target_answer_similarity",
    "quoted_in_question",
    "quoted_and_rebutted",
    "quoted_and_deflected",
    "own_state",
    *(f"answer_{c}" for c in CLASSES),
    *(f"question_{c}" for c in CLASSES),
    *(f"kind_{k}" for k in KINDS),
)
DEFAULT_MODEL_FILE = Path(__file__).parent / "data" / "stance_model.json"
DEFAULT_LEXICON = Path(__file__).parent / "data" / "stance_lexicon.yaml"
METHOD = "stance-logreg-1"


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


def speaker_state(country_code: str | None) -> str | None:
    codes = yaml.safe_load((Path(__file__).parent / "data" / "countries.yaml").read_text(encoding="utf-8"))
    return codes.get((country_code or "").upper())


@dataclass
class Stance:
    label: str
    score: float
    confidence: float
    probabilities: dict[str, float]
    evidence: list[str]


class StanceLexicon:
    def __init__(self, path: str | Path = DEFAULT_LEXICON):
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        self.cues = {label: re.compile("|".join(f"(?:{p})" for p in data["cues"][label]), re.I) for label in LABELS}
        self.prototypes = {label: list(data["prototypes"][label]) for label in LABELS}
        self.fingerprint = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def _spans_with(text: str, forms) -> list[str]:
    spans = sentences(text)
    chosen = []
    for start, end in spans:
        if any(start <= form.start < end for form in forms):
            chosen.append(text[start:end])
    return list(dict.fromkeys(chosen))


class StanceFeaturizer:
    def __init__(self, embedder, lexicon: StanceLexicon | None = None):
        self.embedder = embedder
        self.lexicon = lexicon or StanceLexicon()
        vectors = {label: embedder.embed(texts) for label, texts in self.lexicon.prototypes.items()}
        self.prototypes = {label: _unit(v.mean(axis=0)) for label, v in vectors.items()}

    def target_sentences(self, item: StanceInput) -> list[str]:
        return _spans_with(item.answer, item.in_answer.forms)

    def features(self, items: list[StanceInput]) -> tuple[np.ndarray, list[list[str]]]:
        targets = [self.target_sentences(item) for item in items]
        about = [_spans_with(item.question, item.in_question.forms) for item in items]
        texts = list(dict.fromkeys(
            t for item, target, q in zip(items, targets, about) for t in (item.answer, *target, *q) if t
        ))
        vectors = dict(zip(texts, self.embedder.embed(texts))) if texts else {}
        rows = []
        for item, target, q in zip(items, targets, about):
            answer_vector = _unit(vectors[item.answer]) if item.answer in vectors else None
            target_vector = _unit(_mean([vectors[t] for t in target])) if target else answer_vector
            question_vector = _unit(_mean([vectors[t] for t in q])) if q else None
            target_text = " ".join(target) if target else item.answer
            answer_cues = {label: min(len(self.lexicon.cues[label].findall(item.answer)), 6) / 6 for label in LABELS}
            quoted = float(is_quoted(item.question, item.in_question.forms))
            row = {}
            for label in LABELS:
                prototype = self.prototypes[label]
                row[f"target_like_{label}"] = float(target_vector @ prototype) if target_vector is not None else 0.0
                row[f"answer_like_{label}"] = float(answer_vector @ prototype) if answer_vector is not None else 0.0
                row[f"question_like_{label}"] = float(question_vector @ prototype) if question_vector is not None else 0.0
                row[f"target_cues_{label}"] = min(len(self.lexicon.cues[label].findall(target_text)), 4) / 4
                row[f"answer_cues_{label}"] = answer_cues[label]
            row["target_answer_similarity"] = (
                float(target_vector @ answer_vector) if target_vector is not None and answer_vector is not None else 0.0
            )
            row["quoted_in_question"] = quoted
            row["quoted_and_rebutted"] = quoted * answer_cues["oppose"]
            row["quoted_and_deflected"] = quoted * answer_cues["neutral"]
            row["own_state"] = float(item.actor.id == item.speaker_state)
            row.update({f"answer_{c}": float(item.in_answer.cls == c) for c in CLASSES})
            row.update({f"question_{c}": float(item.in_question.cls == c) for c in CLASSES})
            row.update({f"kind_{k}": float(item.actor.kind == k) for k in KINDS})
            rows.append([row[name] for name in FEATURES])
        return np.array(rows, dtype=np.float64).reshape(len(rows), len(FEATURES)), targets

    def evidence(self, item: StanceInput, target: list[str], label: str) -> list[str]:
        """The sentences that carry the stance: those about the actor, else the answer's cue sentences."""
        if target:
            pool = target
        else:
            pool = [item.answer[s:e] for s, e in sentences(item.answer)]
        cued = [s for s in pool if self.lexicon.cues[label].search(s)]
        return (cued or pool)[:2]


def _unit(vector: np.ndarray) -> np.ndarray:
    return vector / max(float(np.linalg.norm(vector)), 1e-12)


def _mean(vectors: list[np.ndarray]) -> np.ndarray:
    return np.mean(np.stack(vectors), axis=0)


@dataclass
class StanceModel:
    weights: np.ndarray  # (labels, features)
    bias: np.ndarray  # (labels,)
    model_id: str
    lexicon_fingerprint: str
    trained_on: str

    @property
    def version(self) -> str:
        """Method and a hash of the weights as saved (rounded), so a reload has the same version."""
        rounded = np.round(self.weights, 7).tobytes() + np.round(self.bias, 7).tobytes()
        return f"{METHOD}-{hashlib.sha256(rounded).hexdigest()[:12]}"

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
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("features") != list(FEATURES):
            raise StanceModelError(f"{path} was trained on other features: rebuild it with `communique train stance`")
        return cls(np.array(data["weights"], dtype=np.float64), np.array(data["bias"], dtype=np.float64),
                   data["model"], data["lexicon"], data.get("trained_on", ""))

    def save(self, path: str | Path) -> None:
        payload = {
            "about": "multinomial logistic stance model over embedding features; see analysis/stance.py",
            "method": METHOD,
            "labels": list(LABELS),
            "model": self.model_id,
            "lexicon": self.lexicon_fingerprint,
            "trained_on": self.trained_on,
            "features": list(FEATURES),
            "bias": [round(float(b), 7) for b in self.bias],
            "weights": [[round(float(w), 7) for w in row] for row in self.weights],
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
        self.featurizer = StanceFeaturizer(embedder, lexicon)

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
                probabilities={l: float(p) for l, p in zip(LABELS, row)},
                evidence=self.featurizer.evidence(item, target, label),
            ))
        return results


# Chosen by leave-one-episode-out cross-validation on the tuning episodes only.
REGULARISATION = 0.3


def fit(matrix: np.ndarray, labels: list[str], model_id: str, lexicon_fingerprint: str, trained_on: str,
        c: float = REGULARISATION) -> StanceModel:
    """Fit the logistic model (scikit-learn is needed only here)."""
    from sklearn.linear_model import LogisticRegression

    y = np.array([LABELS.index(label) for label in labels])
    classifier = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    classifier.fit(matrix, y)
    weights = np.zeros((len(LABELS), matrix.shape[1]))
    bias = np.zeros(len(LABELS))
    for row, cls in enumerate(classifier.classes_):
        weights[cls] = classifier.coef_[row]
        bias[cls] = classifier.intercept_[row]
    return StanceModel(weights, bias, model_id, lexicon_fingerprint, trained_on)
