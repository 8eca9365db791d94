"""Stance on real answers of the saved briefings: each label, deflection, evidence, the trained artefact."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest

from analysis.embeddings import Embedder
from analysis.evaluate import (
    expected_calibration_error,
    read_all_labelled,
    stance_training_data,
    train_stance_model,
    turn_of,
)
from analysis.reading import Reader, Turn
from analysis.registry import load_registry
from analysis.stance import DEFAULT_MODEL_FILE, StanceModel, StanceModelError, StanceScorer, side, stance_input
from crawlers.spiders.fmprc import parse_briefing
from tests.conftest import TESTS, fmprc_page

pytestmark = pytest.mark.slow
SETS = [TESTS / "files" / name for name in ("devset", "devset_intl", "devset_v2")]


@pytest.fixture(scope="module")
def embedder():
    return Embedder()


@pytest.fixture(scope="module")
def scorer(embedder):
    return StanceScorer(embedder)


def judge(scorer, reader, page: str, answer_position: int, actor: str):
    briefing = parse_briefing(*fmprc_page(page))
    answer = briefing.segments[answer_position]
    question = briefing.segments[answer.reply_to].text
    turn = Turn(answer.text, question, briefing.date, "china")
    reading = reader.read(turn)
    return scorer.score([stance_input(reader.registry, turn, reading, actor)])[0], answer.text


def test_condemning_an_arms_sale_opposes_the_seller(scorer, reader):
    # 9 July 2019: "The US arms sale to Taiwan gravely violates international law ..."
    stance, _ = judge(scorer, reader, "t1679792.shtml", 1, "united_states")
    assert stance.label == "oppose" and stance.score < -0.3
    assert any(sentence.startswith("The US arms sale to Taiwan gravely violates") for sentence in stance.evidence)


def test_congratulations_support(scorer, reader):
    # 30 July 2018: "China welcomes that and congratulates the PTI led by Imran Khan on its success."
    stance, answer = judge(scorer, reader, "t1581484.shtml", 7, "imran_khan")
    assert stance.label == "support" and stance.score > 0.3
    assert all(sentence in answer for sentence in stance.evidence)
    assert any("congratulates the PTI led by Imran Khan" in sentence for sentence in stance.evidence)


def test_backing_the_government_opposes_its_rival(scorer, reader, registry):
    # 24 January 2019: "China supports the efforts made by the Venezuelan government to uphold
    # national sovereignty ..." — Guaido's claim is answered by backing his rival
    briefing = parse_briefing(*fmprc_page("t1632218.shtml"))
    answer = briefing.segments[7]
    turn = Turn(answer.text, briefing.segments[answer.reply_to].text, briefing.date, "china")
    reading = reader.read(turn)
    guaido = stance_input(registry, turn, reading, "guaido")
    assert side(registry, registry["guaido"], briefing.date) == "opposition"
    assert "venezuela_government" in [r.actor for r in guaido.rivals]
    government, us = scorer.score([stance_input(registry, turn, reading, "venezuela_government"),
                                   stance_input(registry, turn, reading, "united_states")])
    assert government.label == "support"
    # the US, veiled as "foreign interference" beside a call on "all relevant parties": leaning
    # to oppose, not support (the model's label is neutral, P(oppose) about a third, since stance-logreg-5)
    assert us.probabilities["oppose"] > 3 * us.probabilities["support"]


def test_the_camp_of_an_actor_is_its_own_side_and_not_its_rival(registry, reader):
    # 24 January 2019: Guaido's camp is the opposition, the Venezuelan government his rival;
    # the government's camp is the state and those in office
    briefing = parse_briefing(*fmprc_page("t1632218.shtml"))
    answer = briefing.segments[7]
    turn = Turn(answer.text, briefing.segments[answer.reply_to].text, briefing.date, "china")
    reading = reader.read(turn)
    guaido = stance_input(registry, turn, reading, "guaido")
    government = stance_input(registry, turn, reading, "venezuela_government")
    assert "venezuela_government" not in [r.actor for r in guaido.camp]
    assert "venezuela" in [r.actor for r in government.camp]
    assert "guaido" not in [r.actor for r in government.camp]


def test_criticism_of_a_leaders_government_is_a_stance_on_the_leader_left_unnamed(registry, reader, scorer):
    # India MEA, 2023: "these allegations by the government of Canada are primarily politically
    # driven": Trudeau, whose allegations they were, is not named
    item = next(i for i in read_all_labelled([SETS[2] / "items.jsonl"]) if i.id == "v2-in-008")
    turn = turn_of(item, registry)
    trudeau = stance_input(registry, turn, reader.read(turn), "trudeau")
    assert trudeau.in_answer.cls == "absent"
    assert "canada_government" in [r.actor for r in trudeau.camp]
    with_camp, without_camp = scorer.score([trudeau, dataclasses.replace(trudeau, camp=())])
    assert with_camp.label == "oppose"
    assert with_camp.score < without_camp.score - 0.1


@pytest.mark.parametrize(
    ("page", "position", "actor", "cue"),
    [
        ("t1578759.shtml", 13, "g20", "refer you to the competent departments"),  # a deflection
        ("t1707167.shtml", 6, "un_security_council", "all relevant parties will remain calm"),  # a balanced call
    ],
)
def test_deflections_and_balanced_calls_are_neutral(scorer, reader, page, position, actor, cue):
    stance, _ = judge(scorer, reader, page, position, actor)
    assert stance.label == "neutral"
    assert any(cue in sentence for sentence in stance.evidence)


def test_probabilities_score_and_confidence_agree(scorer, reader):
    stance, _ = judge(scorer, reader, "t1679792.shtml", 1, "united_states")
    assert sum(stance.probabilities.values()) == pytest.approx(1.0)
    assert stance.score == pytest.approx(stance.probabilities["support"] - stance.probabilities["oppose"])
    assert stance.confidence == max(stance.probabilities.values())


def test_retraining_from_the_labelled_files_gives_the_shipped_model(tmp_path, embedder):
    """Compared by what it was trained on and by its predictions, within a tolerance: the last
    bits of the weights differ between CPUs."""
    registry = load_registry(*(folder / "actors.json" for folder in SETS))
    items = read_all_labelled([folder / "items.jsonl" for folder in SETS])
    output = tmp_path / "stance_model.json"
    shipped = StanceModel.load(DEFAULT_MODEL_FILE)
    report = train_stance_model(items, registry, embedder, output, trained_on=shipped.trained_on)
    rebuilt = StanceModel.load(output)
    assert report["examples"] == 1381
    assert rebuilt.version == shipped.version  # same data and settings
    assert np.allclose(rebuilt.weights, shipped.weights, atol=1e-3)
    inputs, _ = stance_training_data(registry, Reader(registry), items[:60])
    a = StanceScorer(embedder, rebuilt).score(inputs)
    b = StanceScorer(embedder, shipped).score(inputs)
    assert np.allclose([x.score for x in a], [x.score for x in b], atol=1e-3)


def test_a_model_of_other_vectors_is_refused(tmp_path, embedder):
    data = json.loads(DEFAULT_MODEL_FILE.read_text())
    data["model"] = "some-other-model"
    path = tmp_path / "other.json"
    path.write_text(json.dumps(data))
    with pytest.raises(StanceModelError, match="trained on some-other-model vectors"):
        StanceScorer(embedder, StanceModel.load(path))


def test_expected_calibration_error_by_hand():
    # two bins: 0.9 confident and right twice, wrong once -> |2/3 - 0.9|; 0.6 right once -> |1 - 0.6|
    confidences, correct = [0.9, 0.9, 0.9, 0.6], [True, True, False, True]
    assert expected_calibration_error(confidences, correct) == pytest.approx(3 / 4 * (0.9 - 2 / 3) + 1 / 4 * 0.4)
