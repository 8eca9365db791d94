"""Invariants that must hold on every one of the 500 saved fmprc briefings.

The expected values are computed independently of the parser: questions are counted
with regular expressions over the raw HTML, the words of the body with lxml's own text
extraction, and the question/answer pairs by a reader written apart from the parser
(tests/crawlers/reference_pairs.py), so a parser bug cannot hide behind itself.
"""

from __future__ import annotations

import html
import re

import pytest

from crawlers.spiders.fmprc import parse_briefing
from tests.conftest import FMPRC_BASE_URL, FMPRC_PAGES, body_words
from tests.crawlers.reference_pairs import matching_pairs, reference_pairs

ARTICLES = sorted(path.name for path in FMPRC_PAGES.glob("t*.shtml"))
BOLD = "\x01"


def _body_html(raw: str) -> str:
    start = raw.index('<div class="content">')
    return raw[start : raw.index('<div class="tool"', start)]


def _raw_lines(body: str) -> list[str]:
    marked = re.sub(r"<(B|STRONG)\b[^>]*>", BOLD, body, flags=re.I)
    marked = re.sub(r"</?(P|DIV)\b[^>]*>|(<br\s*/?>\s*(&nbsp;|\s)*){2,}", "\n", marked, flags=re.I)
    text = html.unescape(re.sub(r"<[^>]+>", "", marked)).replace("\xa0", " ")
    return [" ".join(line.split()) for line in text.split("\n") if re.search(r"\w", line)]


def count_question_turns(raw: str, spokesperson: str) -> int:
    """Q:/Follow-up: paragraphs, bold "Label: text" paragraphs not labelled by the spokesperson,
    and bold unlabelled paragraphs that follow a plain one (a question put without a label)."""
    count = 0
    previous_bold = False
    for line in _raw_lines(_body_html(raw)):
        plain = line.replace(BOLD, "").strip()
        bold = BOLD in line
        opens_bold = line.lstrip().startswith(BOLD)
        label = re.match(r"([^:：]{1,100}?)\s*[:：]\s*(\S.*)?$", plain)
        if re.match(r"(Q|Follow[- ]?up)\s*[:：]", plain, re.I):
            count += 1
        elif (
            bold
            and label
            and label.group(2)
            and len(label.group(1).split()) <= 16
            and label.group(1).strip() != "A"
            and label.group(1).casefold() != spokesperson.casefold()
        ):
            count += 1
        elif opens_bold and not label and not previous_bold and re.search(r"\w", plain):
            count += 1
        previous_bold = opens_bold
    return count


@pytest.fixture(scope="module", params=ARTICLES)
def page(request):
    raw = (FMPRC_PAGES / request.param).read_text(encoding="utf-8")
    return raw, parse_briefing(raw, FMPRC_BASE_URL + request.param)


def test_press_conferences_have_questions_and_answers(page):
    _, briefing = page
    if briefing.kind != "Regular Press Conference":
        pytest.skip(f"a {briefing.kind} page")
    kinds = {segment.kind for segment in briefing.segments}
    assert {"question", "answer"} <= kinds


def test_one_question_segment_per_question_turn(page):
    raw, briefing = page
    questions = [s for s in briefing.segments if s.kind == "question"]
    assert len(questions) == count_question_turns(raw, briefing.spokesperson)


def test_every_word_of_the_body_lands_once_in_order(page):
    raw, briefing = page
    rebuilt = []
    for segment in briefing.segments:
        rebuilt += re.findall(r"\w+", f"{segment.label or ''} {segment.text}")
    assert rebuilt == body_words(raw, "div.content_mod div.content")


def test_answers_reply_to_an_earlier_question(page):
    _, briefing = page
    for index, segment in enumerate(briefing.segments):
        if segment.kind == "answer" and segment.reply_to is not None:
            assert segment.reply_to < index
            assert briefing.segments[segment.reply_to].kind == "question"


def test_every_page_has_title_spokesperson_and_date(page):
    _, briefing = page
    assert briefing.spokesperson in {"Lu Kang", "Hua Chunying", "Geng Shuang", "Zhao Lijian"}
    # two Remarks pages carry no date at all: the corpus dates them by their neighbours
    assert briefing.date is not None or briefing.kind == "Remarks"


def our_pairs(briefing) -> list[tuple[str, str]]:
    segments = briefing.segments
    return [(segments[s.reply_to].text, s.text) for s in segments if s.kind == "answer" and s.reply_to is not None]


def test_question_answer_pairs_match_an_independent_extraction():
    """At least 99.7% of the pairs an independent reader finds are ours, word for word (issue 12)."""
    found = exact = 0
    for name in ARTICLES:
        raw = (FMPRC_PAGES / name).read_text(encoding="utf-8")
        reference = reference_pairs(raw)
        found += len(reference)
        exact += matching_pairs(our_pairs(parse_briefing(raw, FMPRC_BASE_URL + name)), reference)
    assert found > 4500
    assert exact / found >= 0.997, f"{exact} of {found} pairs exact"


def test_the_independent_reader_sees_what_the_pages_say():
    raw = (FMPRC_PAGES / "t1632218.shtml").read_text(encoding="utf-8")
    pairs = reference_pairs(raw)
    assert len(pairs) == 16
    assert pairs[3][0].startswith("According to reports, on January 23, President of Venezuela's National Assembly")
    assert pairs[3][1].startswith("We have been closely following the current situation in Venezuela")
    # the closing announcement after "***" is nobody's answer
    last = reference_pairs((FMPRC_PAGES / "t1677852.shtml").read_text(encoding="utf-8"))[-1]
    assert last[1] == "I would refer you to the military for that."
