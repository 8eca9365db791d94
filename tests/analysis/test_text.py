"""Sentences of real labelled answers: a title or an initial does not end one; word lists as trie regexes."""

import json
import re
from pathlib import Path

import pytest

from analysis.text import alternation, fold, sentences

FILES = Path(__file__).parent.parent / "files"


def _answer(folder: str, item_id: str) -> str:
    with open(FILES / folder / "items.jsonl", encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            if item["id"] == item_id:
                return item["answer"]
    raise AssertionError(f"{item_id} not in {folder}")


@pytest.mark.parametrize("folder, item_id, name, rest", [
    ("devset_intl", "dprk-us-002", "Michael R. Pompeo", "will now take place at a later date."),
    ("devset_v2", "v2-fr-002", "Mr. Bondarenko", "those responsible must be identified."),
])
def test_a_name_with_a_title_or_an_initial_stays_in_its_sentence(folder, item_id, name, rest):
    text = _answer(folder, item_id)
    spans = [text[start:end] for start, end in sentences(text)]
    holding = [s for s in spans if name in s]
    assert holding and holding[0].endswith(rest)


def test_sentences_still_end_at_a_full_stop_before_a_capital():
    text = _answer("devset_intl", "dprk-us-002")
    spans = sentences(text)
    assert len(spans) > 1
    for start, end in spans:
        assert text[start:end].rstrip()[-1] in ".!?:;\"”'" or end == len(text) or text[end] == "\n"


def _spans(pattern: str, text: str, flags=0) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group()) for m in re.finditer(pattern, text, flags)]


def _sorted_alternation(forms, space=None) -> str:
    """What the trie replaces: every form, longest first."""
    escaped = (re.escape(f) for f in sorted(forms, key=len, reverse=True))
    return "|".join(e.replace(r"\ ", space) if space else e for e in escaped)


def test_a_trie_of_names_matches_what_the_longest_first_alternation_matches():
    forms = ["Ma", "May", "Maduro", "Nicolas Maduro", "US", "U.S.", "USA", "United States",
             "United States of America", "the United States"]
    text = ("The United States of America and the U.S. side; Ma Zhaoxu in May; Maduro, "
            "Nicolas Maduro's USAID, the USA and the United States' sanctions")
    bounded = r"(?<!\w)(?:{})(?!\w)"
    assert (_spans(bounded.format(alternation(forms)), text)
            == _spans(bounded.format(_sorted_alternation(forms)), text))
    found = [m for *_, m in _spans(bounded.format(alternation(forms)), text)]
    # the longest form that ends at a word's end: not "Ma" in "May", not "US" in "USAID"
    assert found == ["United States of America", "U.S.", "Ma", "May", "Maduro", "Nicolas Maduro", "USA",
                     "the United States"]
    # a space may stand for any run of whitespace, case ignored, as the role patterns read
    heads = ["foreign minister", "foreign ministry", "minister", "government"]
    text = "The Foreign\nMinister and the foreign  ministry, not the minister's government."
    assert (_spans(alternation(heads, space=r"\s+"), text, re.I)
            == _spans(_sorted_alternation(heads, space=r"\s+"), text, re.I))
    assert re.search(alternation([]), "anything") is None


def test_the_registrys_names_found_by_trie_are_those_of_the_plain_alternation():
    from analysis.registry import load_registry
    from analysis.references import Matcher

    matcher = Matcher(load_registry())
    forms = list(matcher.alias_owners)
    plain = re.compile(r"(?<!\w)(?:" + _sorted_alternation(forms) + r")(?!\w)")
    for folder in ("devset", "devset_intl", "devset_v2"):
        with open(FILES / folder / "items.jsonl", encoding="utf-8") as lines:
            for line in lines:
                item = json.loads(line)
                text = fold(" ".join(filter(None, [item.get("question"), item["answer"]])))
                assert _spans(matcher.alias_pattern.pattern, text) == _spans(plain.pattern, text), item["id"]
