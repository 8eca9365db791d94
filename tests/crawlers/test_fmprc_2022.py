"""The fmprc spider on the post-2022 "lxjzh" layout: list pages, turns, dates, removed and unknown pages.

The saved pages are in tests/files/fmprc_2022 (see its README): two list pages, five
briefings of 2022-2023 in three templates, a removed page that redirects to the site's
"system" page, and a page of a layout the spider does not know.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from corpus import Corpus
from crawlers.parsing import LayoutError
from crawlers.trs import is_removed_page
from crawlers.spiders.fmprc import (
    FmprcSpider,
    is_lxjzh_list_url,
    lxjzh_list_page_url,
    parse_briefing,
    parse_lxjzh_list_page,
    url_date,
)
from tests.conftest import run_communique
from tests.crawlers.spider_tools import counts, make_spider, response, split

FMPRC_2022 = Path(__file__).resolve().parent.parent / "files" / "fmprc_2022"
LXJZH_PAGES = FMPRC_2022 / "www.fmprc.gov.cn" / "eng" / "xw" / "fyrbt" / "lxjzh"
LXJZH_BASE_URL = "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/"
SYSTEM_URL = "https://www.fmprc.gov.cn/web/system/index_17321.shtml"
SYSTEM_PAGE = FMPRC_2022 / "www.fmprc.gov.cn" / "web" / "system" / "index_17321.shtml"

JAN10 = "202301/t20230110_11004538.html"
FEB14 = "202302/t20230214_11025149.html"
MAR15 = "202303/t20230315_11042207.html"
MAR31_UNKNOWN = "202303/t20230331_11052774.html"
SEP05 = "202209/t20220905_10762366.html"
JUL25 = "202207/t20220725_10727502.html"

UNKNOWN_LAYOUT_MESSAGE = (
    "mfa_eng: no 'div.content_mod h2.title'; lxjzh: no TRSWCM content markers and none of "
    "#News_Body_Txt_A, .TRS_UEDITOR, .TRS_Editor, .news_content, #News_Body_Txt, .content: "
    "matches no known layout; not an lxjzh, not an mfa_eng article page"
)


def page(name: str) -> tuple[bytes, str]:
    return (LXJZH_PAGES / name).read_bytes(), LXJZH_BASE_URL + name


def briefing(name: str):
    return parse_briefing(*page(name))


def kinds(name: str) -> str:
    """Segment kinds as one letter each: S(tatement), Q(uestion), A(nswer)."""
    return "".join(segment.kind[0].upper() for segment in briefing(name).segments)


def spider() -> FmprcSpider:
    return make_spider(FmprcSpider)


# List pages -------------------------------------------------------------------------------


def test_list_pages_give_items_dates_and_page_count():
    first = parse_lxjzh_list_page(*page("index.html"))
    assert first.page_count == 2
    assert [article.url for article in first.articles] == [
        LXJZH_BASE_URL + MAR31_UNKNOWN,
        LXJZH_BASE_URL + MAR15,
        LXJZH_BASE_URL + FEB14,
        LXJZH_BASE_URL + JAN10,
    ]
    assert first.articles[3].title == "Foreign Ministry Spokesperson Wang Wenbin's Regular Press Conference on January 10, 2023"
    assert first.articles[3].date == dt.date(2023, 1, 10)
    second = parse_lxjzh_list_page(*page("index_1.html"))
    assert second.page_count == 2
    assert [article.url.rpartition("/")[2] for article in second.articles] == [
        "t20221209_10987736.html",
        "t20220905_10762366.html",
        "t20220725_10727502.html",
    ]
    # a title without a date takes the date of its URL
    assert second.articles[2].title == "Foreign Ministry Spokesperson Wang Wenbin's Remarks on the Launch of the Wentian Lab Module"
    assert second.articles[2].date == dt.date(2022, 7, 25)


def test_list_pages_are_numbered_index_then_index_n():
    assert lxjzh_list_page_url(0) == "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/index.html"
    assert lxjzh_list_page_url(1) == "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/index_1.html"
    assert is_lxjzh_list_url(lxjzh_list_page_url(3))
    assert not is_lxjzh_list_url(LXJZH_BASE_URL + JAN10)


def test_a_page_without_item_links_is_not_an_lxjzh_list_page():
    with pytest.raises(LayoutError, match=r"no './YYYYMM/tYYYYMMDD_N.html' links: not an lxjzh list page"):
        parse_lxjzh_list_page(*page(JAN10))


def test_the_spider_walks_both_listings():
    assert list(FmprcSpider.list_urls) == [
        "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/default.shtml",
        "https://www.fmprc.gov.cn/eng/xw/fyrbt/lxjzh/index.html",
    ]
    assert FmprcSpider.layouts == ("mfa_eng", "lxjzh")


def test_spider_requests_the_articles_and_the_next_lxjzh_list_page():
    body, url = page("index.html")
    made = spider()
    requests, [listed] = split(made.parse_list(response(url, body), page=0))
    assert [request.url for request in requests] == [
        LXJZH_BASE_URL + MAR31_UNKNOWN,
        LXJZH_BASE_URL + MAR15,
        LXJZH_BASE_URL + FEB14,
        LXJZH_BASE_URL + JAN10,
        LXJZH_BASE_URL + "index_1.html",
    ]
    assert requests[-1].meta["handle_httpstatus_list"] == [404]
    assert (listed.fetch.kind, listed.fetch.outcome) == ("list", "listed")
    assert listed.requested == [request.url for request in requests[:-1]]
    last, _ = split(made.parse_list(response(LXJZH_BASE_URL + "index_1.html", page("index_1.html")[0]), page=1))
    assert len(last) == 3  # three articles, no page after the last


def test_a_missing_list_page_of_the_other_era_is_counted_and_skipped():
    made = spider()
    missing = response(lxjzh_list_page_url(0), b"<html><body>404</body></html>", status=404)
    requests, [result] = split(made.parse_list(missing, page=0))
    assert requests == [] and (result.fetch.outcome, result.fetch.http_status) == ("missing", 404)
    assert counts(made) == {"communique/missing_list_pages": 1}


# Briefings --------------------------------------------------------------------------------


def test_2023_01_10_plain_labels_opening_statements_then_outlets_and_answers():
    parsed = briefing(JAN10)
    assert parsed.title == "Foreign Ministry Spokesperson Wang Wenbin's Regular Press Conference on January 10, 2023"
    assert (parsed.spokesperson, parsed.kind, parsed.layout) == ("Wang Wenbin", "Regular Press Conference", "lxjzh")
    assert (parsed.date, parsed.date_inferred) == (dt.date(2023, 1, 10), None)
    segments = parsed.segments
    assert len(segments) == 12
    assert kinds(JAN10) == "SSQAQAQAQAQA"
    assert [s.speaker for s in segments if s.kind == "question"] == ["CCTV", "AFP", "Bloomberg", "Beijing Youth Daily", "Reuters"]
    assert {s.speaker for s in segments if s.kind != "question"} == {"Wang Wenbin"}
    assert segments[0].text.startswith("At the invitation of the governments of Ethiopia, Gabon, Angola, Benin and Egypt")
    assert segments[0].label == "Wang Wenbin"  # "Wang Wenbin: At the invitation ...", an opening statement
    assert segments[1].label is None
    assert segments[1].text.startswith("This will be Foreign Minister Qin Gang's first overseas trip since taking office.")
    assert segments[2].text == (
        "You just announced Foreign Minister Qin Gang's visit to Africa. Could you share with us the "
        "considerations behind the visit and what China expects it to achieve?"
    )
    assert segments[3].paragraphs == 2 and segments[3].reply_to == 2 and segments[3].label == "Wang Wenbin"
    assert segments[3].text.endswith("inject fresh impetus into China-Africa and China-Arab relations in the new era.")
    assert all(segments[i].reply_to == i - 1 for i in range(3, 12, 2))


def test_2023_02_14_bold_outlet_labels_a_two_paragraph_question_and_a_note():
    parsed = briefing(FEB14)
    assert (parsed.spokesperson, parsed.date) == ("Mao Ning", dt.date(2023, 2, 14))
    segments = parsed.segments
    assert len(segments) == 11
    assert kinds(FEB14) == "QAQAQAQASQA"
    assert [s.speaker for s in segments if s.kind == "question"] == ["Global Times", "Phoenix TV", "AFP", "Reuters", "Bloomberg"]
    reuters = segments[6]
    assert reuters.paragraphs == 2  # the plain second paragraph continues the question
    assert reuters.text.endswith("There are also reports that he will travel on to Russia after the conference. Can you confirm?")
    assert segments[7].text == "We will release information in due course. Please stay tuned."
    assert segments[7].reply_to == 6
    note = segments[8]
    assert (note.kind, note.speaker, note.text) == ("statement", None, "The following question was raised after the press conference:")
    assert segments[10].reply_to == 9 and segments[10].speaker == "Mao Ning"


def test_2023_03_15_a_sentence_with_a_colon_stays_inside_the_answer():
    parsed = briefing(MAR15)
    assert (parsed.spokesperson, parsed.date) == ("Wang Wenbin", dt.date(2023, 3, 15))
    segments = parsed.segments
    assert len(segments) == 9
    assert kinds(MAR15) == "SQAQAQAQA"
    assert [s.speaker for s in segments if s.kind == "question"] == ["Shenzhen TV", "Kyodo News", "China Review News", "EFE"]
    fukushima = segments[4]
    assert fukushima.paragraphs == 2
    assert "\n\nAs to your second question: China's position on the discharge" in fukushima.text


def test_2022_09_05_transitional_template_takes_title_and_body_by_id():
    parsed = briefing(SEP05)
    assert parsed.title == "Foreign Ministry Spokesperson Mao Ning's Regular Press Conference on September 5, 2022"
    assert (parsed.spokesperson, parsed.date, parsed.date_inferred) == ("Mao Ning", dt.date(2022, 9, 5), None)
    segments = parsed.segments
    assert len(segments) == 10
    assert kinds(SEP05) == "SSQAQAQAQA"
    assert segments[1].text == "I would like to start with an announcement: the 19th China-ASEAN Expo will open in Nanning on September 16."
    assert [s.speaker for s in segments if s.kind == "question"] == ["CCTV", "Bloomberg", "Journalist", "AFP"]
    assert segments[7].text == "I have nothing to share on that." and segments[7].reply_to == 6


def test_2022_07_25_remarks_read_q_and_a_and_take_the_date_of_publication():
    parsed = briefing(JUL25)
    assert parsed.title == "Foreign Ministry Spokesperson Wang Wenbin's Remarks on the Launch of the Wentian Lab Module"
    assert (parsed.spokesperson, parsed.kind) == ("Wang Wenbin", "Remarks")
    assert (parsed.date, parsed.date_inferred) == (dt.date(2022, 7, 25), None)  # <meta name="PubDate">
    [question, answer] = parsed.segments
    assert (question.kind, question.label, answer.kind, answer.label) == ("question", "Q", "answer", "A")
    assert answer.speaker == "Wang Wenbin" and answer.paragraphs == 2 and answer.reply_to == 0


def test_without_a_stated_date_the_url_dates_the_page():
    html = (
        "<html><body><h1>Foreign Ministry Spokesperson's Remarks</h1>"
        '<div class="TRS_Editor"><p>Q: A question?</p><p>A: An answer.</p></div><div class="footer"></div></body></html>'
    )
    parsed = parse_briefing(html, LXJZH_BASE_URL + "202305/t20230502_11069000.html")
    assert (parsed.date, parsed.date_inferred) == (dt.date(2023, 5, 2), "date from the URL")
    assert parsed.title == "Foreign Ministry Spokesperson's Remarks"
    assert [s.kind for s in parsed.segments] == ["question", "answer"]
    assert url_date(LXJZH_BASE_URL + JAN10) == dt.date(2023, 1, 10)


def test_a_page_of_no_known_layout_names_every_failed_check():
    with pytest.raises(LayoutError) as error:
        briefing(MAR31_UNKNOWN)
    assert str(error.value) == f"{LXJZH_BASE_URL}{MAR31_UNKNOWN}: {UNKNOWN_LAYOUT_MESSAGE}"


def test_spider_keeps_an_unknown_page_with_its_error_and_its_url_date():
    body, url = page(MAR31_UNKNOWN)
    made = spider()
    [result] = list(made.parse_article(response(url, body)))
    document = result.document
    assert document.native_id == "t20230331_11052774" and document.sequence == 11052774
    assert document.parse_error.endswith(UNKNOWN_LAYOUT_MESSAGE)
    assert (document.date, document.date_inferred) == (dt.date(2023, 3, 31), "date from the URL")
    assert document.html == body and document.segments == []
    assert counts(made) == {"communique/parse_errors": 1}


def test_a_removed_page_is_not_a_transcript():
    assert is_removed_page(SYSTEM_URL)
    assert is_removed_page("https://www.fmprc.gov.cn/web/system/error.shtml")
    assert not is_removed_page(LXJZH_BASE_URL + JAN10)
    made = spider()
    # what Scrapy hands the callback after following the 302 of the removed article
    removed = response(SYSTEM_URL, SYSTEM_PAGE.read_bytes(), meta={"redirect_urls": [LXJZH_BASE_URL + "202212/t20221209_10987736.html"]})
    [result] = list(made.parse_article(removed))
    assert result.document is None
    assert (result.fetch.url, result.fetch.outcome, result.fetch.final_url) == (
        LXJZH_BASE_URL + "202212/t20221209_10987736.html", "removed", SYSTEM_URL,
    )
    assert counts(made) == {"communique/removed_pages": 1}


# The real crawl ---------------------------------------------------------------------------


@pytest.mark.slow
def test_replay_crawl_of_the_2022_site(tmp_path):
    db = tmp_path / "fmprc_2022.db"
    result = run_communique("crawl", "fmprc", "--replay", str(FMPRC_2022), db=db, check=False)
    # 5 briefings and the page of an unknown layout; the removed page is not stored, and the
    # mfa_eng listing, absent from this replay, is no HTTP error.
    assert "fmprc: stored 6 documents (1 with parse errors)" in result.stdout
    assert "0 HTTP errors, 0 off-site redirects, 0 network errors, 0 never fetched, 1 removed pages; finished: finished" in result.stdout
    # the page kept with its error is not a briefing: the crawl says so, in one line, and fails
    assert result.returncode == 1
    assert [line for line in result.stderr.splitlines() if line.startswith("Error")] == [
        f"Error: crawl of fmprc incomplete: 1 pages not stored as briefings: {LXJZH_BASE_URL}{MAR31_UNKNOWN} "
        f"({UNKNOWN_LAYOUT_MESSAGE})"
    ]
    connection = sqlite3.connect(db)
    rows = connection.execute(
        "SELECT id, date, date_inferred, layout, parse_status, segment_count FROM documents ORDER BY id"
    ).fetchall()
    assert rows == [
        ("fmprc:t20220725_10727502", "2022-07-25", None, "lxjzh", "ok", 2),
        ("fmprc:t20220905_10762366", "2022-09-05", None, "lxjzh", "ok", 10),
        ("fmprc:t20230110_11004538", "2023-01-10", None, "lxjzh", "ok", 12),
        ("fmprc:t20230214_11025149", "2023-02-14", None, "lxjzh", "ok", 11),
        ("fmprc:t20230315_11042207", "2023-03-15", None, "lxjzh", "ok", 9),
        ("fmprc:t20230331_11052774", "2023-03-31", "date from the URL", None, "error", 0),
    ]
    urls = [row[0] for row in connection.execute("SELECT url FROM documents")]
    assert not any("10987736" in url or "/web/system/" in url for url in urls)
    [error] = connection.execute("SELECT parse_error FROM documents WHERE parse_status = 'error'").fetchone()
    assert error.endswith(UNKNOWN_LAYOUT_MESSAGE)
    with Corpus(db) as corpus:
        turns = corpus.segments_of("fmprc:t20230110_11004538")
        assert [turn["speaker"] for turn in turns if turn["kind"] == "question"] == [
            "CCTV", "AFP", "Bloomberg", "Beijing Youth Daily", "Reuters",
        ]
        assert turns[3]["reply_to"] == turns[2]["id"]
    again = run_communique("crawl", "fmprc", "--replay", str(FMPRC_2022), db=db)  # nothing new fails: exit 0
    assert "stored 0 documents" in again.stdout and "skipped 6 already stored" in again.stdout
