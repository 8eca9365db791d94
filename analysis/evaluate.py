"""Score the analysis against a labelled file (the format of DESIGN.md): naming, avoidance, stance."""

from __future__ import annotations

import json
from collections import Counter
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


def evaluate_all(path: str | Path, registry, split: str = "all") -> dict:
    """What `communique evaluate` prints: naming, question naming, avoidance, stance."""
    from .naming import NamingAnalyzer
    from .registry import RegistryError

    items = read_labelled(path)
    episodes = split_episodes(split)
    if episodes is not None:
        items = [item for item in items if item.episode in episodes]
    unknown = sorted({label.actor for item in items for label in item.actors} - set(registry.actors))
    if unknown:
        raise RegistryError(f"{path}: actors not in the registry: {', '.join(unknown)} (pass their file with --actors)")
    result = evaluate_naming(items, NamingAnalyzer(registry))
    result["stance"] = None
    result["split"] = split
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
        "Stance: not measured yet",
    ]
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
