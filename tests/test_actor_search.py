"""Finding actors by any name, and the ids a mistyped one most likely meant."""

from __future__ import annotations

import pytest

from communique.actor_search import closest_ids, did_you_mean, find_actors, fold

ACTORS = [
    {"id": "guaido", "name": "Juan Guaidó", "aliases": ["Juan Guaidó", "Juan Guaido", "Guaidó", "Guaido"],
     "roles": ["the opposition leader"], "answers": 48},
    {"id": "maduro", "name": "Nicolás Maduro", "aliases": ["Maduro"], "roles": ["the Venezuelan government"],
     "answers": 120},
    {"id": "xinjiang_government", "name": "Government of the Xinjiang Uygur Autonomous Region", "aliases": [],
     "roles": ["the Xinjiang local government"], "answers": 0},
    {"id": "un", "name": "United Nations", "aliases": ["UN", "the United Nations"], "roles": [], "answers": 356},
    {"id": "unsc", "name": "UN Security Council", "aliases": ["Security Council"], "roles": [], "answers": 40},
]


def ids(found):
    return [actor["id"] for actor in found]


def test_fold_drops_case_diacritics_and_underscores():
    assert fold("Juan GUAIDÓ") == "juan guaido"
    assert fold("xinjiang_government") == "xinjiang government"


@pytest.mark.parametrize(
    ("query", "expected", "matched"),
    [
        ("guaido", ["guaido"], ("id", "guaido")),
        ("Guaidó", ["guaido"], ("id", "guaido")),
        ("juan", ["guaido"], ("name", "Juan Guaidó")),
        ("Xinjiang", ["xinjiang_government"], ("id", "xinjiang_government")),
        ("venezuelan government", ["maduro"], ("role", "the Venezuelan government")),
    ],
)
def test_find_by_any_name(query, expected, matched):
    found = find_actors(ACTORS, query)
    assert ids(found) == expected
    assert found[0]["matched"] == matched


def test_exact_names_come_before_inner_matches_then_the_most_referred_to():
    # "un" is un's id exactly; unsc only starts with it
    assert ids(find_actors(ACTORS, "un")) == ["un", "unsc"]
    assert ids(find_actors(ACTORS, "")) == ids(ACTORS)


@pytest.mark.parametrize(
    ("unknown", "expected"),
    [("xinjiang", ["xinjiang_government"]), ("guiado", ["guaido"]), ("madoro", ["maduro"]), ("zzz", [])],
)
def test_closest_ids(unknown, expected):
    assert closest_ids(ACTORS, unknown) == expected


def test_did_you_mean_names_the_ids_with_their_names():
    assert did_you_mean(ACTORS, "xinjiang") == (
        "did you mean xinjiang_government (Government of the Xinjiang Uygur Autonomous Region)?")
    assert did_you_mean(ACTORS, "zzz") == ""
