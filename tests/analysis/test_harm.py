"""Who a reported harm befalls and who does it, on statements of the labelled sets, read as
`communique evaluate` reads them (the shipped registry and the sets' actor files)."""

from __future__ import annotations

import pytest

from analysis.evaluate import read_all_labelled, turn_of
from analysis.reading import Reader
from analysis.registry import load_registry
from analysis.stance import StanceLexicon
from tests.conftest import TESTS

SETS = [TESTS / "files" / name for name in ("devset", "devset_intl", "devset_v2")]
ITEMS = {item.id: item for item in read_all_labelled([folder / "items.jsonl" for folder in SETS])}


@pytest.fixture(scope="module")
def registry():
    return load_registry(*(folder / "actors.json" for folder in SETS))


@pytest.fixture(scope="module")
def reader(registry):
    return Reader(registry)


@pytest.fixture(scope="module")
def harm():
    return StanceLexicon().harm


def roles(harm, reader, registry, item_id: str, actor: str):
    item = ITEMS[item_id]
    reference = reader.read(turn_of(item, registry)).answer[actor]
    return harm.roles(item.answer, [(form.start, form.end) for form in reference.forms])


def test_condemned_violence_against_protesters_sides_with_them(harm, reader, registry):
    # US, August 2020: "The U.S. strongly condemns violence against protesters and the detention of
    # opposition supporters."
    found = roles(harm, reader, registry, "belarus-us-001", "belarus_opposition")
    assert found.harmed > 0 and found.harmed_condemned > 0
    assert found.harming == 0


def test_the_agent_of_an_attack_is_not_its_victim(harm, reader, registry):
    # Türkiye: "We strongly condemn the rocket attack launched by Armenia from the occupied Qubadli
    # district targeting Ordubadh district in the Nakhchivan Autonomous Republic of Azerbaijan."
    armenia = roles(harm, reader, registry, "karabakh-tr-002", "armenia")
    assert armenia.harmed == 0


def test_the_doer_of_atrocities(harm, reader, registry):
    # US, March 2022: "Burma's military has for decades committed unspeakable atrocities ..."
    military = roles(harm, reader, registry, "v2-us-019", "myanmar_military")
    assert military.harming > 0 and military.harmed == 0


def test_an_arrest_the_speaker_defends_is_harm_not_condemned(harm, reader, registry):
    # China MFA, 23 August 2019: "Michael Kovrig was arrested for suspected crimes ..." — passive,
    # and reported as lawful, so the arrested man is harmed but nothing condemns it
    kovrig = roles(harm, reader, registry, "fmprc-20190823-13", "michael_kovrig")
    assert kovrig.harmed > 0 and kovrig.harmed_condemned == 0


def test_denied_harm_is_no_doing(harm, reader, registry):
    # China MFA, 9 December 2019: "China has never threatened, intimidated or extorted others."
    china = roles(harm, reader, registry, "fmprc-20191209-05", "china")
    assert china.harming == 0


def test_no_forms_no_roles(harm):
    found = harm.roles("The EU condemns the violence against peaceful protesters.", [])
    assert (found.harmed, found.harmed_condemned, found.harming) == (0.0, 0.0, 0.0)
