"""`communique actors`: find an actor by any name; list what the corpus names and the registry lacks."""

from __future__ import annotations

from click.testing import CliRunner

from analysis.unknown import candidate_names
from communique.cli import main
from corpus import Corpus
from crawlers.spiders.fmprc import parse_briefing
from tests.analysis.test_analyze import store_briefing
from tests.conftest import fmprc_page


def test_an_actor_is_found_by_any_of_its_names():
    result = CliRunner().invoke(main, ["actors", "Guaido"])
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if line.startswith("guaido "))
    assert "Juan Guaidó" in line and "Interim President 2019-01-23..2023-01-05" in line
    assert "dprk" in CliRunner().invoke(main, ["actors", "North Korea"]).output  # an older id is shown


def test_no_match_suggests_the_closest_ids():
    result = CliRunner().invoke(main, ["actors", "guiado"])
    assert result.exit_code != 0
    assert "did you mean guaido" in result.output


def test_unknown_lists_the_names_the_registry_lacks(tmp_path):
    db = tmp_path / "c.db"
    with Corpus(db) as corpus:
        store_briefing(corpus, "t1632218.shtml")  # 24 January 2019
    result = CliRunner().invoke(main, ["--db", str(db), "actors", "--unknown", "--limit", "20"])
    assert result.exit_code == 0, result.output
    names = [line.strip().split("  ")[1].strip() for line in result.output.splitlines()]
    assert "McCallum" in names  # "the relevant remarks by Ambassador McCallum": a person no one listed
    assert "Belt and Road Initiative" in names
    assert {"JCPOA", "Davos"} <= set(names)  # one word mid-sentence: "implementing the JCPOA", "in Davos"
    assert not {"Guaido", "Maduro", "Venezuela", "Hua Chunying"} & set(names)  # known, so not listed
    missing = CliRunner().invoke(main, ["--db", str(tmp_path / "none.db"), "actors", "--unknown"])
    assert missing.exit_code != 0 and "no corpus at" in missing.output


def test_dates_and_sentence_openers_are_not_names():
    # 8 May 2020: "On January 7, China CDC identified the first novel coronavirus strain. On January
    # 12, the ..." — "On January" is a date, "China CDC" a body the registry may lack
    briefing = parse_briefing(*fmprc_page("t1777215.shtml"))
    text = next(s.text for s in briefing.segments if "On January 7, China CDC" in s.text)
    names = [name for name, _ in candidate_names(text)]
    assert "China CDC" in names
    assert not [name for name in names if "January" in name or name.startswith("On ")]
    for name, start in candidate_names(text):
        assert text[start : start + len(name)] == name
