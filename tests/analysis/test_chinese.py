"""Naming in Chinese: the reading of analyze on Chinese turns, with the classes and offsets of English."""

from __future__ import annotations

import pytest
import yaml

from analysis.chinese import NAMES_FILE, ChineseReader, is_chinese
from analysis.reading import Turn
from crawlers.spiders.fmprc_zh import parse_briefing
from tests.conftest import fmprc_zh_page


@pytest.fixture(scope="module")
def reader(registry):
    """The Chinese reader over conftest's registry (in place of its English reader, here)."""
    return ChineseReader(registry)


def founding_exchange():
    segments = parse_briefing(*fmprc_zh_page("t1632124.shtml")).segments
    return segments[6].text, segments[7].text


def forms(reference, text):
    return [(form.text, form.start, form.end) for form in reference.forms if text[form.start:form.end] == form.text]


def test_the_2019_01_24_answer_avoids_maduro_and_guaido(reader):
    question, answer = founding_exchange()
    reading = reader.read(Turn(answer, question=question, date="2019-01-24", speaker_state="china"))
    assert reading.question_class("maduro") == reading.question_class("guaido") == "named"
    assert [f.text for f in reading.question["guaido"].forms] == ["瓜伊多"]
    maduro, guaido = reading.answer_reference("maduro"), reading.answer_reference("guaido")
    start = answer.index("委内瑞拉政府")
    assert maduro.cls == "role" and forms(maduro, answer) == [("委内瑞拉政府", start, start + 6)]
    assert guaido.cls == "oblique" and ("各方", answer.index("各方"), answer.index("各方") + 2) in forms(guaido, answer)
    assert {"maduro", "guaido"} <= set(reading.avoided())
    assert reading.answer_class("venezuela") == "named" and reading.answer_class("venezuela_government") == "role"
    # 外部干预 (external interference) veils the United States, which the question names
    assert reading.answer_class("united_states") == "oblique"
    assert "外部干预" in [f.text for f in reading.answer["united_states"].forms]


def test_a_reported_speaker_is_not_one_of_all_parties(reader):
    question = "美国总统特朗普声明承认委内瑞拉反对派领导人瓜伊多为委“临时总统”。中方对此有何评论？"
    reading = reader.read(Turn("我们呼吁各方保持克制。", question=question, date="2019-01-24", speaker_state="china"))
    assert reading.answer_class("guaido") == "oblique"
    assert reading.answer_class("trump") == "absent"  # 特朗普声明...: he speaks in the question


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("美方应停止干涉香港事务。", {"united_states", "hong_kong"}),  # 美方: "the US side", named
        ("中美关系保持稳定。", {"united_states"}),  # 中美 before a word of relations: both states
        ("中美洲国家表示欢迎。", set()),  # Central America is neither China nor the US
        ("我们注意到美洲国家组织的声明。", {"oas"}),
        ("这是一个完美方案。", set()),  # 美方 inside 完美方案 is no one's side
        ("加方必须立即释放孟晚舟女士。", {"canada", "meng_wanzhou"}),
    ],
)
def test_names_and_sides_without_word_boundaries(reader, text, named):
    found = set(reader.matcher.names(text)) - {"china"}
    assert found == named


def test_titles_said_with_a_name(reader):
    text = "今年1月10日，马杜罗总统开启新的任期。委内瑞拉全国代表大会主席瓜伊多宣誓就任。"
    names = reader.matcher.names(text)
    assert names["maduro"][0].title == "总统"
    assert names["guaido"][0].title == "主席"


def test_composed_descriptors_resolve_to_institutions_and_office_holders(reader):
    reading = reader.read(Turn("委政府表示，美国务卿的言论毫无根据。", date="2019-05-01", speaker_state="china",
                               context=("maduro",)))
    assert reading.answer_class("venezuela_government") == "role"
    assert reading.answer_class("pompeo") == "role"  # the US Secretary of State that day
    assert [f.text for f in reading.answer["pompeo"].forms] == ["美国务卿"]


def test_a_title_and_a_head_mean_what_they_mean_for_that_state(reader):
    # the demo corpus (Chinese originals): Iran's 总统 is Rouhani, who heads its government,
    # not the Supreme Leader; China's 国务院 is the State Council, its central government,
    # where the US one is the State Department
    question = "据报道，伊朗总统鲁哈尼4日在内阁会议上谈及新冠肺炎疫情时称，有些国家说想帮助伊朗人民。中方对此有何评论？"
    reading = reader.read(Turn("我们注意到有关报道。", question=question, date="2020-03-05", speaker_state="china"))
    assert reading.question_class("rouhani") == "named" and "khamenei" not in reading.question
    text = "去年底，中国国务院办公厅印发通知，要求有序停止商业性加工销售象牙及制品活动。"
    reading = reader.read(Turn(text, date="2017-01-03", speaker_state="china"))
    assert reading.answer_class("china_government") == "role" and "china_mfa" not in reading.answer
    reading = reader.read(Turn("伊朗总统将出席会议。", date="2020-03-05", speaker_state="china"))
    assert reading.answer_class("rouhani") == "role" and "khamenei" not in reading.answer
    # a head with no title word of its own keeps to its office: 国家元首 is the head of state only
    reading = reader.read(Turn("伊朗国家元首表示。", date="2020-03-05", speaker_state="china"))
    assert reading.answer_class("khamenei") == "role" and "rouhani" not in reading.answer


def test_every_actor_of_the_chinese_names_file_is_in_the_registry(registry, reader):
    data = yaml.safe_load(NAMES_FILE.read_text(encoding="utf-8"))
    ids = [str(i) for section in data.values() for i in section]
    assert [i for i in ids if i not in registry] == [] and reader.matcher.lexicon.unknown == []
    # pycountry's zh_CN names complete the file: every UN member has a Chinese name
    assert len(reader.matcher.lexicon.state_names) >= 193
    assert "委内瑞拉玻利瓦尔共和国" in reader.matcher.lexicon.state_names["venezuela"]


def test_chinese_text_is_told_from_english():
    assert is_chinese("我们高度关注委内瑞拉当前局势") and not is_chinese("Venezuela (委内瑞拉) is a country of South America")


def segment_holding(page: str, words: str) -> str:
    return next(s.text for s in parse_briefing(*fmprc_zh_page(page)).segments if words in s.text)


def test_a_people_is_named_and_its_autonomous_region_is_a_place(reader):
    # main's registry made peoples actors ("the Uyghurs"); the Chinese forms follow it
    both = segment_holding("t1728649.shtml", "新疆维吾尔自治区的维吾尔族人口")
    assert "uyghurs" in reader.matcher.names(both)
    assert {f.text for f in reader.matcher.names(both)["uyghurs"]} == {"维吾尔族"}
    region = segment_holding("t1609273.shtml", "新疆维吾尔自治区主席已就此接受媒体采访")
    assert "uyghurs" not in reader.matcher.names(region)
    listing = segment_holding("t1706148.shtml", "新疆维吾尔自治区公安厅")
    assert "uyghurs" not in reader.matcher.names(listing)
    family = segment_holding("t1673263.shtml", "维吾尔家庭")  # "a Uighur family" in its English twin
    assert [f.text for f in reader.matcher.names(family)["uyghurs"]] == ["维吾尔"]


def test_the_chinese_linker_keeps_every_english_rule(reader):
    # an international organisation is a forum, not one of "the parties to the conflict"; a people is
    # no "foreign interference" nor "the international community"
    libya = reader.read(Turn("我们希望利比亚冲突各方尽快停火，国际社会应支持联合国的斡旋。",
                             "联合国安理会昨天就利比亚局势召开会议，中方有何评论？", "2019-04-11", "china"))
    assert libya.question["un_security_council"].cls == "named"
    assert libya.answer_class("un_security_council") == "absent"
    xinjiang = reader.read(Turn("新疆事务纯属中国内政，不容任何外国干涉。国际社会对此看得很清楚。",
                                "美国国会通过涉疆法案，声称维吾尔族受到迫害。", "2019-12-04", "china"))
    assert xinjiang.answer_class("uyghurs") == "absent"
    assert [f.text for f in xinjiang.answer["us_congress"].forms] == ["外国干涉"]
