"""Parsing of real saved fmprc.gov.cn pages, one test per layout variant."""

from __future__ import annotations

import datetime as dt

import pytest

from crawlers.parsing import IncompletePage, LayoutError
from crawlers.spiders.fmprc import (
    FmprcSpider,
    list_page_url,
    parse_briefing,
    parse_list_page,
    title_date,
)
from tests.conftest import fmprc_page
from tests.crawlers.spider_tools import counts, make_spider, response


def briefing(name: str):
    return parse_briefing(*fmprc_page(name))


def turns(name: str) -> list[tuple[str, str | None, str]]:
    return [(s.kind, s.speaker, s.text) for s in briefing(name).segments]


def test_list_page_gives_articles_titles_dates_and_page_count():
    listing = parse_list_page(*fmprc_page("default.shtml"))
    assert listing.page_count == 13
    assert len(listing.articles) == 40
    first = listing.articles[0]
    assert first.url == "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/t1794629.shtml"
    assert first.title == "Foreign Ministry Spokesperson Zhao Lijian's Regular Press Conference on July 3, 2020"
    assert first.date == dt.date(2020, 7, 3)


def test_list_pages_are_numbered_as_the_site_script_builds_them():
    assert list_page_url(0).endswith("/2511_665403/default.shtml")
    assert list_page_url(12).endswith("/2511_665403/default_12.shtml")


def test_2019_01_24_transcript_reads_turn_by_turn():
    page = briefing("t1632218.shtml")
    assert page.title == "Foreign Ministry Spokesperson Hua Chunying's Regular Press Conference on January 24, 2019"
    assert page.date == dt.date(2019, 1, 24) and page.date_inferred is None
    assert page.spokesperson == "Hua Chunying"
    assert page.kind == "Regular Press Conference"
    segments = page.segments
    assert [s.kind for s in segments] == ["question", "answer"] * 16
    # every answer replies to the question just before it
    assert all(segments[i].reply_to == i - 1 for i in range(1, 32, 2))
    assert all(s.speaker == "Hua Chunying" for s in segments if s.kind == "answer")
    assert segments[0].text.startswith("We noted that a dialogue session on the Belt and Road Initiative")
    assert segments[1].text.startswith('Indeed, "mutual benefit" is one of the salient features')
    assert segments[1].paragraphs == 4  # the answer runs over three unprefixed paragraphs
    assert segments[1].text.endswith("the cause of global cooperation and common development.")
    venezuela_q, venezuela_a = segments[6], segments[7]
    assert venezuela_q.text.startswith("According to reports, on January 23, President of Venezuela's National Assembly Juan Guaido")
    assert venezuela_a.text == (
        "We have been closely following the current situation in Venezuela and call upon all relevant "
        "parties to stay rational and cool-headed and seek a political solution to the issue of Venezuela "
        "through peaceful dialogue within the framework of the Venezuelan Constitution. China supports the "
        "efforts made by the Venezuelan government to uphold national sovereignty, independence and "
        "stability. China always upholds the principle of non-interference in other counties' internal "
        "affairs and opposes foreign interference in Venezuela's affairs. We hope that the international "
        "community can jointly create favorable conditions for that."
    )
    assert segments[30].text.startswith("I know this is not a diplomatic question")
    assert segments[31].text.endswith("because I don't have any information on that.")


def test_2020_pages_label_questions_by_outlet_and_answers_by_name():
    segments = briefing("t1778769.shtml").segments
    assert (segments[0].kind, segments[0].label, segments[0].speaker) == ("question", "China Daily", "China Daily")
    assert segments[0].text.startswith("We noticed that the Chinese medical team on COVID-19 to Ethiopia")
    assert (segments[1].kind, segments[1].label, segments[1].speaker) == ("answer", "Zhao Lijian", "Zhao Lijian")
    assert segments[1].text.startswith("The team of medical experts to Ethiopia and Djibouti")
    assert segments[1].paragraphs == 3
    assert segments[2].speaker == "CRI"
    outlets = {s.speaker for s in segments if s.kind == "question"}
    assert {"Reuters", "AFP", "Bloomberg", "CNN"} <= outlets


def test_spokesperson_label_is_matched_whatever_its_case():
    # "Hua chunying:" on the page; the title says "Hua Chunying"
    answers = [s for s in briefing("t1776657.shtml").segments if s.label == "Hua chunying"]
    assert len(answers) == 1
    assert answers[0].kind == "answer" and answers[0].speaker == "Hua Chunying"
    assert answers[0].text.startswith("According to international law and basic norms")


def test_follow_up_questions_in_bold_span_markup():
    segments = briefing("t1615589.shtml").segments
    follow_ups = [s for s in segments if s.label == "Follow-up"]
    assert follow_ups and all(s.kind == "question" for s in follow_ups)
    # <B><SPAN>Q: ...</SPAN></B> with no space after the colon
    assert segments[2].text.startswith("As far as we know, a delegation from the UN Security Council")


def test_journalist_interjections_are_questions_and_the_reply_continues():
    segments = briefing("t1681206.shtml").segments
    three = next(i for i, s in enumerate(segments) if s.text == "Three.")
    assert segments[three].kind == "question" and segments[three].speaker == "Journalist"
    assert segments[three + 1].kind == "answer" and segments[three + 1].reply_to == three


def test_daily_briefing_online_opens_with_statements():
    page = briefing("t1739548.shtml")
    assert page.kind == "Daily Briefing Online"
    assert [s.kind for s in page.segments[:4]] == ["statement", "statement", "statement", "question"]
    assert page.segments[0].text.startswith("Good afternoon. I'm Hua Chunying")
    assert page.segments[0].speaker == "Hua Chunying"


def test_notes_of_the_page_are_kept_as_speakerless_statements():
    segments = briefing("t1769241.shtml").segments
    note = next(s for s in segments if s.text.startswith("The following questions were raised after the press conference"))
    assert note.kind == "statement" and note.speaker is None
    after = segments[segments.index(note) + 1]
    assert after.kind == "question" and after.text.startswith("A commentary published by Japan's Yomiuri Shimbun")


def test_text_outside_any_paragraph_is_not_lost():
    # t1629668 has a stray </SPAN> that leaves one question outside every <P>
    questions = [s.text for s in briefing("t1629668.shtml").segments if s.kind == "question"]
    assert any(q.startswith("I know it was asked yesterday about Canadian Prime Minister Justin Trudeau") for q in questions)


def test_remarks_page_without_a_date_takes_it_from_the_photos():
    page = briefing("t1686226.shtml")
    assert page.kind == "Remarks"
    assert page.date == dt.date(2019, 8, 5)


# The five splitting bugs of issue 12, each on the saved page that shows it ----------------


@pytest.mark.parametrize(
    ("name", "last_answer_ends", "closing_starts"),
    [
        # "***" between the last answer and the spokesperson's announcements
        ("t1677852.shtml", "I would refer you to the military for that.", "The Foreign Ministry and the People's Government of Fujian"),
        # "****************************"
        ("t1714425.shtml", "China has notified the Japanese Consulate-General in Guangzhou.", "Not long ago we celebrated the 70th anniversary"),
        ("t1729013.shtml", "within the extent of their duties.", None),
    ],
)
def test_a_separator_ends_the_exchanges_and_closing_remarks_are_statements(name, last_answer_ends, closing_starts):
    page = briefing(name)
    answers = [i for i, s in enumerate(page.segments) if s.kind == "answer"]
    last = page.segments[answers[-1]]
    assert last.text.endswith(last_answer_ends)
    closing = page.segments[answers[-1] + 1:]
    assert closing and all(s.kind == "statement" and s.speaker == page.spokesperson for s in closing)
    if closing_starts:
        assert closing[0].text.startswith(closing_starts)


def test_a_labelled_closing_remark_after_a_separator_is_a_statement_not_a_second_answer():
    segments = briefing("t1784867.shtml").segments
    macau, answer, closing = segments[-3:]
    assert (macau.kind, macau.speaker) == ("question", "Macau Monthly")
    assert answer.kind == "answer" and answer.text.endswith("safeguard the fruits of WWII and the hard-won peace.")
    assert (closing.kind, closing.label, closing.speaker, closing.reply_to) == ("statement", "Zhao Lijian", "Zhao Lijian", None)
    assert closing.text.startswith("Today is International Children's Day.")


def test_labelled_opening_statements_are_statements_of_their_own_speakers():
    # Hua Chunying introduces the new spokesperson, who thanks her: neither answers anything
    segments = briefing("t1748946.shtml").segments
    assert [(s.kind, s.label, s.speaker) for s in segments[:5]] == [
        ("statement", "Hua Chunying", "Hua Chunying"),
        ("statement", None, "Hua Chunying"),
        ("statement", "Zhao Lijian", "Zhao Lijian"),
        ("statement", None, "Zhao Lijian"),
        ("question", "Q", None),
    ]
    assert segments[2].text.startswith("Thank you, Director-General Hua Chunying.")
    assert segments[5].kind == "answer" and segments[5].reply_to == 4


def test_a_bold_question_without_a_label_after_an_answer_asks_anew():
    segments = briefing("t1651487.shtml").segments
    answer, question, reply = segments[13:16]
    assert answer.kind == "answer" and answer.text.endswith("non-discriminatory environment for Chinese companies.")
    assert (question.kind, question.label) == ("question", None)
    assert question.text.startswith("After the Press Conference, a journalist asked if China is going to offer assistance")
    assert reply.kind == "answer" and reply.reply_to == 14 and reply.text.startswith("I answered a question on the severe flooding")


def test_a_single_break_between_a_bold_question_and_its_plain_answer_separates_them():
    question, answer = briefing("t1603452.shtml").segments[-2:]
    assert question.kind == "question" and question.text.endswith("short on substantive actions. What is your comment?")
    assert "Lu Kang" not in question.text
    assert (answer.kind, answer.label, answer.speaker, answer.reply_to) == ("answer", "Lu Kang", "Lu Kang", 12)
    assert answer.text.startswith("This groundless accusation by the US side shows no respect for facts.")


@pytest.mark.parametrize(
    ("name", "note", "answer_ends"),
    [
        ("t1793861.shtml", "The following question was asked after the regular press conference.", "through appropriate means."),
        ("t1698607.shtml", "A journalist asked the following question after the press conference:", "if you are interested."),
    ],
)
def test_a_note_that_questions_follow_the_conference_is_not_glued_to_the_answer(name, note, answer_ends):
    segments = briefing(name).segments
    at = next(i for i, s in enumerate(segments) if s.text == note)
    assert (segments[at].kind, segments[at].speaker) == ("statement", None)
    assert segments[at - 1].kind == "answer" and segments[at - 1].text.endswith(answer_ends)
    assert segments[at + 1].kind == "question" and segments[at + 2].reply_to == at + 1


def test_words_styled_by_word_as_mso_bidi_bold_are_not_bold():
    # <SPAN style="mso-bidi-font-weight: bold"> is plain text: the paragraph continues the answer
    answer = next(s for s in briefing("t1627624.shtml").segments if s.text.startswith("China and the United States agreed"))
    assert answer.paragraphs == 2 and answer.text.endswith("will remain sound for a long term.")


def test_a_page_cut_short_is_an_incomplete_page_not_a_short_transcript():
    body, url = fmprc_page("t1632218.shtml")
    with pytest.raises(IncompletePage, match=r"t1632218.shtml: mfa_eng: the page ends inside its body"):
        parse_briefing(body[: len(body) * 6 // 10], url)
    footerless = body.replace(b'<div class="footer">', b'<div class="other">')
    with pytest.raises(IncompletePage, match=r"no 'div.footer' after the body"):
        parse_briefing(footerless, url)


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Foreign Ministry Spokesperson Lu Kang's Regular Press Conference on June11, 2018", (dt.date(2018, 6, 11), True)),
        ("Foreign Ministry Spokesperson Geng Shuang's Regular Press Conference on September 10", (dt.date(1, 9, 10), False)),
        ("Foreign Ministry Spokesperson Hua Chunying's Remarks on US Remarks on Venezuela and China-Venezuela Cooperation", (None, False)),
    ],
)
def test_untidy_title_dates(title, expected):
    assert title_date(title) == expected


def test_title_without_year_takes_the_year_of_the_photos():
    page = briefing("t1593756.shtml")
    assert page.title.endswith("on September 10")
    assert page.date == dt.date(2018, 9, 10)
    assert page.date_inferred == "year from the photo file names"


def test_a_page_of_another_layout_is_a_layout_error_naming_the_check():
    with pytest.raises(LayoutError, match=r"no 'div.content_mod h2.title'"):
        parse_briefing(*fmprc_page("default.shtml"))


def test_spider_keeps_a_page_that_fails_to_parse_with_its_error():
    body, _ = fmprc_page("default.shtml")
    url = "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/t1234567.shtml"
    spider = make_spider(FmprcSpider)
    [result] = list(spider.parse_article(response(url, body)))
    document = result.document
    assert document.parse_error.endswith("not an mfa_eng article page")
    assert document.html == body and document.segments == []
    assert (result.fetch.url, result.fetch.outcome, result.fetch.http_status) == (url, "stored", 200)
    assert counts(spider) == {"communique/parse_errors": 1}
