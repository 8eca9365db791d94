"""Parsing of the saved state.gov pages (tests/files/state), and a replay crawl of them.

The expected turns were counted by hand on the saved pages: S statement, Q question,
A answer, in page order.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from crawlers.parsing import LayoutError
from crawlers.spiders.state import (
    StateSpider,
    list_page_url,
    parse_briefing,
    parse_list_page,
    read_page,
    speaker_name,
)
from tests.conftest import run_communique

STATE_REPLAY = Path(__file__).resolve().parents[1] / "files" / "state"
LIST_URL = "https://www.state.gov/department-press-briefings/"
MARCH_1 = "https://www.state.gov/briefings/department-press-briefing-march-1-2021/"
FEBRUARY_10 = "https://www.state.gov/briefings/department-press-briefing-february-10-2021/"
FEBRUARY_26 = "https://www.state.gov/briefings/department-press-briefing-february-26-2021/"  # unknown layout
AUGUST_27 = "https://2017-2021.state.gov/department-press-briefing-august-27-2020/index.html"
NOVEMBER_26 = "https://2017-2021.state.gov/department-press-briefing-november-26-2019/index.html"
MARCH_5 = "https://2017-2021.state.gov/department-press-briefing-march-5-2019/index.html"


def _manifest() -> dict[str, Path]:
    with (STATE_REPLAY / "manifest.jsonl").open(encoding="utf-8") as lines:
        return {entry["url"]: STATE_REPLAY / entry["path"] for entry in map(json.loads, lines)}


SAVED = _manifest()


def saved(url: str) -> tuple[bytes, str]:
    return SAVED[url].read_bytes(), url


def briefing(url: str):
    return parse_briefing(*saved(url))


def kinds(segments) -> str:
    return "".join(segment.kind[0].upper() for segment in segments)


def test_first_list_page_gives_three_briefings_and_two_pages():
    listing = parse_list_page(*saved(LIST_URL))
    assert listing.page_count == 2
    assert [article.url for article in listing.articles] == [MARCH_1, FEBRUARY_26, FEBRUARY_10]
    assert listing.articles[0].title == "Department Press Briefing – March 1, 2021"
    assert [article.date for article in listing.articles] == [
        dt.date(2021, 3, 1), dt.date(2021, 2, 26), dt.date(2021, 2, 10)
    ]


def test_second_list_page_links_the_archive_host():
    listing = parse_list_page(*saved(LIST_URL + "page/2/"))
    assert listing.page_count == 2
    assert [article.url for article in listing.articles] == [AUGUST_27, NOVEMBER_26, MARCH_5]
    assert [article.date for article in listing.articles] == [
        dt.date(2020, 8, 27), dt.date(2019, 11, 26), dt.date(2019, 3, 5)
    ]


def test_list_pages_are_numbered_as_the_pagination_links():
    assert list_page_url(0) == LIST_URL
    assert list_page_url(1) == LIST_URL + "page/2/"


def test_an_article_page_is_not_a_list_page():
    with pytest.raises(LayoutError, match="no 'li.collection-result' items"):
        parse_list_page(*saved(MARCH_1))


@pytest.mark.parametrize(
    ("url", "title", "date", "spokesperson", "turns", "speakers"),
    [
        (
            MARCH_1, "Department Press Briefing – March 1, 2021", dt.date(2021, 3, 1), "Ned Price",
            "SSSQAQAQAQAQAS",
            ["Ned Price"] * 3 + [None, "Ned Price"] * 5 + [None],
        ),
        (
            FEBRUARY_10, "Department Press Briefing – February 10, 2021", dt.date(2021, 2, 10), "Ned Price",
            "SSSQAQAQAQAQAQAQ",
            ["Ned Price"] * 3 + [None, "Ned Price"] * 6 + [None],
        ),
        (
            AUGUST_27, "Department Press Briefing – August 27, 2020", dt.date(2020, 8, 27), "Morgan Ortagus",
            "SSSQAQAQAQS",
            ["Morgan Ortagus"] * 3 + [None, "Morgan Ortagus"] * 3 + [None, None],
        ),
        (
            NOVEMBER_26, "Department Press Briefing – November 26, 2019", dt.date(2019, 11, 26), "Morgan Ortagus",
            "SSSQAQAAQAQAQAS",
            ["Morgan Ortagus", "Elliott Abrams", "Elliott Abrams", None, "Elliott Abrams", None, "Elliott Abrams",
             "Morgan Ortagus"] + [None, "Morgan Ortagus"] * 3 + [None],
        ),
        (
            MARCH_5, "Department Press Briefing – March 5, 2019", dt.date(2019, 3, 5), "Robert Palladino",
            "SSQAQAQAQAQAS",
            ["Robert Palladino"] * 2 + [None, "Robert Palladino"] * 5 + [None],
        ),
    ],
)
def test_each_saved_briefing_turn_by_turn(url, title, date, spokesperson, turns, speakers):
    page = briefing(url)
    assert page.title == title
    assert page.date == date and page.date_inferred is None
    assert page.spokesperson == spokesperson
    assert page.kind == "Department Press Briefing"
    assert page.layout == "state_wp"
    assert kinds(page.segments) == turns
    assert [segment.speaker for segment in page.segments] == speakers
    for index, segment in enumerate(page.segments):
        if segment.kind == "answer":
            assert page.segments[segment.reply_to].kind == "question", f"answer {index} replies to a question"
        if segment.kind == "question":
            assert segment.label == "QUESTION"


def test_opening_remarks_are_statements_and_the_header_block_is_not_a_turn():
    segments = briefing(MARCH_1).segments
    assert (segments[0].kind, segments[0].label, segments[0].speaker) == ("statement", "MR PRICE", "Ned Price")
    assert segments[0].text == (
        "Good afternoon, everyone, and happy Monday. I have a few items at the top, "
        "and then I’ll be happy to take your questions."
    )
    assert segments[1].label is None and segments[1].text.startswith("First, the United States condemns the mass arrests in Hong Kong")
    assert segments[2].text.startswith("Next, we are deeply concerned by reports that security forces in Burma")
    header_lines = ("Department Spokesperson", "Washington, DC", "2:17 p.m. EST")
    assert not any(line in segment.text for segment in segments for line in header_lines)


def test_header_block_cut_by_line_breaks_is_dropped_too():
    raw, url = saved(AUGUST_27)
    assert b"Morgan Ortagus<br>\nDepartment Spokesperson<br>" in raw
    segments = parse_briefing(raw, url).segments
    assert segments[0].text.startswith("Good afternoon, everyone. Thanks for being here.")
    assert not any("Department Press Briefing" in segment.text for segment in segments)


@pytest.mark.parametrize(
    ("url", "header"),
    [
        (MARCH_1, ["Ned Price", "Department Spokesperson", "Department Press Briefing", "Washington, DC",
                   "March 1, 2021", "2:17 p.m. EST"]),
        # archive pages: lines cut by <br>, the summary index, then a bare "TRANSCRIPT:" and the time
        (NOVEMBER_26, ["Morgan Ortagus Department Spokesperson Department Press Briefing Washington, DC November 26, 2019",
                       "TRANSCRIPT:", "2:06 p.m. EST"]),
        (AUGUST_27, ["Morgan Ortagus Department Spokesperson Department Press Briefing Washington, DC August 27, 2020",
                     "2:32 p.m. EDT"]),
    ],
)
def test_header_block_is_read_apart_and_the_summary_index_is_dropped(url, header):
    raw, _ = saved(url)
    assert b"wp-block-summary-article-index" in raw and "Index for Today’s Briefing".encode() in raw
    page = read_page(raw, url)
    assert [paragraph.text for paragraph in page.header] == header
    assert not any("Index for Today" in paragraph.text for paragraph in page.transcript)


def test_summary_index_is_not_a_turn():
    texts = [segment.text for segment in briefing(FEBRUARY_10).segments]
    assert not any("Index for Today" in text or text in ("BURMA", "RUSSIA", "HONG KONG") for text in texts)


def test_unlabelled_paragraphs_continue_the_question_and_the_answer():
    segments = briefing(MARCH_1).segments
    question, answer = segments[7], segments[8]
    assert question.kind == "question" and question.paragraphs == 2
    assert question.text == (
        "On Russia. There are reports that the administration will announce its response to the poisoning "
        "of Aleksey Navalny as soon as this week.\n\nCan you tell us whether that response will be "
        "coordinated with the European Union, which agreed on its own sanctions last week?"
    )
    assert answer.kind == "answer" and answer.reply_to == 7 and answer.paragraphs == 2
    assert answer.text.endswith("we will respond in a way that is coordinated with our partners.")


def test_second_official_is_named_from_the_page():
    segments = briefing(NOVEMBER_26).segments
    abrams = [segment for segment in segments if segment.label == "MR ABRAMS"]
    assert len(abrams) == 3
    assert {segment.speaker for segment in abrams} == {"Elliott Abrams"}
    assert [segment.kind for segment in abrams] == ["statement", "answer", "answer"]
    # Ms Ortagus takes the floor back: her word answers the last question put to Mr Abrams
    assert (segments[7].label, segments[7].text, segments[7].reply_to) == ("MS ORTAGUS", "Thanks, Elliott. Let’s move on.", 5)


def test_closing_line_in_parentheses_is_a_note_without_speaker():
    last = briefing(MARCH_5).segments[-1]
    assert (last.kind, last.speaker, last.text) == ("statement", None, "(The briefing was concluded at 2:41 p.m.)")


def test_older_pages_with_a_classic_block_body_parse():
    raw, url = saved(MARCH_5)
    assert b'<div class="classic-block-wrapper">' in raw and b'<div class="entry-content">' not in raw
    segments = parse_briefing(raw, url).segments
    assert segments[0].speaker == "Robert Palladino" and segments[0].label == "MR PALLADINO"


def test_unknown_layout_names_every_failed_check():
    with pytest.raises(LayoutError) as error:
        briefing(FEBRUARY_26)
    assert str(error.value) == (
        f"{FEBRUARY_26}: not a state.gov briefing page: no 'div.entry-content' or "
        "'div.classic-block-wrapper' body; no '.article-meta__publish-date' date"
    )


def test_a_body_without_speaker_labels_is_named_as_such():
    raw, url = saved(FEBRUARY_10)
    unlabelled = raw.replace(b"<p>MR PRICE: ", b"<p>").replace(b"<p>QUESTION: ", b"<p>")
    assert unlabelled != raw
    with pytest.raises(LayoutError) as error:
        parse_briefing(unlabelled, url)
    assert str(error.value) == (
        f"{url}: not a state.gov briefing page: no upper-case speaker label ('MR PRICE:', 'QUESTION:') in the body"
    )


def test_labels_without_a_name_on_the_page_are_title_cased():
    assert speaker_name("MR SMITH", "Ned Price, Department Spokesperson") == "Mr Smith"
    assert speaker_name("MR PRICE", "Ned Price, Department Spokesperson") == "Ned Price"
    assert speaker_name("MR ABRAMS", "joined by Special Representative for Venezuela Elliott Abrams, who") == "Elliott Abrams"


def test_native_id_is_the_slug_on_both_hosts():
    spider = StateSpider()
    assert spider.native_id(MARCH_1) == "department-press-briefing-march-1-2021"
    assert spider.native_id(MARCH_5) == "department-press-briefing-march-5-2019"
    assert spider.sequence("department-press-briefing-march-5-2019") is None  # slugs give no order


def test_spider_describes_its_source():
    assert StateSpider.name == "state"
    assert (StateSpider.source.country, StateSpider.source.language) == ("US", "en")
    assert StateSpider.layouts == ("state_wp",)
    assert "2017-2021.state.gov" in StateSpider.allowed_domains


@pytest.mark.slow
def test_replay_crawl_stores_every_briefing_and_the_unknown_page(tmp_path):
    db = tmp_path / "c.db"
    result = run_communique("crawl", "state", "--replay", str(STATE_REPLAY), db=db, check=False)
    assert "stored 6 documents (1 with parse errors)" in result.stdout
    assert result.returncode == 1 and f"1 pages not stored as briefings: {FEBRUARY_26} (not a state.gov" in result.stderr
    connection = sqlite3.connect(db)
    documents = connection.execute(
        "SELECT id, date, date_inferred, spokesperson, parse_status, segment_count FROM documents ORDER BY date, id"
    ).fetchall()
    assert documents == [
        ("state:department-press-briefing-march-5-2019", "2019-03-05", None, "Robert Palladino", "ok", 13),
        ("state:department-press-briefing-november-26-2019", "2019-11-26", None, "Morgan Ortagus", "ok", 15),
        ("state:department-press-briefing-august-27-2020", "2020-08-27", None, "Morgan Ortagus", "ok", 11),
        ("state:department-press-briefing-february-10-2021", "2021-02-10", None, "Ned Price", "ok", 16),
        # the page of an unknown layout keeps the date its list item gave
        ("state:department-press-briefing-february-26-2021", "2021-02-26", "date from the list page", None, "error", 0),
        ("state:department-press-briefing-march-1-2021", "2021-03-01", None, "Ned Price", "ok", 14),
    ]
    error = connection.execute("SELECT parse_error FROM documents WHERE parse_status = 'error'").fetchone()[0]
    assert "no 'div.entry-content' or 'div.classic-block-wrapper' body" in error
    assert "no '.article-meta__publish-date' date" in error
    counts = dict(connection.execute("SELECT kind, count(*) FROM segments GROUP BY kind").fetchall())
    assert counts == {"statement": 18, "question": 26, "answer": 25}
    speakers = dict(connection.execute(
        "SELECT speaker, count(*) FROM segments WHERE kind = 'answer' GROUP BY speaker"
    ).fetchall())
    assert speakers == {"Ned Price": 11, "Morgan Ortagus": 7, "Elliott Abrams": 2, "Robert Palladino": 5}
    # answers point at the question they reply to
    orphans = connection.execute(
        """SELECT count(*) FROM segments a LEFT JOIN segments q ON q.id = a.reply_to
           WHERE a.kind = 'answer' AND (q.kind IS NOT 'question')"""
    ).fetchone()[0]
    assert orphans == 0
    url = connection.execute("SELECT url FROM documents WHERE id = 'state:department-press-briefing-march-5-2019'").fetchone()[0]
    assert url == MARCH_5
    connection.close()

    again = run_communique("crawl", "state", "--replay", str(STATE_REPLAY), db=db)
    assert "stored 0 documents" in again.stdout
    assert "skipped 6 already stored" in again.stdout


@pytest.mark.slow
def test_replay_crawl_since_skips_the_older_list_items(tmp_path):
    db = tmp_path / "since.db"
    result = run_communique("crawl", "state", "--replay", str(STATE_REPLAY), "--since", "2021-01-01", db=db, check=False)
    assert "stored 3 documents (1 with parse errors)" in result.stdout
    assert "3 out of range" in result.stdout
    ids = [row[0] for row in sqlite3.connect(db).execute("SELECT id FROM documents ORDER BY id")]
    assert ids == [
        "state:department-press-briefing-february-10-2021",
        "state:department-press-briefing-february-26-2021",
        "state:department-press-briefing-march-1-2021",
    ]

