"""Parsing of real saved pages of the Chinese spokesperson section, one test per variant."""

from __future__ import annotations

import datetime as dt

import pytest

from crawlers.parsing import IncompletePage, LayoutError
from crawlers.spiders.fmprc_zh import FmprcZhSpider, parse_briefing, parse_list_page, parse_title, question_speaker
from tests.conftest import fmprc_zh_page
from tests.crawlers.spider_tools import counts, make_spider, response


def briefing(name: str):
    return parse_briefing(*fmprc_zh_page(name))


def test_list_page_gives_articles_titles_dates_and_page_count():
    listing = parse_list_page(*fmprc_zh_page("default.shtml"))
    assert listing.page_count == 67
    assert len(listing.articles) == 15
    first = listing.articles[0]
    assert first.url == "https://www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/t1794584.shtml"
    assert first.title == "2020年7月3日外交部发言人赵立坚主持例行记者会"
    assert first.date == dt.date(2020, 7, 3)
    assert listing.next_urls == ["https://www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/default_1.shtml"]
    last = parse_list_page(*fmprc_zh_page("default_66.shtml"))
    assert last.next_urls == [] and last.articles[-1].date == dt.date(2016, 11, 15)


def test_2019_01_24_press_conference_reads_turn_by_turn():
    page = briefing("t1632124.shtml")
    assert page.title == "2019年1月24日外交部发言人华春莹主持例行记者会"
    assert (page.date, page.date_inferred, page.spokesperson, page.kind) == (dt.date(2019, 1, 24), None, "华春莹", "例行记者会")
    segments = page.segments
    assert [s.kind for s in segments] == ["question", "answer"] * 16
    assert all(segments[i].reply_to == i - 1 for i in range(1, 32, 2))
    assert {(s.label, s.speaker) for s in segments if s.kind == "answer"} == {("答", "华春莹")}
    assert {(s.label, s.speaker) for s in segments if s.kind == "question"} == {("问", None)}
    venezuela_q, venezuela_a = segments[6], segments[7]
    assert venezuela_q.text.startswith("据报道，1月23日，委内瑞拉全国代表大会主席瓜伊多宣誓就任“临时总统”。")
    assert venezuela_a.text == (
        "我们高度关注委内瑞拉当前局势，呼吁各方保持理性和冷静，在委宪法框架内通过和平对话方式，为委内瑞拉问题寻求政治解决方案。"
        "中方支持委内瑞拉政府为维护国家主权、独立和稳定所作努力。中方一贯奉行不干涉别国内政原则，反对外部干预委内瑞拉事务，"
        "希望国际社会共同为此创造有利条件。"
    )
    assert segments[1].paragraphs == 4  # the answer runs over three unlabelled paragraphs
    # "&nbsp;问：" opens a question like "　　问：" does
    assert segments[16].text.startswith("加拿大驻华大使麦家廉称孟晚舟有很好的理由避免被引渡到美国。")


def test_2020_pages_label_questions_by_outlet_and_answers_by_name():
    segments = briefing("t1760304.shtml").segments
    assert (segments[0].kind, segments[0].speaker) == ("statement", "耿爽")
    assert segments[0].text.startswith("首先向大家通报一组数字：")
    assert (segments[1].kind, segments[1].label, segments[1].speaker) == ("question", "中央广播电视总台央视记者", "中央广播电视总台央视")
    assert (segments[2].kind, segments[2].label, segments[2].speaker, segments[2].reply_to) == ("answer", "耿爽", "耿爽", 1)
    assert segments[2].paragraphs == 4


@pytest.mark.parametrize(
    ("label", "speaker"),
    [("问", None), ("追问", None), ("追问二", None), ("记者", None), ("路透社记者", "路透社"), ("彭博社记者追问", "彭博社"),
     ("路透社记者提问", "路透社"), ("会后有记者问及", None), ("会后有俄罗斯记者问及", "俄罗斯"), ("《澳大利亚人报》记者", "《澳大利亚人报》")],
)
def test_question_labels_name_their_outlet(label, speaker):
    assert question_speaker(label) == speaker


def test_follow_up_questions_are_questions_of_their_own():
    segments = briefing("t1422151.shtml").segments
    follow_up = next(index for index, s in enumerate(segments) if s.label == "追问")
    assert segments[follow_up].kind == "question"
    assert segments[follow_up].text.startswith("有日本舆论认为，相较于珍珠港，安倍更应该去南京大屠杀遇难同胞纪念馆")
    assert segments[follow_up + 1].reply_to == follow_up


def test_questions_after_the_conference_and_answers_reported_by_name():
    segments = briefing("t1441374.shtml").segments
    question, answer = segments[-2], segments[-1]
    assert (question.kind, question.label) == ("question", "会后有记者问及")
    assert question.text.startswith("日本防卫省防卫研究所发表了")
    assert (answer.kind, answer.speaker, answer.reply_to) == ("answer", "耿爽", len(segments) - 2)
    assert answer.text.startswith("耿爽表示，我们注意到有关报道")


def test_a_bold_line_announcing_what_follows_is_a_note_of_the_page():
    segments = briefing("t1766913.shtml").segments
    note = next(index for index, s in enumerate(segments) if s.text.startswith("会后，就《南华早报》记者所提问题"))
    assert (segments[note].kind, segments[note].speaker) == ("statement", None)
    assert (segments[note + 1].kind, segments[note + 1].speaker) == ("statement", "赵立坚")
    assert segments[note + 1].text.startswith("中国是网络大国")


def test_an_aside_of_the_journalist_in_brackets_stays_in_the_answer():
    segments = briefing("t1472124.shtml").segments
    answer = next(s for s in segments if "（记者点头）" in s.text)
    assert answer.kind == "answer" and answer.text.startswith("关于库什纳和伊万卡夫妇受邀访华的问题")


def test_a_separator_ends_the_exchanges_and_closing_remarks_are_statements():
    segments = briefing("t1625704.shtml").segments
    assert segments[-2].kind == segments[-1].kind == "statement"
    assert segments[-1].text.startswith("今天是2018年最后一场外交部例行记者会")


def test_the_introduction_of_a_new_spokesperson_is_two_speakers_statements():
    segments = briefing("t1748857.shtml").segments
    assert [(s.kind, s.speaker) for s in segments[:3]] == [("statement", "华春莹"), ("statement", "华春莹"), ("statement", "赵立坚")]
    assert segments[2].text.startswith("谢谢华春莹司长！")


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("2019年1月24日外交部发言人华春莹主持例行记者会", ("华春莹", "例行记者会")),
        ("2020年2月3日外交部发言人华春莹主持网上例行记者会", ("华春莹", "网上例行记者会")),
        ("外交部发言人华春莹就美方涉委内瑞拉和中委合作言论答记者问", ("华春莹", "答记者问")),
        ("外交部发言人耿爽2月15日答记者问", ("耿爽", "答记者问")),
        ("中国代表团发言人陆慷答记者问", ("陆慷", "答记者问")),
        ("耿爽：中国政府决定向意大利派遣抗疫医疗专家组", ("耿爽", "其他")),
        ("外交部发言人就全国人大常委会审议通过香港国安法发表谈话", (None, "其他")),
    ],
)
def test_titles_give_spokesperson_and_kind(title, expected):
    assert parse_title(title) == expected


def test_a_statement_without_a_date_in_its_title_takes_the_page_date():
    page = briefing("t1793459.shtml")
    assert (page.date, page.date_inferred, page.kind) == (dt.date(2020, 6, 30), None, "其他")
    assert {s.kind for s in page.segments} == {"statement"}


def test_a_page_cut_short_is_an_incomplete_page():
    body, url = fmprc_zh_page("t1632124.shtml")
    cut = body.index("反对外部干预委内瑞拉事务".encode())
    with pytest.raises(IncompletePage, match=r"t1632124.shtml: mfa_chn: the page ends inside its body"):
        parse_briefing(body[:cut], url)
    with pytest.raises(IncompletePage, match=r"no '#appendix_list' after the body"):
        parse_briefing(body.replace(b'id="appendix_list"', b'id="elsewhere"'), url)


def test_the_spider_keeps_a_page_of_another_layout_with_its_error():
    body, _ = fmprc_zh_page("default.shtml")
    url = "https://www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/t1234567.shtml"
    with pytest.raises(LayoutError, match="no '#News_Body_Title'"):
        parse_briefing(body, url)
    spider = make_spider(FmprcZhSpider)
    [result] = list(spider.parse_article(response(url, body)))
    assert result.document.parse_error.endswith("not an mfa_chn article page")
    assert result.document.language == "zh" and result.document.html == body
    assert counts(spider) == {"communique/parse_errors": 1}
