"""Parsing of the saved mid.ru pages (tests/files/mid), and a replay crawl of them.

The expected turns were counted by hand on the saved pages: S statement (one per topic
section), Q question, A answer, in page order.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from crawlers.parsing import LayoutError
from crawlers.spiders.mid import (
    MidSpider,
    list_page_url,
    parse_briefing,
    parse_list_page,
    read_date,
)
from tests.conftest import run_communique

MID_REPLAY = Path(__file__).resolve().parents[1] / "files" / "mid"
LIST_URL = "https://mid.ru/en/press_service/spokesman/briefings/"
ZAKHAROVA = "Maria Zakharova"


def _manifest() -> dict[str, Path]:
    with (MID_REPLAY / "manifest.jsonl").open(encoding="utf-8") as lines:
        return {entry["url"]: MID_REPLAY / entry["path"] for entry in map(json.loads, lines)}


SAVED = _manifest()


def article_url(native_id: int) -> str:
    return f"{LIST_URL}{native_id}/"


def saved(url: str) -> tuple[bytes, str]:
    return SAVED[url].read_bytes(), url


def briefing(native_id: int):
    return parse_briefing(*saved(article_url(native_id)))


def kinds(segments) -> str:
    return "".join(segment.kind[0].upper() for segment in segments)


def test_first_list_page_gives_three_briefings_and_two_pages():
    listing = parse_list_page(*saved(LIST_URL))
    assert listing.page_count == 2
    # the featured news item above the list is an a.announce__link too, but no briefing
    assert [article.url for article in listing.articles] == [article_url(1469734), article_url(1463129), article_url(1445232)]
    assert listing.articles[0].title == "Briefing by Foreign Ministry Spokeswoman Maria Zakharova, Moscow, January 28, 2021"
    assert [article.date for article in listing.articles] == [
        dt.date(2021, 1, 28), dt.date(2020, 12, 24), dt.date(2020, 9, 30)
    ]


def test_second_list_page():
    listing = parse_list_page(*saved(LIST_URL + "?PAGEN_1=2"))
    assert listing.page_count == 2
    assert [article.url for article in listing.articles] == [article_url(1441015), article_url(1438153)]
    assert [article.date for article in listing.articles] == [dt.date(2020, 9, 3), dt.date(2020, 8, 20)]


def test_list_pages_are_numbered_as_the_pagination_links():
    assert list_page_url(0) == LIST_URL
    assert list_page_url(1) == LIST_URL + "?PAGEN_1=2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("20.08.2020", dt.date(2020, 8, 20)),
        ("03.09.2020", dt.date(2020, 9, 3)),  # day first: not March 9
        ("30 September 2020", dt.date(2020, 9, 30)),
        ("not a date", None),
    ],
)
def test_both_forms_of_the_site_dates(text, expected):
    assert read_date(text) == expected


@pytest.mark.parametrize(
    ("native_id", "date", "turns", "headings"),
    [
        (1469734, dt.date(2021, 1, 28), "SSQAQAQA",
         ["Extension of the New START Treaty", "Unauthorised protests on January 23"]),
        (1463129, dt.date(2020, 12, 24), "SSSQAQA",
         ["Developments in Venezuela", "US restrictions against Russian companies", "Situation in Hong Kong"]),
        (1445232, dt.date(2020, 9, 30), "SSSQAQAQA",
         [None, "Escalation of the conflict in Nagorno-Karabakh",
          "Results of the high-level week of the 75th session of the UN General Assembly"]),
        (1441015, dt.date(2020, 9, 3), "SSSQAQA",
         ["Statement by the German Government on Alexey Navalny", "Situation in Belarus",
          "Day of Military Glory: the end of World War II"]),
        (1438153, dt.date(2020, 8, 20), "SSSQAQAQA",
         ["Situation in Belarus", "Developments in Mali", "75th anniversary of the end of World War II"]),
    ],
)
def test_each_saved_briefing_turn_by_turn(native_id, date, turns, headings):
    page = briefing(native_id)
    assert page.title == (
        f"Briefing by Foreign Ministry Spokeswoman Maria Zakharova, Moscow, {date:%B} {date.day}, {date.year}"
    )
    assert page.date == date and page.date_inferred is None
    assert (page.spokesperson, page.kind, page.layout) == (ZAKHAROVA, "Briefing", "mid_2021")
    assert kinds(page.segments) == turns
    statements = [segment for segment in page.segments if segment.kind == "statement"]
    assert [segment.label for segment in statements] == headings
    for index, segment in enumerate(page.segments):
        if segment.kind == "question":
            assert segment.speaker is None
        else:
            assert segment.speaker == ZAKHAROVA
        if segment.kind == "answer":
            assert segment.reply_to == index - 1


@pytest.mark.parametrize("native_id", [1469734, 1463129, 1445232, 1441015, 1438153])
def test_contents_and_back_links_are_stripped(native_id):
    raw, url = saved(article_url(native_id))
    assert b"<strong>Contents</strong>" in raw and b"Back to contents</a>" in raw
    segments = parse_briefing(raw, url).segments
    texts = [segment.text for segment in segments]
    assert not any("Back to contents" in text or "Contents" in text for text in texts)
    assert not any("Answers to media questions" in (segment.label or segment.text) for segment in segments)


def test_a_section_runs_over_its_paragraphs():
    first = briefing(1438153).segments[0]
    assert first.kind == "statement" and first.paragraphs == 2
    assert first.text.startswith("We continue to follow closely the developments in Belarus after the presidential election of August 9.")
    assert first.text.endswith("It is the Belarusians, and only the Belarusians, who must decide their own future.")


def test_plain_h3_headings_are_section_headings():
    raw, url = saved(article_url(1441015))
    assert b'<h3 id="1">Statement by the German Government on Alexey Navalny</h3>' in raw
    assert parse_briefing(raw, url).segments[0].label == "Statement by the German Government on Alexey Navalny"


def test_text_before_the_first_heading_is_an_unlabelled_statement():
    first = briefing(1445232).segments[0]
    assert (first.kind, first.label, first.speaker) == ("statement", None, ZAKHAROVA)
    assert first.text.startswith("Good afternoon. Before I turn to the main topics of today’s briefing")


def test_questions_with_and_without_the_question_label():
    labelled = briefing(1438153).segments[3]
    assert (labelled.kind, labelled.label) == ("question", "Question")
    assert labelled.text.startswith("Alexey Navalny was taken to hospital in Omsk this morning")
    bare = briefing(1445232).segments[3]
    assert (bare.kind, bare.label) == ("question", None)
    assert bare.text == "Reports say that Syrian fighters are being sent to the conflict zone in Nagorno-Karabakh. Can you confirm this?"
    answer = briefing(1445232).segments[4]
    assert answer.paragraphs == 2 and answer.text.endswith("to prevent the use of foreign terrorists and mercenaries in the conflict.")


def test_a_question_in_two_bold_paragraphs_is_one_question():
    segments = briefing(1441015).segments
    question, answer = segments[5], segments[6]
    assert question.kind == "question" and question.paragraphs == 2
    assert question.text == (
        "Some Western politicians are calling for the Nord Stream 2 project to be stopped because of the "
        "Navalny case.\n\nDo you think the project is in danger?"
    )
    assert (answer.kind, answer.label, answer.reply_to) == ("answer", ZAKHAROVA, 5)
    assert answer.text.startswith("Nord Stream 2 is a commercial project")


def test_date_falls_back_on_the_title():
    raw, url = saved(article_url(1445232))
    without_date = raw.replace(b'<div class="photo-content__date">30 September 2020</div>', b"")
    assert without_date != raw
    page = parse_briefing(without_date, url)
    assert page.date == dt.date(2020, 9, 30) and page.date_inferred is None


def test_a_page_of_another_layout_names_every_failed_check():
    with pytest.raises(LayoutError) as error:
        parse_briefing(*saved(LIST_URL))
    assert str(error.value) == (
        f"{LIST_URL}: not a mid.ru briefing page: no '.photo-content__title' title; "
        "no 'div.text.article-content' body; no '.photo-content__date' date nor a date in the title"
    )


def test_an_article_page_is_not_a_list_page():
    with pytest.raises(LayoutError, match="no 'a.announce__link' links"):
        parse_list_page(*saved(article_url(1438153)))


def test_spider_describes_its_source_and_asks_for_ten_seconds():
    assert MidSpider.name == "mid"
    assert (MidSpider.source.country, MidSpider.source.language) == ("RU", "en")
    assert MidSpider.custom_settings == {"DOWNLOAD_DELAY": 10}
    assert MidSpider().native_id(article_url(1438153)) == "1438153"
    assert MidSpider().sequence("1438153") == 1438153


@pytest.mark.slow
def test_replay_crawl_stores_every_briefing(tmp_path):
    db = tmp_path / "c.db"
    result = run_communique("crawl", "mid", "--replay", str(MID_REPLAY), db=db)
    assert "stored 5 documents (0 with parse errors)" in result.stdout
    connection = sqlite3.connect(db)
    documents = connection.execute(
        "SELECT id, date, spokesperson, sequence, parse_status, segment_count FROM documents ORDER BY id"
    ).fetchall()
    assert documents == [
        ("mid:1438153", "2020-08-20", ZAKHAROVA, 1438153, "ok", 9),
        ("mid:1441015", "2020-09-03", ZAKHAROVA, 1441015, "ok", 7),
        ("mid:1445232", "2020-09-30", ZAKHAROVA, 1445232, "ok", 9),
        ("mid:1463129", "2020-12-24", ZAKHAROVA, 1463129, "ok", 7),
        ("mid:1469734", "2021-01-28", ZAKHAROVA, 1469734, "ok", 8),
    ]
    counts = dict(connection.execute("SELECT kind, count(*) FROM segments GROUP BY kind").fetchall())
    assert counts == {"statement": 14, "question": 13, "answer": 13}
    orphans = connection.execute(
        """SELECT count(*) FROM segments a LEFT JOIN segments q ON q.id = a.reply_to
           WHERE a.kind = 'answer' AND (q.kind IS NOT 'question')"""
    ).fetchone()[0]
    assert orphans == 0
    connection.close()

    again = run_communique("crawl", "mid", "--replay", str(MID_REPLAY), db=db)
    assert "stored 0 documents" in again.stdout
    assert "skipped 5 already stored" in again.stdout
