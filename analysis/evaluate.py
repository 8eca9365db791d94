"""Score the analysis against a labelled file (the format of DESIGN.md): naming, avoidance, stance."""

from __future__ import annotations

import json

import numpy as np
from dataclasses import dataclass
from pathlib import Path

from .references import CLASSES

STANCES = ("support", "oppose", "neutral")


class LabelledFileError(ValueError):
    """A labelled file is missing or malformed."""


@dataclass
class LabelledActor:
    actor: str
    in_question: str
    in_answer: str
    answer_forms: list[str]
    stance: str | None


@dataclass
class LabelledItem:
    id: str
    episode: str | None
    ministry: str | None
    question: str | None
    answer: str
    actors: list[LabelledActor]
    raw: dict


def read_labelled(path: str | Path) -> list[LabelledItem]:
    path = Path(path)
    if not path.is_file():
        raise LabelledFileError(f"no labelled file at {path}")
    items = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            where = f"{path}:{number}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as error:
                raise LabelledFileError(f"{where}: not JSON ({error.msg})") from error
            for key in ("id", "answer", "actors"):
                if key not in raw:
                    raise LabelledFileError(f"{where}: missing {key!r}")
            actors = []
            for label in raw["actors"]:
                for key in ("in_question", "in_answer"):
                    if label.get(key) not in CLASSES:
                        raise LabelledFileError(
                            f"{where}: actor {label.get('actor')!r} has {key}={label.get(key)!r}; "
                            f"expected one of {', '.join(CLASSES)}"
                        )
                if label.get("stance") not in (None, *STANCES):
                    raise LabelledFileError(f"{where}: actor {label.get('actor')!r} has stance {label['stance']!r}")
                actors.append(LabelledActor(label["actor"], label["in_question"], label["in_answer"],
                                            list(label.get("answer_forms") or []), label.get("stance")))
            items.append(LabelledItem(raw["id"], raw.get("episode"), raw.get("ministry"), raw.get("question"),
                                      raw["answer"], actors, raw))
    return items


def classification_report(gold: list[str], predicted: list[str], labels: tuple[str, ...]) -> dict:
    """Accuracy, macro-F1 over `labels`, per-class precision/recall/F1/support, confusion[gold][pred]."""
    per_class = {}
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted))
        fp = sum(g != label and p == label for g, p in zip(gold, predicted))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_class[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    confusion = {g: {p: 0 for p in labels} for g in labels}
    for g, p in zip(gold, predicted):
        confusion[g][p] += 1
    correct = sum(g == p for g, p in zip(gold, predicted))
    return {
        "accuracy": correct / len(gold) if gold else 0.0,
        "macro_f1": sum(c["f1"] for c in per_class.values()) / len(labels),
        "per_class": per_class,
        "confusion": confusion,
        "n": len(gold),
    }


def binary_report(gold: list[bool], predicted: list[bool]) -> dict:
    tp = sum(g and p for g, p in zip(gold, predicted))
    fp = sum(p and not g for g, p in zip(gold, predicted))
    fn = sum(g and not p for g, p in zip(gold, predicted))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}


def split_episodes(split: str) -> set[str] | None:
    if split == "all":
        return None
    import yaml

    splits = yaml.safe_load((Path(__file__).parent / "data" / "splits.yaml").read_text(encoding="utf-8"))
    return set(splits[split])


def evaluate_all(path: str | Path, registry, split: str = "all", stance: str = "model", embedder=None) -> dict:
    """What `communique evaluate` prints: naming, question naming, avoidance, stance.

    `stance` is "model" (the shipped stance model), "cross-validate" (train on all
    episodes but one, test on it, for each episode) or "none".
    """
    from .naming import NamingAnalyzer
    from .registry import RegistryError

    items = read_labelled(path)
    episodes = split_episodes(split)
    if episodes is not None:
        items = [item for item in items if item.episode in episodes]
    unknown = sorted({label.actor for item in items for label in item.actors} - set(registry.actors))
    if unknown:
        raise RegistryError(f"{path}: actors not in the registry: {', '.join(unknown)} (pass their file with --actors)")
    analyzer = NamingAnalyzer(registry)
    result = evaluate_naming(items, analyzer)
    result["split"] = split
    result["stance"] = None
    if stance != "none" and any(label.stance for item in items for label in item.actors):
        from .embeddings import Embedder

        embedder = embedder or Embedder()
        if stance == "cross-validate":
            result["stance"] = cross_validate_stance(items, analyzer, embedder)
            result["stance"]["method"] = "leave-one-episode-out cross-validation"
        else:
            from .stance import StanceScorer

            scorer = StanceScorer(embedder)
            result["stance"] = evaluate_stance(items, analyzer, scorer)
            result["stance"]["method"] = f"shipped model {scorer.version}"
    return result


def format_report(result: dict, show_errors: bool = False) -> str:
    naming = result["naming"]
    lines = [
        f"{result['n_items']} items, {naming['n']} actor labels (split: {result['split']})",
        "",
        f"Answer naming: accuracy {naming['accuracy']:.3f}, macro-F1 {naming['macro_f1']:.3f}",
        f"  {'class':<9}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}",
    ]
    for label, row in naming["per_class"].items():
        lines.append(f"  {label:<9}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>7.3f}{row['support']:>9}")
    lines += ["", "  confusion (rows: labelled, columns: predicted)", "  " + " " * 9 + "".join(f"{c:>9}" for c in CLASSES)]
    for gold, row in naming["confusion"].items():
        lines.append(f"  {gold:<9}" + "".join(f"{row[c]:>9}" for c in CLASSES))
    avoidance = result["avoidance"]
    lines += [
        "",
        f"Question naming: accuracy {result['question_naming']['accuracy']:.3f}",
        f"Avoidance: precision {avoidance['precision']:.3f}, recall {avoidance['recall']:.3f}, "
        f"F1 {avoidance['f1']:.3f} ({avoidance['support']} avoided)",
    ]
    stance = result.get("stance")
    if stance:
        lines += [
            "",
            f"Stance ({stance['method']}): accuracy {stance['accuracy']:.3f}, macro-F1 {stance['macro_f1']:.3f}, "
            f"expected calibration error {stance['ece']:.3f}",
            f"  {'class':<9}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}",
        ]
        for label, row in stance["per_class"].items():
            lines.append(f"  {label:<9}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>7.3f}{row['support']:>9}")
    else:
        lines.append("Stance: no stance labels (or --stance none)")
    if show_errors:
        lines += ["", "Misread answer references:"]
        for error in result["errors"]:
            lines.append(f"  {error['id']} {error['actor']}: labelled {error['gold']} {error['gold_forms']}, "
                         f"read {error['predicted']} {error['forms']}")
    return "\n".join(lines)


def evaluate_naming(items: list[LabelledItem], analyzer) -> dict:
    gold_answer, pred_answer, gold_question, pred_question = [], [], [], []
    gold_avoided, pred_avoided = [], []
    errors = []
    for item in items:
        reading = analyzer.read_pair(item.question, item.answer, [label.actor for label in item.actors])
        for label in item.actors:
            q, a = reading.question[label.actor].cls, reading.answer[label.actor].cls
            gold_answer.append(label.in_answer)
            pred_answer.append(a)
            gold_question.append(label.in_question)
            pred_question.append(q)
            gold_avoided.append(label.in_question == "named" and label.in_answer != "named")
            pred_avoided.append(q == "named" and a != "named")
            if a != label.in_answer:
                errors.append({"id": item.id, "actor": label.actor, "gold": label.in_answer, "predicted": a,
                               "forms": [f.text for f in reading.answer[label.actor].forms],
                               "gold_forms": label.answer_forms})
    naming = classification_report(gold_answer, pred_answer, CLASSES)
    question = classification_report(gold_question, pred_question, CLASSES)
    return {
        "n_items": len(items),
        "naming": naming,
        "question_naming": {"accuracy": question["accuracy"], "macro_f1": question["macro_f1"]},
        "avoidance": binary_report(gold_avoided, pred_avoided),
        "errors": errors,
    }


def expected_calibration_error(confidences: list[float], correct: list[bool], bins: int = 10) -> float:
    """Mean gap between confidence and accuracy over equal-width confidence bins, weighted by size."""
    total = len(confidences)
    if not total:
        return 0.0
    error = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [i for i, c in enumerate(confidences) if low < c <= high or (b == 0 and c == 0)]
        if members:
            accuracy = sum(correct[i] for i in members) / len(members)
            confidence = sum(confidences[i] for i in members) / len(members)
            error += len(members) / total * abs(accuracy - confidence)
    return error


def stance_inputs(items: list[LabelledItem], analyzer):
    """StanceInputs for every labelled actor with a stance, with gold labels and episodes."""
    from .stance import StanceInput, speaker_state

    inputs, gold, episodes = [], [], []
    for item in items:
        labelled = [label for label in item.actors if label.stance]
        if not labelled:
            continue
        reading = analyzer.read_pair(item.question, item.answer, [label.actor for label in labelled])
        for label in labelled:
            inputs.append(StanceInput(item.question or "", item.answer, analyzer.registry[label.actor],
                                      reading.question[label.actor], reading.answer[label.actor],
                                      speaker_state(item.raw.get("country"))))
            gold.append(label.stance)
            episodes.append(item.episode or item.id)
    return inputs, gold, episodes


def stance_report(gold: list[str], predicted: list[str], confidences: list[float]) -> dict:
    report = classification_report(gold, predicted, STANCES)
    report["ece"] = expected_calibration_error(confidences, [g == p for g, p in zip(gold, predicted)])
    return report


def evaluate_stance(items: list[LabelledItem], analyzer, scorer) -> dict:
    inputs, gold, _ = stance_inputs(items, analyzer)
    results = scorer.score(inputs)
    return stance_report(gold, [r.label for r in results], [r.confidence for r in results])


def cross_validate_stance(items: list[LabelledItem], analyzer, embedder, c: float | None = None) -> dict:
    """Train on all episodes but one, test on that one, for each episode; pooled figures."""
    from .stance import LABELS, REGULARISATION, StanceFeaturizer, fit

    c = REGULARISATION if c is None else c
    inputs, gold, episodes = stance_inputs(items, analyzer)
    featurizer = StanceFeaturizer(embedder)
    matrix, _ = featurizer.features(inputs)
    predicted, confidences = [None] * len(gold), [0.0] * len(gold)
    per_episode = {}
    for episode in sorted(set(episodes)):
        test = [i for i, e in enumerate(episodes) if e == episode]
        train = [i for i, e in enumerate(episodes) if e != episode]
        model = fit(matrix[train], [gold[i] for i in train], embedder.model_id, "", "cv", c=c)
        probabilities = model.probabilities(matrix[test])
        for i, row in zip(test, probabilities):
            predicted[i] = LABELS[int(np.argmax(row))]
            confidences[i] = float(row.max())
        per_episode[episode] = sum(predicted[i] == gold[i] for i in test) / len(test)
    report = stance_report(gold, predicted, confidences)
    report["per_episode_accuracy"] = per_episode
    return report


def train_stance_model(path: str | Path, registry, embedder, output: str | Path) -> dict:
    """Fit the stance model on every labelled pair of `path` and write it to `output`."""
    from .naming import NamingAnalyzer
    from .stance import StanceFeaturizer, fit

    items = read_labelled(path)
    analyzer = NamingAnalyzer(registry)
    inputs, gold, _ = stance_inputs(items, analyzer)
    if len(set(gold)) < 3:
        raise LabelledFileError(f"{path}: stance labels of all three classes are needed to train")
    featurizer = StanceFeaturizer(embedder)
    matrix, _ = featurizer.features(inputs)
    model = fit(matrix, gold, embedder.model_id, featurizer.lexicon.fingerprint, Path(path).name)
    model.save(output)
    return {"examples": len(gold), "version": model.version, "output": str(output)}
