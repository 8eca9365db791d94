"""Sentences of real labelled answers: a title or an initial does not end one."""

import json
from pathlib import Path

import pytest

from analysis.text import sentences

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
