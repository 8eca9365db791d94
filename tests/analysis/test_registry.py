"""The registry built from general knowledge: states, organisations, office-holders, user files."""

from __future__ import annotations

import json

import pytest
import yaml

from analysis.countries import STATES_FILE
from analysis.reading import Turn
from analysis.registry import DATA, RegistryError, load_registry
from tests.conftest import TESTS

LABELLED_SETS = [TESTS / "files" / name for name in ("devset", "devset_intl", "devset_v2")]


def test_every_un_member_state_has_a_demonym_and_a_capital(registry):
    members = yaml.safe_load(STATES_FILE.read_text(encoding="utf-8"))["un_members"]
    assert len(members) == 193
    for code in members:
        state = registry[registry.codes[code]]
        assert state.kind == "state"
        assert state.demonyms, f"{state.id} has no demonym"
        # a capital is a name of its state unless the corrections say it is contested or an everyday word
        corrections = yaml.safe_load(STATES_FILE.read_text(encoding="utf-8"))["states"].get(code, {})
        if corrections.get("capitals", None) != []:
            assert state.capitals, f"{state.id} has no capital"
            assert set(state.capitals) <= set(state.aliases)


@pytest.mark.parametrize(
    ("actor", "names"),
    [
        ("united_states", {"US", "U.S.", "America", "American", "Washington"}),
        ("uk", {"Britain", "British", "London", "United Kingdom"}),
        ("china", {"Chinese", "Beijing", "PRC"}),
        ("venezuela", {"Venezuelan", "Caracas", "Bolivarian Republic of Venezuela"}),
        ("north_korea", {"DPRK", "Pyongyang", "North Korean"}),
        ("turkey", {"Türkiye", "Turkey", "Turkish", "Ankara"}),
    ],
)
def test_states_have_their_names_demonyms_and_capitals(registry, actor, names):
    assert names <= set(registry[actor].aliases)


def test_older_ids_still_find_their_actor(registry):
    assert registry["dprk"].id == "north_korea"
    assert registry["rok"].id == "south_korea"
    assert registry.canonical("usa") == "united_states"


def test_office_holders_by_date(registry):
    assert [a.id for a in registry.holders("united_states", "foreign_minister", "2018-02-01")] == ["tillerson"]
    assert [a.id for a in registry.holders("united_states", "foreign_minister", "2019-05-01")] == ["pompeo"]
    assert [a.id for a in registry.holders("united_states", "foreign_minister", "2022-05-01")] == ["blinken"]
    assert [a.id for a in registry.holders("united_states", "head_of_state", "2019-05-01")] == ["trump"]
    # a claim to an office is not the office: "the Venezuelan president" in 2019 is Maduro
    assert [a.id for a in registry.holders("venezuela", "head_of_state", "2019-05-01")] == ["maduro"]
    assert "guaido" in [a.id for a in registry.holders("venezuela", "claimant", "2019-05-01")]


def test_every_state_has_its_institutions(registry):
    government = registry.institutions[("venezuela", "government")]
    assert government.id == "venezuela_government" and government.generated
    assert registry.institutions[("hong_kong", "police")].name == "Police of Hong Kong"


def test_a_named_body_that_is_a_states_institution_is_one_actor(registry, reader):
    # The State Department is the US foreign ministry: one id whether a text names it or
    # composes it, and the generated id still finds it (exports made before keep working)
    department = registry.institutions[("united_states", "foreign_ministry")]
    assert department.id == "state_department" and not department.generated
    assert registry.canonical("united_states_foreign_ministry") == "state_department"
    assert registry.institutions[("myanmar", "military")].id == "tatmadaw"
    assert registry.institutions[("hong_kong", "government")].id == "hksar_government"
    named = reader.read(Turn("The US State Department said so.", date="2020-01-01")).answer_reference("state_department")
    composed = reader.read(Turn("We noted the American foreign ministry's remarks.", date="2020-01-01"))
    assert (named.cls, [f.text for f in named.forms]) == ("named", ["US State Department"])
    assert composed.answer_class("state_department") == "role"
    # a part of an institution, or a rival to it, keeps its own id
    assert registry.institutions[("united_states", "legislature")].id == "us_congress"
    assert registry["us_senate"].institution is None
    assert registry.institutions[("libya", "military")].id == "libya_military"


def test_a_speaker_is_found_by_any_country_code(registry):
    assert registry.speaker("CN") == "china"
    assert registry.speaker("RUS") == "russia"
    assert registry.speaker("EU") == "eu"
    assert registry.speaker("XX") is None


def test_a_user_entry_is_merged_into_the_known_actor_and_takes_the_users_id(tmp_path):
    mine = tmp_path / "mine.json"
    mine.write_text(json.dumps({
        "usa": {"name": "United States", "kind": "state", "aliases": ["the Yanks"], "roles": []},
        "afghan_gov": {"name": "Government of Afghanistan", "kind": "organization", "aliases": [], "roles": []},
        "tigray_parties": {"name": "Parties to the Tigray conflict", "kind": "group", "aliases": [], "roles": []},
        "schellenberg": {"name": "Robert Schellenberg", "kind": "person", "aliases": [],
                         "roles": ["the Canadian drug trafficker"]},
    }), encoding="utf-8")
    registry = load_registry(mine)
    usa = registry["usa"]
    assert usa.kind == "state" and {"the Yanks", "American", "Washington"} <= set(usa.aliases)
    assert registry["united_states"].id == "usa"  # the old id is kept as an alias
    assert registry.speaker("US") == "usa"
    # a state's people and offices follow the renamed state
    assert registry["trump"].state == "usa"
    assert [a.id for a in registry.holders("usa", "head_of_state", "2019-05-01")] == ["trump"]
    afghan = registry["afghan_gov"]
    assert (afghan.state, afghan.institution) == ("afghanistan", "government")
    assert registry.institutions[("afghanistan", "government")].id == "afghan_gov"
    assert registry["tigray_parties"].state is None
    assert registry["schellenberg"].state == "canada"  # from the one state its descriptors name


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("actors:\n  x: {kind: person}\n", "actor 'x' needs at least a name"),
        ("actors:\n  x: {name: X, kind: planet}\n", "actor 'x' has kind 'planet'"),
        ("actors: [1, 2\n", "not valid YAML"),
        ("actors:\n  x: {name: X, country: ATL}\n", "unknown state 'ATL'"),
        ("actors:\n  x: {name: X, offices: [{office: head_of_state, from: 2020-01-01, until: 2019-01-01}]}\n",
         "ends \\(2019-01-01\\) before it starts"),
        ("actors:\n  x: {name: X, kind: organization, country: FRA, institution: navy}\n",
         "`institution` is one of .* got 'navy'"),
        ("actors:\n  x: {name: X, kind: organization, institution: military}\n", "got 'military'"),
    ],
)
def test_bad_actor_files_are_refused_with_the_file_and_actor(tmp_path, content, message):
    path = tmp_path / "bad.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(RegistryError, match=message) as error:
        load_registry(path)
    assert str(path) in str(error.value)


def test_an_unknown_actor_is_named_with_the_closest_ids(registry):
    with pytest.raises(RegistryError, match="unknown actor 'guiado': did you mean guaido"):
        registry["guiado"]


def test_search_finds_an_actor_by_any_of_its_names(registry):
    assert "guaido" in [a.id for a in registry.search("Guaido")]
    assert "pompeo" in [a.id for a in registry.search("secretary of state")] or "pompeo" in [
        a.id for a in registry.search("Pompeo")
    ]


def _lists(entry: dict) -> list[list[str]]:
    """An entry's alias and role lists without its own name, when they hold three variants or more
    (two are often just an acronym and what it stands for, which anyone would write alike)."""
    out = []
    for key in ("aliases", "roles", "demonyms"):
        values = sorted(set(entry.get(key) or []) - {entry.get("name")})
        if len(values) >= 3:
            out.append(values)
    return out


def test_no_shipped_name_or_role_list_is_a_labelled_entry_copied(registry):
    """Shipped data is general knowledge: no alias or role list equals a labelled actor's wholesale."""
    shipped = []
    for name in ("people.yaml", "organizations.yaml"):
        data = yaml.safe_load((DATA / name).read_text(encoding="utf-8"))
        for entry in next(iter(data.values())).values():
            shipped += _lists(entry)
    for entry in yaml.safe_load(STATES_FILE.read_text(encoding="utf-8"))["states"].values():
        shipped += _lists(entry)
    for actor in registry:
        shipped += _lists({"name": actor.name, "roles": list(actor.roles)})
    labelled = []
    for folder in LABELLED_SETS:
        for entry in json.loads((folder / "actors.json").read_text(encoding="utf-8")).values():
            labelled += _lists(entry)
    assert len(shipped) > 100 and len(labelled) > 100  # the comparison compares something
    copied = [values for values in shipped if values in labelled]
    assert not copied, f"shipped lists equal to labelled actor entries: {copied[:3]}"


def test_a_group_and_an_organization_of_one_name_are_one_actor(tmp_path):
    # the shipped registry files the Rapid Support Forces as a group; a scholar's file may say organization
    mine = tmp_path / "mine.json"
    mine.write_text(json.dumps({"rapid_support_forces": {
        "name": "Rapid Support Forces (RSF)", "kind": "organization", "aliases": ["Rapid Support Forces", "RSF"]}}),
        encoding="utf-8")
    registry = load_registry(mine)
    rsf = registry["rapid_support_forces"]
    assert registry["rsf"] is rsf and rsf.kind == "organization"
    assert rsf.state == "sudan"  # what the shipped entry knew
