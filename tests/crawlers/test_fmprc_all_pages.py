"""Invariants that must hold on every one of the 500 saved fmprc briefings.

The expected values are computed independently of the parser: questions are counted
with regular expressions over the raw HTML, and the words of the body with lxml's own
text extraction, so a parser bug cannot hide behind itself.
"""

from __future__ import annotations

import html
import re

import pytest
from lxml import html as lxml_html

from crawlers.spiders.fmprc import parse_briefing
from tests.conftest import FMPRC_BASE_URL, FMPRC_PAGES

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
    """Q:/Follow-up: paragraphs, plus bold "Label: text" paragraphs not labelled by the spokesperson."""
    count = 0
    for line in _raw_lines(_body_html(raw)):
        plain = line.replace(BOLD, "").strip()
        if re.match(r"(Q|Follow[- ]?up)\s*[:：]", plain, re.I):
            count += 1
            continue
        label = re.match(r"([^:：]{1,100}?)\s*[:：]\s*(\S.*)?$", plain)
        if (
            BOLD in line
            and label
            and label.group(2)
            and len(label.group(1).split()) <= 16
            and label.group(1).strip() != "A"
            and label.group(1).casefold() != spokesperson.casefold()
        ):
            count += 1
    return count


def body_words(raw: str) -> list[str]:
    body = lxml_html.document_fromstring(raw).cssselect("div.content_mod div.content")[0]
    for element in body.iter("script", "style"):
        element.drop_tree()
    return re.findall(r"\w+", body.text_content())


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
    assert rebuilt == body_words(raw)


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
