"""Stance on real answers of the saved briefings: each label, deflection, evidence, the trained artefact."""

from __future__ import annotations

import json

import numpy as np
import pytest

from analysis.embeddings import Embedder
from analysis.evaluate import expected_calibration_error, train_stance_model
from analysis.naming import NamingAnalyzer
from analysis.registry import load_registry
from analysis.stance import DEFAULT_MODEL_FILE, StanceInput, StanceModel, StanceModelError, StanceScorer
from crawlers.spiders.fmprc import parse_briefing
from tests.conftest import TESTS, fmprc_page

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def embedder():
    return Embedder()


@pytest.fixture(scope="module")
def analyzer():
    return NamingAnalyzer(load_registry())


@pytest.fixture(scope="module")
def scorer(embedder):
    return StanceScorer(embedder)


def judge(scorer, analyzer, page: str, answer_position: int, actor: str):
    segments = parse_briefing(*fmprc_page(page)).segments
    answer = segments[answer_position]
    question = segments[answer.reply_to].text
    reading = analyzer.read_pair(question, answer.text)
    item = StanceInput(question, answer.text, analyzer.registry[actor], reading.question[actor],
                       reading.answer[actor], "china")
    return scorer.score([item])[0], answer.text


def test_condemning_an_arms_sale_opposes_the_seller(scorer, analyzer):
    # 9 July 2019: "The US arms sale to Taiwan gravely violates international law ..."
    stance, _ = judge(scorer, analyzer, "t1679792.shtml", 1, "united_states")
    assert stance.label == "oppose" and stance.score < -0.3
    assert any(sentence.startswith("The US arms sale to Taiwan gravely violates") for sentence in stance.evidence)


def test_congratulations_support(scorer, analyzer):
    # 30 July 2018: "China welcomes that and congratulates the PTI led by Imran Khan on its success."
    stance, answer = judge(scorer, analyzer, "t1581484.shtml", 7, "imran_khan")
    assert stance.label == "support" and stance.score > 0.3
    assert all(sentence in answer for sentence in stance.evidence)
    assert any("congratulates the PTI led by Imran Khan" in sentence for sentence in stance.evidence)


@pytest.mark.parametrize(
    ("page", "position", "actor", "cue"),
    [
        ("t1578759.shtml", 13, "g20", "refer you to the competent departments"),  # a deflection
        ("t1707167.shtml", 6, "unsc", "all relevant parties will remain calm"),  # a balanced call
    ],
)
def test_deflections_and_balanced_calls_are_neutral(scorer, analyzer, page, position, actor, cue):
    stance, _ = judge(scorer, analyzer, page, position, actor)
    assert stance.label == "neutral"
    assert any(cue in sentence for sentence in stance.evidence)


def test_probabilities_score_and_confidence_agree(scorer, analyzer):
    stance, _ = judge(scorer, analyzer, "t1679792.shtml", 1, "united_states")
    assert sum(stance.probabilities.values()) == pytest.approx(1.0)
    assert stance.score == pytest.approx(stance.probabilities["support"] - stance.probabilities["oppose"])
    assert stance.confidence == max(stance.probabilities.values())


def test_retraining_from_the_labelled_file_gives_the_shipped_model(tmp_path, embedder):
    registry = load_registry(TESTS / "files" / "devset" / "actors.json")
    output = tmp_path / "stance_model.json"
    report = train_stance_model(TESTS / "files" / "devset" / "items.jsonl", registry, embedder, output)
    rebuilt, shipped = StanceModel.load(output), StanceModel.load(DEFAULT_MODEL_FILE)
    assert report["examples"] == 634
    assert rebuilt.version == shipped.version
    assert np.allclose(rebuilt.weights, shipped.weights, atol=1e-6)


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
