"""Twins and aligned turns: the English translation linked to its Chinese original, turn by turn."""

from __future__ import annotations

import random
import re
import sqlite3

import pytest

from analysis.alignment import Anchors, align_turns, numbers, similarity
from analysis.chinese import ChineseMatcher
from analysis.references import Matcher
from crawlers.spiders.fmprc import parse_briefing as parse_english
from crawlers.spiders.fmprc_zh import parse_briefing as parse_chinese
from tests.conftest import fmprc_page, fmprc_zh_page


@pytest.fixture(scope="module")
def matchers(registry):
    english = Matcher(registry)
    return english, ChineseMatcher(registry, english=english)


def anchored(matchers, segments, language):
    english, chinese = matchers
    out = []
    for segment in segments:
        if language == "zh":
            out.append(Anchors.of_chinese(segment.text, [a for a, f in chinese.names(segment.text).items() for _ in f]))
        else:
            out.append(Anchors.of_english(segment.text, [a for a, f in english.names(segment.text).items() for _ in f]))
    return out


def test_numbers_are_anchors_in_both_languages():
    assert numbers("据报道，1月23日，委内瑞拉...落实率达96.4%") == {"1": 1, "23": 1, "96.4": 1}
    assert numbers("on January 23, 1,500 people") == {"23": 1, "1500": 1, "1": 1}


def test_the_2019_01_24_twins_align_turn_by_turn(matchers):
    zh = parse_chinese(*fmprc_zh_page("t1632124.shtml")).segments
    en = parse_english(*fmprc_page("t1632218.shtml")).segments
    pairs = align_turns([s.kind for s in zh], [s.kind for s in en], anchored(matchers, zh, "zh"), anchored(matchers, en, "en"))
    assert [(p.zh, p.en, p.method) for p in pairs] == [(i, i, "position") for i in range(32)]
    venezuela = pairs[7]
    assert zh[venezuela.zh].text.startswith("我们高度关注委内瑞拉当前局势")
    assert en[venezuela.en].text.startswith("We have been closely following the current situation in Venezuela")
    assert {"venezuela", "china"} <= set(venezuela.anchors)


def test_where_a_turn_is_missing_the_anchors_decide_and_the_orphans_are_marked(matchers):
    zh = parse_chinese(*fmprc_zh_page("t1632124.shtml")).segments
    en = parse_english(*fmprc_page("t1632218.shtml")).segments
    kept = [segment for index, segment in enumerate(zh) if index not in (6, 7)]  # the Venezuela exchange left out
    pairs = align_turns([s.kind for s in kept], [s.kind for s in en], anchored(matchers, kept, "zh"),
                        anchored(matchers, en, "en"))
    unaligned = [p.en for p in pairs if p.zh is None]
    assert unaligned == [6, 7] and all(p.method == "unaligned" for p in pairs if p.zh is None)
    # every other Chinese turn still meets its own translation
    assert [(p.zh, p.en) for p in pairs if p.zh is not None] == [(i, i if i < 6 else i + 2) for i in range(30)]
    assert all(p.method == "anchors" for p in pairs if p.zh is not None)


def test_similarity_prefers_the_translation_to_its_neighbours(matchers):
    zh = parse_chinese(*fmprc_zh_page("t1632124.shtml")).segments
    en = parse_english(*fmprc_page("t1632218.shtml")).segments
    zh_anchors, en_anchors = anchored(matchers, zh, "zh"), anchored(matchers, en, "en")
    closest = []
    for i in range(0, 32, 2):  # the questions: which translation each is closest to
        scores = [similarity(zh_anchors[i], en_anchors[j])[0] for j in range(0, 32, 2)]
        closest.append(max(range(16), key=scores.__getitem__) == i // 2)
    # alone, 13 of the 16 questions are closest to their own translation (two of the others ask
    # about Yang Jun, as a later one does); in order, the alignment gets all 16 right
    assert sum(closest) >= 13


@pytest.mark.slow
def test_the_chinese_crawl_stores_every_saved_briefing_without_a_parse_error(both_crawled_db):
    db = sqlite3.connect(both_crawled_db)
    statuses = dict(db.execute(
        "SELECT parse_status, count(*) FROM documents WHERE source = 'fmprc_zh' GROUP BY parse_status").fetchall())
    assert statuses == {"ok": 1000}
    assert db.execute("SELECT count(DISTINCT url) FROM documents WHERE source = 'fmprc_zh'").fetchone() == (1000,)


@pytest.mark.slow
def test_most_english_briefings_have_their_chinese_twin(both_crawled_db):
    db = sqlite3.connect(both_crawled_db)
    english, linked = db.execute(
        """SELECT count(*), count(t.en_document_id) FROM documents d LEFT JOIN twins t ON t.en_document_id = d.id
           WHERE d.language = 'en' AND d.date BETWEEN '2018-05-01' AND '2020-07-31'""").fetchone()
    assert english == 500 and linked / english >= 0.95, f"{linked} of {english} linked"
    assert db.execute("SELECT en_document_id FROM twins WHERE zh_document_id = 'fmprc_zh:t1632124'").fetchone() == (
        "fmprc:t1632218",)


@pytest.mark.slow
def test_twins_with_as_many_questions_align_every_question_to_its_counterpart(both_crawled_db):
    db = sqlite3.connect(both_crawled_db)
    checked = 0
    for zh_id, en_id in db.execute("SELECT zh_document_id, en_document_id FROM twins").fetchall():
        zh = [r[0] for r in db.execute(
            "SELECT id FROM segments WHERE document_id = ? AND kind = 'question' ORDER BY position", [zh_id])]
        en = [r[0] for r in db.execute(
            "SELECT id FROM segments WHERE document_id = ? AND kind = 'question' ORDER BY position", [en_id])]
        if len(zh) != len(en):
            continue
        aligned = dict(db.execute(
            "SELECT zh_segment_id, en_segment_id FROM translations WHERE zh_document_id = ? AND kind = 'question'",
            [zh_id]).fetchall())
        assert [aligned.get(q) for q in zh] == en, zh_id
        checked += 1
    assert checked >= 450


# Written here, apart from the registry and the aligner: names as the two languages spell them.
NAMES = {"美国": ("US", "America"), "美方": ("US",), "中国": ("China", "Chinese"), "中方": ("China", "Chinese"),
         "日本": ("Japan",), "印度": ("India",), "俄罗斯": ("Russia",), "伊朗": ("Iran",), "朝鲜": ("DPRK", "North Korea"),
         "韩国": ("ROK", "South Korea"), "英国": ("UK", "Brit"), "加拿大": ("Canad",), "澳大利亚": ("Australia",),
         "巴基斯坦": ("Pakistan",), "委内瑞拉": ("Venezuela",), "香港": ("Hong Kong", "HK"), "台湾": ("Taiwan",),
         "新疆": ("Xinjiang",), "菲律宾": ("Philippin",), "越南": ("Viet",), "欧盟": ("EU", "European Union"),
         "联合国": ("UN", "United Nations"), "世卫组织": ("WHO", "World Health"), "特朗普": ("Trump",),
         "蓬佩奥": ("Pompeo",), "华为": ("Huawei",), "孟晚舟": ("Meng",), "法国": ("France", "French"),
         "德国": ("German",), "意大利": ("Ital",), "非洲": ("Africa",), "东盟": ("ASEAN",), "王毅": ("Wang Yi",),
         "习近平": ("Xi",), "康明凯": ("Kovrig",), "武汉": ("Wuhan",), "缅甸": ("Myanmar",), "波兰": ("Poland", "Polish")}
CHINA = {"中国", "中方"}  # in nearly every question: no help to tell one question from its neighbour
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


def independent_anchors(zh: str, en: str) -> tuple[set, set]:
    """(the anchors of the Chinese turn, those of them the English turn has): numbers of two
    digits or more (月 months as the English month), Latin words, and the names of NAMES."""
    anchors, found = set(), set()
    english_numbers = set(re.findall(r"\d{2,}", en.replace(",", "")))
    english_months = {str(n) for n, month in enumerate(MONTHS, 1) if month in en}
    for number in re.findall(r"\d{2,}", zh):
        anchors.add(number)
        if number in english_numbers:
            found.add(number)
    for month in re.findall(r"(\d{1,2})月", zh):
        anchors.add(f"month {month}")
        if month in english_months:
            found.add(f"month {month}")
    for word in re.findall(r"[A-Za-z]{3,}", zh):
        anchors.add(word)
        if word.lower() in en.lower():
            found.add(word)
    for chinese, spellings in NAMES.items():
        if chinese in zh:
            anchors.add(chinese)
            if any(spelling in en for spelling in spellings):
                found.add(chinese)
    return anchors, found


@pytest.mark.slow
def test_a_sample_of_aligned_turns_shares_its_numbers_and_names(both_crawled_db):
    """Each sampled pair, checked by anchors recounted here: the aligned English turn holds
    the numbers and names of the Chinese; the English turn next to it (a control) does not."""
    db = sqlite3.connect(both_crawled_db)
    rows = db.execute(
        """SELECT zh.text, en.text FROM translations t JOIN segments zh ON zh.id = t.zh_segment_id
           JOIN segments en ON en.id = t.en_segment_id WHERE t.method != 'unaligned' AND t.kind = 'question'
           ORDER BY t.id""").fetchall()
    picks = sorted(random.Random(11).sample(range(len(rows) - 1), 300))
    aligned = control = checkable = 0
    for index in picks:
        zh, en = rows[index]
        anchors, found = independent_anchors(zh, en)
        if not anchors:
            continue
        checkable += 1
        aligned += bool(found)
        control += bool(independent_anchors(zh, rows[index + 1][1])[1] - CHINA)
    assert checkable >= 250
    assert aligned / checkable >= 0.95, f"{aligned} of {checkable} aligned pairs share an anchor"
    assert control / checkable <= 0.6, f"{control} of {checkable} neighbours share one too"
    # names: a Chinese question naming 委内瑞拉 is rendered by an English one naming Venezuela
    venezuela = [(zh, en) for zh, en in rows if "委内瑞拉" in zh]
    assert len(venezuela) >= 20 and sum("Venezuela" in en for _, en in venezuela) / len(venezuela) >= 0.95
