"""The methods `communique evaluate` compares, each able to train on a set of labelled items.

- `reading`: what `analyze` runs: the reading with the rule linker, and the stance model
  (trained on the given items, or the shipped one when none are given);
- `learned`: the same with the learned oblique linker, trained likewise;
- `lexical`: the plain baseline of `analysis.baseline`.
"""

from __future__ import annotations

from .evaluate import LabelledItem, Method, Prediction, turn_of


def make_method(name: str, registry, embedder=None, stance: bool = True) -> Method:
    from .baseline import LexicalReader
    from .reading import Reader

    if name == "lexical":
        shared = LexicalReader(registry)
    else:
        shared = Reader(registry)
    prepared: dict[str, tuple] = {}  # item id -> the reading before oblique linking: it needs no training

    def reader_for(train: list[LabelledItem]):
        if name in ("lexical", "reading"):
            return shared
        from .oblique_model import shipped_linker, train_linker

        linker = train_linker(registry, train, embedder, reader=shared, prepared=prepared) if train else shipped_linker(registry, embedder)
        return Reader(registry, linker=linker, grammar=shared.phrases, matcher=shared.matcher)

    def judge_for(train: list[LabelledItem], reader):
        if not stance:
            return None
        from . import stance as stance_module

        if name == "lexical":
            return stance_module.PrototypeJudge(embedder)
        if train:
            return stance_module.train_judge(registry, shared, train, embedder, prepared=prepared)
        return stance_module.shipped_judge(embedder)

    def fit(train: list[LabelledItem]):
        reader = reader_for(train)
        judge = judge_for(train, reader)

        def predict(items: list[LabelledItem]) -> list[Prediction]:
            return predict_items(registry, reader, judge, items, prepared)

        return predict

    return Method(name, fit)


def predict_items(registry, reader, judge, items: list[LabelledItem], prepared: dict | None = None) -> list[Prediction]:
    turns = [turn_of(item, registry) for item in items]
    if hasattr(reader, "prepare"):
        memo = prepared if prepared is not None else {}
        for item, turn in zip(items, turns):
            if item.id not in memo:
                memo[item.id] = reader.prepare(turn)
        readings = reader.read_many(turns, [memo[item.id] for item in items])
    else:
        readings = [reader.read(turn) for turn in turns]
    predictions, pending = [], []
    for item, turn, reading in zip(items, turns, readings):
        for label in item.actors:
            actor_id = registry.canonical(label.actor)
            answer = reading.answer_reference(actor_id)
            question = reading.question_reference(actor_id)
            prediction = Prediction(item, label, question.cls, answer.cls, [f.text for f in answer.forms])
            predictions.append(prediction)
            if judge is not None and label.stance:
                pending.append((prediction, turn, reading, actor_id))
    if pending:
        from .stance import stance_input

        inputs = [stance_input(registry, turn, reading, actor_id) for _, turn, reading, actor_id in pending]
        for (prediction, *_), result in zip(pending, judge.score(inputs)):
            prediction.stance = result.label
            prediction.confidence = result.confidence
    return predictions
