"""Score the analysis against labelled files (the format of DESIGN.md): naming, avoidance, stance.

Evaluation runs the reading `analyze` runs (`analysis.reading.Reader` on a `Turn` made
of the item's question, answer, date and ministry); the labelled actor list only selects
which predictions are scored. Learned parts (the oblique linker, the stance model) are
either the shipped ones or, with `cv`, trained afresh on every fold but one and scored
on that one: leave one ministry out, or one episode out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .references import CLASSES

STANCES = ("support", "oppose", "neutral")
METHODS = ("reading", "learned", "lexical")


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
    raw: dict = field(default_factory=dict)
    page: str = ""  # the other statements of its page, when no item of the page has a question (`Turn.page`)

    @property
    def date(self) -> str | None:
        value = self.raw.get("date")
        return value if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else None

    @property
    def country(self) -> str | None:
        return self.raw.get("country")

    @property
    def ministry_group(self) -> str:
        """The ministry without the office it spoke through: "Russia MFA (Embassy in London)" -> "Russia MFA"."""
        return re.sub(r"\s*\(.*\)\s*$", "", self.ministry or "unknown ministry")


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
            if not isinstance(raw, dict):
                raise LabelledFileError(f"{where}: expected an object")
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


def read_all_labelled(paths: Sequence[str | Path]) -> list[LabelledItem]:
    items = []
    seen: dict[str, str] = {}
    for path in paths:
        for item in read_labelled(path):
            if item.id in seen:
                raise LabelledFileError(f"{path}: item id {item.id!r} is also in {seen[item.id]}")
            seen[item.id] = str(path)
            items.append(item)
    return with_pages(items)


def with_pages(items: list[LabelledItem]) -> list[LabelledItem]:
    """Items of one page (one `url`), none of them with a question, are statements of one text,
    as `analyze` reads a page's paragraphs: each gets the others as its page."""
    pages: dict[str, list[LabelledItem]] = {}
    for item in items:
        if item.raw.get("url"):
            pages.setdefault(item.raw["url"], []).append(item)
    for page in pages.values():
        if len(page) > 1 and not any(item.question for item in page):
            for item in page:
                item.page = "\n\n".join(other.answer for other in page if other is not item)
    return items


def check_actors(items: list[LabelledItem], registry, where: str) -> None:
    from .registry import RegistryError

    unknown = sorted({label.actor for item in items for label in item.actors} - {a for a in _known(registry, items)})
    if unknown:
        raise RegistryError(f"{where}: actors not in the registry: {', '.join(unknown)} (pass their file with --actors)")


def _known(registry, items):
    return {label.actor for item in items for label in item.actors if label.actor in registry}


def stance_training_data(registry, reader, items: list[LabelledItem], prepared: dict | None = None):
    """(inputs, gold labels) of every labelled actor with a stance, read as `analyze` reads.

    Oblique links are left to the rules here: a stance model must not learn from a
    linker trained on the same items.
    """
    from .stance import stance_input

    turns = [turn_of(item, registry) for item in items]
    if prepared is not None:
        for item, turn in zip(items, turns):
            if item.id not in prepared:
                prepared[item.id] = reader.prepare(turn)
        readings = reader.read_many(turns, [prepared[item.id] for item in items])
    else:
        readings = reader.read_many(turns)
    inputs, labels = [], []
    for item, turn, reading in zip(items, turns, readings):
        for label in item.actors:
            if label.stance:
                inputs.append(stance_input(registry, turn, reading, registry.canonical(label.actor)))
                labels.append(label.stance)
    return inputs, labels


def train_stance_model(items: list[LabelledItem], registry, embedder, output: str | Path, trained_on: str) -> dict:
    """Fit the stance model on every labelled (answer, actor) and write it to `output`."""
    from .reading import Reader
    from .stance import fit

    check_actors(items, registry, trained_on)
    reader = Reader(registry)
    inputs, labels = stance_training_data(registry, reader, items)
    if len(set(labels)) < 3:
        raise LabelledFileError(f"{trained_on}: stance labels of all three classes are needed to train")
    model = fit(inputs, labels, embedder, trained_on, reading=reader.version)
    model.save(output)
    return {"examples": len(labels), "version": model.version, "output": str(output)}


def turn_of(item: LabelledItem, registry):
    from .reading import Turn

    return Turn(text=item.answer, question=item.question, date=item.date, speaker_state=registry.speaker(item.country),
                page=item.page)


# -- figures ------------------------------------------------------------------------------


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
    present = [label for label in labels if per_class[label]["support"]]
    return {
        "n": len(gold),
        "accuracy": correct / len(gold) if gold else 0.0,
        "macro_f1": sum(per_class[label]["f1"] for label in present) / len(present) if present else 0.0,
        "per_class": per_class,
        "confusion": confusion,
    }


def binary_report(gold: list[bool], predicted: list[bool]) -> dict:
    tp = sum(g and p for g, p in zip(gold, predicted))
    fp = sum(p and not g for g, p in zip(gold, predicted))
    fn = sum(g and not p for g, p in zip(gold, predicted))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}


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


@dataclass
class Prediction:
    """One labelled (item, actor) with what the reading said of it."""

    item: LabelledItem
    label: LabelledActor
    question: str
    answer: str
    forms: list[str]
    stance: str | None = None
    confidence: float | None = None

    @property
    def group(self) -> str:
        return self.item.ministry_group


def naming_figures(predictions: list[Prediction]) -> dict:
    gold = [p.label.in_answer for p in predictions]
    naming = classification_report(gold, [p.answer for p in predictions], CLASSES)
    question = classification_report([p.label.in_question for p in predictions], [p.question for p in predictions], CLASSES)
    avoidance = binary_report(
        [p.label.in_question == "named" and p.label.in_answer != "named" for p in predictions],
        [p.question == "named" and p.answer != "named" for p in predictions],
    )
    return {"naming": naming, "question_naming": {"accuracy": question["accuracy"], "macro_f1": question["macro_f1"]},
            "avoidance": avoidance}


def stance_figures(predictions: list[Prediction]) -> dict | None:
    scored = [p for p in predictions if p.label.stance and p.stance]
    if not scored:
        return None
    report = classification_report([p.label.stance for p in scored], [p.stance for p in scored], STANCES)
    report["ece"] = expected_calibration_error([p.confidence or 0.0 for p in scored],
                                               [p.label.stance == p.stance for p in scored])
    return report


def summary(predictions: list[Prediction]) -> dict:
    figures = naming_figures(predictions)
    stance = stance_figures(predictions)
    per_class = figures["naming"]["per_class"]
    return {
        "items": len({p.item.id for p in predictions}),
        "labels": len(predictions),
        "naming_accuracy": figures["naming"]["accuracy"],
        "naming_macro_f1": figures["naming"]["macro_f1"],
        "role_f1": per_class["role"]["f1"] if per_class["role"]["support"] else None,
        "oblique_f1": per_class["oblique"]["f1"] if per_class["oblique"]["support"] else None,
        "avoidance_f1": figures["avoidance"]["f1"] if figures["avoidance"]["support"] else None,
        "stance_macro_f1": stance["macro_f1"] if stance else None,
        "oppose_recall": stance["per_class"]["oppose"]["recall"] if stance and stance["per_class"]["oppose"]["support"] else None,
    }


# -- running a method over items -------------------------------------------------------------


@dataclass
class Method:
    """How to read and judge items; `fit` returns a predictor trained on the given items."""

    name: str
    fit: Callable[[list[LabelledItem]], Callable[[list[LabelledItem]], list[Prediction]]]


def folds(items: list[LabelledItem], by: str) -> dict[str, list[LabelledItem]]:
    key = (lambda item: item.ministry_group) if by == "ministry" else (lambda item: item.episode or item.id)
    groups: dict[str, list[LabelledItem]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    return groups


def run(items: list[LabelledItem], method: Method, cv: str | None, progress: bool = False) -> list[Prediction]:
    """Predictions for every labelled actor: from the shipped models, or held out fold by fold."""
    if cv is None:
        return method.fit([])(items)
    groups = folds(items, cv)
    from corpus.progress import progress as progress_bar

    bar = progress_bar(len(groups), f"cross-validating by {cv}", "fold", enabled=progress)
    predictions = []
    for name, held_out in groups.items():
        train = [item for item in items if item not in held_out]
        predictions += method.fit(train)(held_out)
        bar.update(1)
    bar.close()
    order = {id(item): n for n, item in enumerate(items)}
    predictions.sort(key=lambda p: order[id(p.item)])
    return predictions


def evaluate(items: list[LabelledItem], registry, method: str = "reading", cv: str | None = None,
             stance: bool = True, embedder=None, baseline: bool = False, progress: bool = False) -> dict:
    """What `communique evaluate` prints, as a dict."""
    from .methods import make_method

    check_actors(items, registry, "labelled items")
    chosen = make_method(method, registry, embedder=embedder, stance=stance)
    predictions = run(items, chosen, cv, progress)
    result = report(predictions)
    result.update({"method": chosen.name, "cv": cv})
    if baseline and method != "lexical":
        lexical = run(items, make_method("lexical", registry, embedder=embedder, stance=stance), cv, progress)
        result["baseline"] = report(lexical)
        result["baseline"]["method"] = "lexical"
    return result


SMALL_GROUP = 40  # ministries with fewer labels are pooled in the report: their own figures are noise


def report(predictions: list[Prediction]) -> dict:
    figures = naming_figures(predictions)
    groups: dict[str, list[Prediction]] = {}
    for p in predictions:
        groups.setdefault(p.group, []).append(p)
    small = sorted(name for name, rows in groups.items() if len(rows) < SMALL_GROUP)
    pooled = {name: rows for name, rows in groups.items() if name not in small}
    if small:
        pooled[f"{len(small)} other ministries"] = [p for name in small for p in groups[name]]
    errors = [
        {"id": p.item.id, "actor": p.label.actor, "gold": p.label.in_answer, "predicted": p.answer,
         "forms": p.forms, "gold_forms": p.label.answer_forms}
        for p in predictions if p.answer != p.label.in_answer
    ]
    stance_errors = [
        {"id": p.item.id, "actor": p.label.actor, "gold": p.label.stance, "predicted": p.stance,
         "confidence": p.confidence}
        for p in predictions if p.label.stance and p.stance and p.stance != p.label.stance
    ]
    return {
        "n_items": len({p.item.id for p in predictions}),
        **figures,
        "stance": stance_figures(predictions),
        "by_ministry": {name: summary(rows) for name, rows in sorted(pooled.items(), key=lambda kv: -len(kv[1]))},
        "by_each_ministry": {name: summary(rows) for name, rows in sorted(groups.items(), key=lambda kv: -len(kv[1]))},
        "pooled_ministries": small,
        "overall": summary(predictions),
        "errors": errors,
        "stance_errors": stance_errors,
    }


# -- the human report -----------------------------------------------------------------------


def _pct(value) -> str:
    return "   -" if value is None else f"{value:.2f}"


def format_report(result: dict, show_errors: bool = False) -> str:
    naming = result["naming"]
    how = f"cross-validated by {result['cv']} (each fold trained on the others)" if result.get("cv") else "shipped models"
    lines = [
        f"{result['n_items']} items, {naming['n']} actor labels; method {result['method']}, {how}",
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
            f"Stance: accuracy {stance['accuracy']:.3f}, macro-F1 {stance['macro_f1']:.3f}, "
            f"expected calibration error {stance['ece']:.3f}",
            f"  {'class':<9}{'precision':>10}{'recall':>8}{'F1':>7}{'support':>9}",
        ]
        for label, row in stance["per_class"].items():
            lines.append(f"  {label:<9}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>7.3f}{row['support']:>9}")
    else:
        lines.append("Stance: no stance labels (or --stance none)")
    baseline = result.get("baseline")
    pooled = result.get("pooled_ministries") or []
    lines += ["", "By ministry" + (" (method | lexical baseline)" if baseline else "")
              + (f"; ministries with fewer than {SMALL_GROUP} labels pooled: {', '.join(pooled)}" if pooled else "") + ":",
              f"  {'ministry':<34}{'items':>6}{'labels':>7}{'naming F1':>11}{'role F1':>9}{'oblique F1':>11}"
              f"{'avoid F1':>9}{'stance F1':>10}{'oppose R':>9}"]
    for name, row in result["by_ministry"].items():
        other = baseline["by_ministry"].get(name) if baseline else None
        def cell(key, width):
            text = _pct(row[key]) + (f"|{_pct(other[key])}" if other else "")
            return f"{text:>{width + (5 if other else 0)}}"
        lines.append(f"  {name[:33]:<34}{row['items']:>6}{row['labels']:>7}" + cell("naming_macro_f1", 11) + cell("role_f1", 9)
                     + cell("oblique_f1", 11) + cell("avoidance_f1", 9) + cell("stance_macro_f1", 10) + cell("oppose_recall", 9))
    if show_errors:
        lines += ["", "Misread answer references:"]
        for error in result["errors"]:
            lines.append(f"  {error['id']} {error['actor']}: labelled {error['gold']} {error['gold_forms']}, "
                         f"read {error['predicted']} {error['forms']}")
        if result.get("stance_errors"):
            lines += ["", "Misjudged stances:"]
            for error in result["stance_errors"]:
                lines.append(f"  {error['id']} {error['actor']}: labelled {error['gold']}, read {error['predicted']} "
                             f"({error['confidence']:.2f})")
    return "\n".join(lines)
