"""Reference classes, forms, titles, oblique resolution and avoidance, on real briefing text."""

from __future__ import annotations

import json

import pytest

from analysis.naming import NamingAnalyzer
from analysis.registry import RegistryError, load_registry
from tests.conftest import TESTS

DEVSET = TESTS / "files" / "devset"


def devset_item(item_id: str) -> dict:
    for line in (DEVSET / "items.jsonl").open(encoding="utf-8"):
        item = json.loads(line)
        if item["id"] == item_id:
            return item
    raise KeyError(item_id)


@pytest.fixture(scope="module")
def analyzer():
    return NamingAnalyzer(load_registry())


def classes(references) -> dict[str, str]:
    return {actor: ref.cls for actor, ref in references.items()}


def test_founding_example_avoids_guaido_and_maduro(analyzer):
    item = devset_item("fmprc-20190124-04")  # Hua Chunying, 24 January 2019
    reading = analyzer.read_pair(item["question"], item["answer"])
    assert reading.question["guaido"].cls == "named"
    assert reading.question["maduro"].cls == "named"
    assert reading.question["maduro"].title == "President"
    maduro = reading.answer["maduro"]
    assert maduro.cls == "role"
    assert [f.text for f in maduro.forms] == ["the Venezuelan government"]
    start = maduro.forms[0].start
    assert item["answer"][start : start + len("the Venezuelan government")] == "the Venezuelan government"
    assert reading.answer["guaido"].cls == "oblique"
    assert "all relevant parties" in [f.text for f in reading.answer["guaido"].forms]
    assert reading.answer["united_states"].cls == "oblique"
    assert "foreign interference" in [f.text for f in reading.answer["united_states"].forms]
    assert reading.answer["venezuela"].cls == "named"
    assert {"guaido", "maduro", "united_states", "brazil"} <= set(reading.avoided())
    assert "venezuela" not in reading.avoided()


def test_quoted_commentator_is_not_one_of_all_parties(analyzer):
    item = devset_item("fmprc-20190128-03")  # "US Secretary of State Pompeo blamed China and Russia..."
    reading = analyzer.read_pair(item["question"], item["answer"], ["pompeo", "united_states", "maduro", "china"])
    assert classes(reading.answer) == {
        "pompeo": "absent",
        "united_states": "oblique",
        "maduro": "role",
        "china": "named",
    }
    assert [f.text for f in reading.answer["united_states"].forms][:2] == ["external intervention", "one country"]


@pytest.mark.parametrize(
    ("text", "actor", "expected"),
    [
        ("Juan Guaidó was sworn in.", "guaido", "named"),
        ("Juan Guaido was sworn in.", "guaido", "named"),
        ("Certain American politicians keep smearing China.", "united_states", "named"),
        ("We urge the US side to stop.", "united_states", "named"),
        ("Tell us what you think.", "united_states", "absent"),
        ("Venezuela is an important partner in Latin America.", "united_states", "absent"),
        ("This is about China-US trade talks.", "united_states", "named"),
        ("We support the Hong Kong SAR government and the Hong Kong police.", "hong_kong_police", "role"),
    ],
)
def test_names_demonyms_and_roles(analyzer, text, actor, expected):
    found = analyzer.read_text(text)
    assert (found[actor].cls if actor in found else "absent") == expected


@pytest.mark.parametrize(
    ("text", "actor", "title"),
    [
        ('the self-proclaimed "interim president" Juan Guaido', "guaido", "self-proclaimed interim president"),
        ("the illegitimate Maduro regime", "maduro", "illegitimate ... regime"),
        ("Former President Evo Morales", "evo_morales", "Former President"),
        ("so-called interim President Guaidó", "guaido", "so-called interim President"),
    ],
)
def test_titles_that_go_with_names(analyzer, text, actor, title):
    assert analyzer.read_text(text)[actor].title == title


def test_a_persons_name_inside_a_longer_name_still_names_them(analyzer):
    found = analyzer.read_text("The Maduro regime must go.")
    assert found["maduro"].cls == "named"
    assert found["venezuela_government"].cls == "named"


def test_generic_role_counts_only_when_the_question_raised_the_actor(analyzer):
    # "the opposition" is a role of guaido and of the Venezuelan opposition, but of no one
    # in particular until the context says who.
    assert "guaido" not in analyzer.read_text("We hope the government and the opposition talk.")
    reading = analyzer.read_pair(
        "Does China recognize opposition leader Juan Guaido?", "We hope the government and the opposition talk."
    )
    assert reading.answer["guaido"].cls == "role"


def test_oblique_phrase_of_the_wrong_kind_points_at_no_one(analyzer):
    # "some countries" can point at states, not at a person the question named
    reading = analyzer.read_pair("What do you make of Pompeo's remarks?", "Some countries are always lecturing others.")
    assert reading.answer["pompeo"].cls == "absent"


def test_registry_override_and_additions(tmp_path):
    extra = tmp_path / "mine.yaml"
    extra.write_text(
        "actors:\n"
        "  maduro: {name: Nicolás Maduro, kind: person, aliases: [Maduro]}\n"
        "  lima_group_members: {name: Lima Group members, kind: group, aliases: [Lima Group]}\n",
        encoding="utf-8",
    )
    registry = load_registry(extra)
    analyzer = NamingAnalyzer(registry)
    reading = analyzer.read_pair("Will Maduro talk to the Lima Group?", "We support the Venezuelan government.")
    assert reading.answer["maduro"].cls == "absent"  # the override dropped the role phrases
    assert reading.question["lima_group_members"].cls == "named"
    assert len(registry) > 290


def test_devset_json_actor_file_is_read(tmp_path):
    registry = load_registry(DEVSET / "actors.json", defaults=False)
    assert registry["maduro"].kind == "person"
    assert "the Venezuelan government" in registry["maduro"].roles


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("actors:\n  x: {kind: person}\n", "actor 'x' needs at least a name"),
        ("actors:\n  x: {name: X, kind: planet}\n", "actor 'x' has kind 'planet'"),
        ("actors: [1, 2\n", "not valid YAML"),
    ],
)
def test_bad_actor_files_are_refused_with_the_file_and_actor(tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RegistryError, match=message) as error:
        load_registry(path)
    assert str(path) in str(error.value)


def test_unknown_actor_is_named():
    with pytest.raises(RegistryError, match="unknown actor 'atlantis'"):
        load_registry()["atlantis"]
