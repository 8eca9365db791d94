"""Invariants that must hold on every one of the 1,000 saved pages of the Chinese section.

The expected values are computed apart from the parser: question turns are counted by
regular expressions over the raw HTML (no lxml tree, no code of crawlers/), and the
words of the body with lxml's own text extraction, so a parser bug cannot hide behind
itself.
"""

from __future__ import annotations

import html
import re
from collections import Counter

import pytest

from crawlers.spiders.fmprc_zh import SPOKESPEOPLE, parse_briefing
from tests.conftest import FMPRC_ZH_BASE_URL, FMPRC_ZH_PAGES, body_words

ARTICLES = sorted(path.name for path in FMPRC_ZH_PAGES.glob("t*.shtml"))
BOLD = "\x01"
BODY_START = '<div id="News_Body_Txt_A" class="content">'
BODY_END = '<div class="news" id="appendix_list"'
# What a question turn opens with, written from reading the pages: 问： 追问： 追问二：,
# a journalist or an outlet's journalist (路透社记者： 彭博社记者追问： 记者澄清：), and the
# questions put after the conference (会后有记者问及： 会后，有记者问及：).
QUESTION_OPENING = re.compile(
    r"^(?:问|追问[一二三四五]?|有?记者问|会后[，,]?有[^：:]{0,6}记者问及|"
    r"[A-Za-z《》\u4e00-\u9fff]{0,24}记者(?:提问|追问|澄清|解释|笑|回答)?)\s*[:：]"
)

ANSWER_OPENING = re.compile(r"^(?:答|(?:%s)(?:表示)?)\s*[:：，,]" % "|".join(SPOKESPEOPLE))


def raw_lines(raw: str) -> list[str]:
    """The body's lines, bold marked: every <P>, <DIV> and <BR><BR> ends one."""
    body = raw[raw.index(BODY_START) + len(BODY_START) : raw.index(BODY_END)]
    marked = re.sub(r"<(B|STRONG)\b[^>]*>", BOLD, body, flags=re.I)
    marked = re.sub(r"<(script|style)\b.*?</\1>", "", marked, flags=re.I | re.S)
    marked = re.sub(r"</?(P|DIV)\b[^>]*>|(<br\s*/?>\s*(&nbsp;|\s)*){2,}", "\n", marked, flags=re.I)
    text = html.unescape(re.sub(r"<[^>]+>", "", marked)).replace("\xa0", " ").replace("\u3000", " ")
    return [" ".join(line.split()) for line in text.split("\n") if re.search(r"\w", line)]


def count_question_turns(raw: str) -> int:
    """Labelled questions, and bold unlabelled lines that follow a plain one (a question put without a label)."""
    count = 0
    asking = False  # the line before asks: a question opening, or a bold line
    for line in raw_lines(raw):
        plain = line.replace(BOLD, "").strip()
        opens_bold = line.lstrip().startswith(BOLD)
        labelled = re.match(r"[^：:]{1,40}[:：]", plain)
        if QUESTION_OPENING.match(plain):
            count += 1
            asking = True
            continue
        if ANSWER_OPENING.match(plain):
            asking = False
            continue
        if opens_bold and not asking and not labelled:
            count += 1
        asking = opens_bold
    return count


@pytest.fixture(scope="module", params=ARTICLES)
def page(request):
    raw = (FMPRC_ZH_PAGES / request.param).read_text(encoding="utf-8")
    return raw, parse_briefing(raw, FMPRC_ZH_BASE_URL + request.param)


def test_the_saved_section_is_whole():
    assert len(ARTICLES) == 1000


def test_kinds_are_the_pages_own():
    kinds = Counter(parse_briefing((FMPRC_ZH_PAGES / name).read_bytes(), FMPRC_ZH_BASE_URL + name).kind
                    for name in ARTICLES)
    # 827 press conferences as the section's own count has it: 812 in the hall, 15 online (February 2020)
    assert kinds == {"例行记者会": 812, "网上例行记者会": 15, "答记者问": 140, "其他": 33}


def test_press_conferences_have_questions_and_answers():
    without = []
    for name in ARTICLES:
        briefing = parse_briefing((FMPRC_ZH_PAGES / name).read_bytes(), FMPRC_ZH_BASE_URL + name)
        if briefing.kind in ("例行记者会", "网上例行记者会"):
            if not {"question", "answer"} <= {segment.kind for segment in briefing.segments}:
                without.append(name)
    # 24 October 2017 was published with its opening announcement only
    assert without == ["t1504209.shtml"]


def test_one_question_segment_per_question_turn(page):
    raw, briefing = page
    questions = [s for s in briefing.segments if s.kind == "question"]
    assert len(questions) == count_question_turns(raw)


def test_every_word_of_the_body_lands_once_in_order(page):
    raw, briefing = page
    rebuilt = []
    for segment in briefing.segments:
        rebuilt += re.findall(r"\w+", f"{segment.label or ''} {segment.text}")
    assert rebuilt == body_words(raw, "#News_Body_Txt_A")


def test_answers_reply_to_an_earlier_question(page):
    _, briefing = page
    for index, segment in enumerate(briefing.segments):
        if segment.kind == "answer":
            assert segment.reply_to is not None and segment.reply_to < index
            assert briefing.segments[segment.reply_to].kind == "question"


def test_every_page_has_its_title_and_date_and_conferences_their_spokesperson(page):
    _, briefing = page
    assert briefing.title and briefing.date is not None and briefing.date_inferred is None
    if briefing.kind in ("例行记者会", "网上例行记者会"):
        assert briefing.spokesperson in SPOKESPEOPLE
