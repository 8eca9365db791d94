"""`communique evaluate` on a small labelled file whose metrics were computed by hand."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from analysis.evaluate import LabelledFileError, read_labelled
from communique.cli import main


def label(actor, in_question, in_answer, stance="neutral"):
    return {"actor": actor, "in_question": in_question, "in_answer": in_answer, "answer_forms": [], "stance": stance}


ITEMS = [
    {
        "id": "hand-1", "episode": "venezuela-2019",
        "question": "Pompeo said the US will keep pressuring Maduro. What is your comment?",
        "answer": "We oppose external interference in Venezuela's affairs.",
        "actors": [label("pompeo", "named", "absent"), label("united_states", "named", "oblique"),
                   label("maduro", "named", "absent"), label("venezuela", "absent", "named")],
    },
    {
        "id": "hand-2", "episode": "venezuela-2019",
        "question": "Will China recognize Guaido?",
        "answer": "China supports dialogue between the government and the opposition.",
        "actors": [label("guaido", "named", "role"), label("china", "named", "named")],
    },
    {
        # the label says oblique where the system can only say absent: one deliberate miss
        "id": "hand-3", "episode": "hong-kong-2019",
        "question": "Trump threatened Venezuela again.",
        "answer": "I have no information to offer.",
        "actors": [label("trump", "named", "oblique"), label("venezuela", "named", "absent")],
    },
]


@pytest.fixture
def labelled(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in ITEMS), encoding="utf-8")
    return path


def test_metrics_equal_the_hand_computed_ones(labelled):
    result = CliRunner().invoke(main, ["evaluate", str(labelled), "--json", "--stance", "none"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n_items"] == 3
    naming = report["naming"]
    assert naming["accuracy"] == pytest.approx(7 / 8)
    per_class = naming["per_class"]
    assert (per_class["named"]["f1"], per_class["role"]["f1"]) == (1.0, 1.0)
    assert per_class["oblique"]["precision"] == 1.0 and per_class["oblique"]["recall"] == 0.5
    assert per_class["absent"]["precision"] == 0.75 and per_class["absent"]["recall"] == 1.0
    assert naming["macro_f1"] == pytest.approx((1 + 1 + 2 / 3 + 6 / 7) / 4)
    assert naming["confusion"]["oblique"]["absent"] == 1
    assert report["question_naming"]["accuracy"] == 1.0
    assert report["avoidance"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 6}
    assert report["stance"] is None


def test_split_keeps_only_its_episodes(labelled):
    result = CliRunner().invoke(main, ["evaluate", str(labelled), "--json", "--split", "holdout", "--stance", "none"])
    assert json.loads(result.stdout)["n_items"] == 1


def test_human_report_names_the_figures(labelled):
    result = CliRunner().invoke(main, ["evaluate", str(labelled), "--errors", "--stance", "none"])
    assert "Answer naming: accuracy 0.875" in result.output
    assert "hand-3 trump: labelled oblique [], read absent []" in result.output


def test_malformed_line_is_reported_with_its_number(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(ITEMS[0]) + "\n" + json.dumps({**ITEMS[1], "actors": [label("china", "named", "loud")]}) + "\n")
    with pytest.raises(LabelledFileError, match=r"bad.jsonl:2: actor 'china' has in_answer='loud'"):
        read_labelled(path)
    result = CliRunner().invoke(main, ["evaluate", str(path)])
    assert result.exit_code != 0 and "bad.jsonl:2" in result.output


def test_actor_missing_from_the_registry_is_named(tmp_path):
    path = tmp_path / "items.jsonl"
    path.write_text(json.dumps({**ITEMS[1], "actors": [label("atlantis", "named", "absent")]}) + "\n")
    result = CliRunner().invoke(main, ["evaluate", str(path)])
    assert result.exit_code != 0
    assert "actors not in the registry: atlantis" in result.output


@pytest.mark.slow
def test_stance_is_scored_with_the_shipped_model(labelled):
    result = CliRunner().invoke(main, ["evaluate", str(labelled), "--json"])
    assert result.exit_code == 0, result.output
    stance = json.loads(result.stdout)["stance"]
    assert stance["n"] == 8
    assert set(stance["per_class"]) == {"support", "oppose", "neutral"}
    assert stance["per_class"]["neutral"]["support"] == 8  # every hand label above is neutral
    assert 0 <= stance["macro_f1"] <= 1 and 0 <= stance["ece"] <= 1
    assert stance["accuracy"] == pytest.approx(stance["per_class"]["neutral"]["recall"])
    assert stance["method"].startswith("shipped model stance-logreg-1-")
