"""`communique evaluate`: figures computed by hand, the reading `analyze` runs, folds by ministry and episode."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from analysis.evaluate import LabelledActor, LabelledFileError, LabelledItem, Prediction, folds, naming_figures, read_labelled
from communique.cli import main


def label(actor, in_question, in_answer, stance="neutral"):
    return {"actor": actor, "in_question": in_question, "in_answer": in_answer, "answer_forms": [], "stance": stance}


ITEMS = [
    {
        "id": "hand-1", "episode": "venezuela-2019", "ministry": "China MFA", "country": "CN", "date": "2019-01-24",
        "question": "US Secretary of State Pompeo said the US will keep pressuring Maduro. What is your comment?",
        "answer": "China supports the efforts made by the Venezuelan government to uphold national sovereignty.",
        "actors": [label("pompeo", "named", "absent"), label("maduro", "named", "role"),
                   label("venezuela", "absent", "named")],
    },
    {
        "id": "hand-2", "episode": "venezuela-2019", "ministry": "China MFA", "country": "CN", "date": "2019-02-01",
        "question": "Will China recognize opposition leader Juan Guaido?",
        "answer": "China supports dialogue between the government and the opposition.",
        "actors": [label("guaido", "named", "role"), label("china", "named", "named")],
    },
    {
        # the label says oblique where the text gives nothing to read: one deliberate miss
        "id": "hand-3", "episode": "hong-kong-2019", "ministry": "Russia MFA (Embassy in London)", "country": "RU",
        "date": "2019-08-01",
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


def prediction(item_id, gold_q, gold_a, q, a, ministry="China MFA"):
    item = LabelledItem(item_id, None, ministry, None, "", [])
    return Prediction(item, LabelledActor("x", gold_q, gold_a, [], None), q, a, [])


def test_naming_figures_equal_the_hand_computed_ones():
    predictions = [
        prediction("1", "named", "named", "named", "named"),
        prediction("1", "named", "role", "named", "role"),
        prediction("2", "named", "oblique", "named", "oblique"),
        prediction("2", "named", "oblique", "named", "absent"),  # an avoided actor read as absent
        prediction("3", "absent", "absent", "absent", "oblique"),  # an oblique too many
        prediction("3", "role", "absent", "role", "absent"),
    ]
    figures = naming_figures(predictions)
    naming = figures["naming"]
    assert naming["accuracy"] == pytest.approx(4 / 6)
    assert naming["per_class"]["oblique"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert naming["per_class"]["absent"]["precision"] == 0.5 and naming["per_class"]["absent"]["recall"] == 0.5
    assert naming["macro_f1"] == pytest.approx((1 + 1 + 0.5 + 0.5) / 4)
    # avoided: the question names it and the answer does not; both avoided ones are found, no more
    assert figures["avoidance"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "support": 3}


def test_evaluate_reads_as_analyze_does_and_scores_only_the_labelled_actors(labelled):
    result = CliRunner().invoke(main, ["evaluate", str(labelled), "--json", "--no-stance", "--errors"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n_items"] == 3 and report["naming"]["n"] == 7
    errors = {(e["id"], e["actor"]): e for e in report["errors"]}
    # the Venezuelan government is Maduro's side when the question is about him; the
    # opposition is Guaido's when the question names him
    assert ("hand-1", "maduro") not in errors and ("hand-2", "guaido") not in errors
    assert errors == {("hand-3", "trump"): {"id": "hand-3", "actor": "trump", "gold": "oblique",
                                            "predicted": "absent", "forms": [], "gold_forms": []}}
    assert report["stance"] is None
    assert set(report["by_each_ministry"]) == {"China MFA", "Russia MFA"}  # offices folded into their ministry
    assert report["by_each_ministry"]["China MFA"]["labels"] == 5
    assert set(report["by_ministry"]) == {"2 other ministries"}  # too few labels each to report apart


def test_the_lexical_baseline_gives_every_listed_descriptor_and_fixed_phrase(tmp_path, labelled):
    actors = tmp_path / "actors.yaml"
    actors.write_text("actors:\n  guaido: {name: Juan Guaidó, kind: person, roles: [the opposition]}\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["evaluate", str(labelled), "--actors", str(actors), "--method", "lexical",
                                       "--no-stance", "--json", "--errors"])
    assert result.exit_code == 0, result.output
    errors = {(e["id"], e["actor"]) for e in json.loads(result.stdout)["errors"]}
    assert ("hand-2", "guaido") not in errors  # the listed role, context or not
    assert ("hand-1", "maduro") in errors  # no composed descriptors in the baseline


def test_folds_by_ministry_and_by_episode():
    items = read_labelled_items(ITEMS)
    assert {name: [i.id for i in group] for name, group in folds(items, "ministry").items()} == {
        "China MFA": ["hand-1", "hand-2"], "Russia MFA": ["hand-3"]}
    assert {name: [i.id for i in group] for name, group in folds(items, "episode").items()} == {
        "venezuela-2019": ["hand-1", "hand-2"], "hong-kong-2019": ["hand-3"]}


def read_labelled_items(raw_items):
    return [LabelledItem(r["id"], r["episode"], r["ministry"], r["question"], r["answer"], [], r) for r in raw_items]


def test_several_files_are_scored_together_and_item_ids_must_be_unique(tmp_path, labelled):
    result = CliRunner().invoke(main, ["evaluate", str(labelled), str(labelled), "--no-stance"])
    assert result.exit_code != 0 and "item id 'hand-1' is also in" in result.output


def test_human_report_names_the_figures(labelled):
    result = CliRunner().invoke(main, ["evaluate", str(labelled), "--errors", "--no-stance"])
    assert "Answer naming: accuracy 0.857" in result.output
    assert "hand-3 trump: labelled oblique [], read absent []" in result.output
    assert "By ministry; ministries with fewer than 40 labels pooled: China MFA, Russia MFA:" in result.output


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
def test_stance_is_scored_with_the_shipped_model_and_cross_validated(labelled):
    result = CliRunner().invoke(main, ["evaluate", str(labelled), "--json"])
    assert result.exit_code == 0, result.output
    stance = json.loads(result.stdout)["stance"]
    assert stance["n"] == 7
    assert stance["per_class"]["neutral"]["support"] == 7  # every hand label above is neutral
    assert 0 <= stance["macro_f1"] <= 1 and 0 <= stance["ece"] <= 1
    assert stance["accuracy"] == pytest.approx(stance["per_class"]["neutral"]["recall"])
    folded = CliRunner().invoke(main, ["evaluate", str(labelled), "--json", "--cv", "episode", "--no-stance"])
    assert folded.exit_code == 0, folded.output
    assert json.loads(folded.stdout)["cv"] == "episode"


def test_statements_of_one_page_are_read_as_one_text(tmp_path):
    # two sentences an EU statement gave one report (tests/files/devset_intl): "The reaction of the
    # Kosovar authorities is not the right one." and "We call on leaders of both sides to put an end
    # to provocations"; the second veils Kosovo only when read with the first
    from analysis.evaluate import read_all_labelled

    url = "https://nezavisen.mk/eu-kosovo-and-serbia-should-refrain-from-provocations/?lang=en"
    first = {"id": "k-1", "episode": "kosovo", "ministry": "EU High Representative (EEAS)", "country": "EU", "url": url,
             "question": None, "answer": "The reaction of the Kosovar authorities is not the right one.",
             "actors": [label("kosovo", "absent", "named")]}
    second = {**first, "id": "k-2", "actors": [label("kosovo", "absent", "oblique")],
              "answer": "We call on leaders of both sides to put an end to provocations and focus on the normalization"
                        " of relations"}
    path = tmp_path / "items.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in (first, second)), encoding="utf-8")
    items = read_all_labelled([path])
    assert [item.page for item in items] == [second["answer"], first["answer"]]
    result = CliRunner().invoke(main, ["evaluate", str(path), "--no-stance", "--json"])
    assert json.loads(result.stdout)["naming"]["accuracy"] == 1.0
    # a page with a question is a briefing: its items stay apart
    asked = {**first, "id": "k-3", "question": "And Serbia?"}
    path.write_text("".join(json.dumps(item) + "\n" for item in (first, second, asked)), encoding="utf-8")
    assert [item.page for item in read_all_labelled([path])] == ["", "", ""]
    # so do items without a url
    path.write_text("".join(json.dumps({**item, "url": None}) + "\n" for item in (first, second)), encoding="utf-8")
    assert [item.page for item in read_all_labelled([path])] == ["", ""]
