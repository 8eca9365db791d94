"""The configured spider: config files, their errors, parsing by config, and real replay crawls.

Saved pages: tests/files/mea (India MEA media briefings: the listing endpoint's pages
1-3 and four transcripts) and tests/files/mofa_japan (Japan MOFA press conferences:
this month's index, two monthly archives and four conferences). See their READMEs.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import textwrap
from pathlib import Path

import pytest

from corpus import Corpus
from crawlers.parsing import IncompletePage, LayoutError
from crawlers.run import UnknownSource, configs, source_descriptions, spider_class, spider_names
from crawlers.site_config import CONFIG_DIR, ConfigError, load_config
from crawlers.spiders.configured import ConfiguredSpider, native_id, parse_article, parse_list_page, read_config_date
from tests.conftest import run_communique
from tests.crawlers.spider_tools import counts, make_spider, response, split

FILES = Path(__file__).resolve().parent.parent / "files"
MEA_REPLAY = FILES / "mea"
MOFA_REPLAY = FILES / "mofa_japan"
MEA_LIST = (
    "https://www.mea.gov.in/FrontEnd/FetchPublicationListingData?publicationId=49&KeywordName=&SortBy=new"
    "&page={page}&PageSize=50&DateRange=&IsInternalMEA=false&PLngId=1"
)
MEA_DETAIL = "https://www.mea.gov.in/FrontEnd/FetchPublicationDetailData?pkid={pkid}&languageId=1"
MOFA_KAIKEN = "https://www.mofa.go.jp/press/kaiken/"


def saved(folder: Path, url: str) -> tuple[bytes, str]:
    """The saved bytes of a replayed URL, found through the folder's manifest."""
    for line in (folder / "manifest.jsonl").open(encoding="utf-8"):
        entry = json.loads(line)
        if entry["url"] == url:
            return (folder / entry["path"]).read_bytes(), url
    raise KeyError(url)


@pytest.fixture(scope="module")
def mea():
    return load_config(CONFIG_DIR / "mea.yaml")


@pytest.fixture(scope="module")
def mofa():
    return load_config(CONFIG_DIR / "mofa_japan.yaml")


def shape(briefing) -> str:
    """Segment kinds as one letter each: S(tatement), Q(uestion), A(nswer)."""
    return "".join(segment.kind[0].upper() for segment in briefing.segments)


# Config files -----------------------------------------------------------------------------

MINIMAL = """\
name: {name}
ministry: Ministry of Foreign Affairs of Somewhere
country: XX
language: en
list:
  url: https://www.example.org/briefings/
  item: li.briefing
  link: a
article:
  body: div.text
"""


def write_config(folder: Path, text: str, name: str = "somewhere") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(text.replace("{name}", name), encoding="utf-8")
    return path


def test_the_shipped_configs_load(mea, mofa):
    assert (mea.name, mea.source.ministry, mea.source.country, mea.source.language) == (
        "mea", "Ministry of External Affairs of India", "IN", "en",
    )
    assert mea.hosts == ("www.mea.gov.in",) and mea.politeness.delay == 5.0 and mea.layout == "mea_frontend"
    assert mea.list.first_urls == (MEA_LIST.format(page=1),)
    assert (mofa.name, mofa.source.country, mofa.hosts, mofa.politeness.delay) == ("mofa_japan", "JP", ("www.mofa.go.jp",), 3.0)
    assert mofa.list.first_urls == (MOFA_KAIKEN,)
    assert mofa.list.date.syntax == "xpath" and mofa.list.item.syntax == "css"


def test_a_minimal_config_loads_with_defaults(tmp_path):
    config = load_config(write_config(tmp_path, MINIMAL))
    assert config.layout == "somewhere" and config.politeness.delay is None
    assert config.list.pagination.max_pages == 1 and config.turns.unlabelled == "continue"
    assert config.hosts == ("www.example.org",)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda t: t.replace("  item: li.briefing\n", ""), "list.item: missing"),
        (lambda t: t.replace("ministry:", "minstry:"), "minstry: unknown key (known here: name, ministry,"),
        (lambda t: t + "turns:\n  answer: ['Spokesperson', '(unclosed']\n", "turns.answer[1]: bad regular expression '(unclosed'"),
        (lambda t: t.replace("body: div.text", "body: 'div..text'"), "article.body: bad css selector 'div..text'"),
        (lambda t: t.replace("body: div.text", "body: {xpath: '//div[@class='}"), "article.body: bad xpath selector '//div[@class='"),
        (lambda t: t.replace("body: div.text", "body: {jquery: div.text}"), "article.body: must be a selector string or {css: ...} / {xpath: ...}"),
        (lambda t: t.replace("  link: a\n", "  link: a\n  pagination:\n    template: https://www.example.org/briefings/2\n    max_pages: 3\n"),
         "list.pagination.template: 'https://www.example.org/briefings/2' has no {page}"),
        (lambda t: t.replace("  link: a\n", "  link: a\n  pagination:\n    next: a.next\n"), "list.pagination.max_pages: missing"),
        (lambda t: t + "politeness:\n  delay: 0.5\n", "politeness.delay: 0.5 s is below the project's 2 s"),
        (lambda t: t + "politeness:\n  delay: soon\n", "politeness.delay: must be a number, not str 'soon'"),
        (lambda t: t.replace("country: XX", "country: india"), "country: 'india' must be a two-letter ISO 3166 code"),
        (lambda t: t.replace("url: https://www.example.org/briefings/", "url: www.example.org/briefings/"),
         "list.url: 'www.example.org/briefings/' is not an http(s) URL"),
        (lambda t: t.replace("  link: a\n", "  link: a\n  article_url:\n    match: 'id=(\\d+)'\n    url: 'https://www.example.org/a/{pkid}'\n"),
         "list.article_url.url: uses 'pkid' that match does not capture"),
        (lambda t: t + "turns:\n  unlabelled: guess\n", "turns.unlabelled: must be 'continue' or 'answer', not 'guess'"),
        (lambda t: t + "dates:\n  dayfirst: 'yes'\n", "dates.dayfirst: must be true or false, not str 'yes'"),
        (lambda t: t.replace("name: somewhere", "name: Some Where"), "name: 'Some Where' must be lower-case letters"),
        (lambda t: t.replace("article:\n", "article:\n  spokesperson: 'by Minister'\n"), "article.spokesperson: needs a group"),
        (lambda t: t.replace("article:\n  body: div.text\n", "article: div.text\n"), "article: must be a mapping, not str"),
        (lambda t: t + "list: [oops\n", "is not valid YAML"),
    ],
)
def test_config_errors_name_the_file_and_the_key(tmp_path, change, message):
    path = tmp_path / "somewhere.yaml"
    path.write_text(change(MINIMAL.format(name="somewhere")), encoding="utf-8")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


def test_the_name_must_be_the_file_name(tmp_path):
    path = tmp_path / "elsewhere.yaml"
    path.write_text(MINIMAL.format(name="somewhere"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"elsewhere\.yaml: name: 'somewhere' differs from the file name: call the file somewhere\.yaml"):
        load_config(path)


def test_a_missing_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"nowhere\.yaml: cannot be read"):
        load_config(tmp_path / "nowhere.yaml")


def test_xpath_can_be_the_default_syntax(tmp_path):
    text = MINIMAL.replace("item: li.briefing", "item: //li[@class='briefing']").replace("link: a", "link: a/@href")
    text = text.replace("body: div.text", "body: {css: div.text}") + "selectors: xpath\n"
    config = load_config(write_config(tmp_path, text))
    assert (config.list.item.syntax, config.list.link.syntax, config.article.body.syntax) == ("xpath", "xpath", "css")
    html = '<ul><li class="briefing"><a href="/b/1.html">Briefing of 1 May 2024</a></li></ul>'
    listing = parse_list_page(config, html, "https://www.example.org/briefings/")
    assert [(a.url, a.title) for a in listing.articles] == [("https://www.example.org/b/1.html", "")]


# Dates ------------------------------------------------------------------------------------


def test_dates_are_read_with_the_configs_hints(tmp_path):
    text = MINIMAL + "dates:\n  dayfirst: true\n  pattern: '(?P<date>\\d\\d/\\d\\d/\\d{4})'\n"
    config = load_config(write_config(tmp_path, text))
    assert read_config_date(config, "Briefing of 03/04/2023, 10 a.m.") == dt.date(2023, 4, 3)
    assert read_config_date(config, "Briefing of March 3") is None  # the pattern finds no date


# India MEA --------------------------------------------------------------------------------


def test_mea_list_pages_give_detail_urls_titles_and_dates(mea):
    first = parse_list_page(mea, *saved(MEA_REPLAY, MEA_LIST.format(page=1)))
    assert [(a.url, a.date) for a in first.articles] == [
        (MEA_DETAIL.format(pkid=36422), dt.date(2023, 3, 24)),
        (MEA_DETAIL.format(pkid=36330), dt.date(2023, 3, 10)),
        (MEA_DETAIL.format(pkid=36298), dt.date(2023, 3, 9)),
    ]
    assert first.articles[0].title == "Transcript of Weekly Media Briefing by the Official Spokesperson (March 24, 2023)"
    assert first.next_urls == [MEA_LIST.format(page=2)]  # the template's next number
    second = parse_list_page(mea, *saved(MEA_REPLAY, MEA_LIST.format(page=2)))
    assert [a.url for a in second.articles] == [MEA_DETAIL.format(pkid=36155)]
    assert second.next_urls == [MEA_LIST.format(page=3)]
    assert parse_list_page(mea, "<html></html>", MEA_LIST.format(page=60)).next_urls == []  # max_pages: 60
    assert parse_list_page(mea, *saved(MEA_REPLAY, MEA_LIST.format(page=3))).articles == []  # "No Record Found"


def mea_briefing(mea, pkid: int):
    return parse_article(mea, *saved(MEA_REPLAY, MEA_DETAIL.format(pkid=pkid)))


def test_mea_2023_03_09_questions_taken_together_and_opening_statements(mea):
    page = mea_briefing(mea, 36298)
    assert page.title == "Transcript of Weekly Media Briefing by the Official Spokesperson (March 09, 2023)"
    assert (page.spokesperson, page.kind, page.layout) == ("Arindam Bagchi", "Weekly Media Briefing", "mea_frontend")
    assert (page.date, page.date_inferred) == (dt.date(2023, 3, 9), None)
    segments = page.segments
    assert shape(page) == "SSSSQQAQAQA"
    # the spokesperson's opening, one statement per paragraph, all his
    opening = segments[0]
    assert (opening.label, opening.speaker) == ("Official Spokesperson, Shri Arindam Bagchi", "Arindam Bagchi")
    assert {s.speaker for s in segments[:4]} == {"Arindam Bagchi"}
    assert segments[3].text == "With that, I will open the floor for questions."
    assert [s.speaker for s in segments if s.kind == "question"] == [
        "Sidhant Sibal, WION", "Maha Siddiqui, CNN News18", None, "Rishikesh Kumar, Sputnik",
    ]
    assert segments[7].label == "Question"
    together = segments[6]
    assert together.text.startswith("Let me take these together.") and together.paragraphs == 2
    assert together.reply_to == 5  # the answer to both questions points at the last of them
    assert segments[10].text == "I do not have any visits to announce at this stage. Thank you all for joining."


def test_mea_2023_03_10_special_briefing_credits_each_speaker(mea):
    page = mea_briefing(mea, 36330)
    assert (page.kind, page.spokesperson, page.date) == ("Special Briefing", "Arindam Bagchi", dt.date(2023, 3, 10))
    assert shape(page) == "SSSSQAQA"
    assert [s.speaker for s in page.segments] == [
        "Arindam Bagchi", "Vinay Kwatra", "Vinay Kwatra", "Arindam Bagchi",
        "Sidhant Sibal, WION", "Vinay Kwatra", "Nayanima Basu, ABP", "Vinay Kwatra",
    ]
    assert page.segments[2].label is None  # the Foreign Secretary's second paragraph, still his
    assert page.segments[7].text.endswith("those responsible would face the full force of the law.")  # "(Concludes)" skipped


def test_mea_2023_03_24_and_2023_02_17(mea):
    march = mea_briefing(mea, 36422)
    assert shape(march) == "SQAQAQA"
    assert [s.speaker for s in march.segments if s.kind == "question"] == [
        None, "Madhurendra, News Nation (Hindi)", "Kallol Bhattacherjee, The Hindu",
    ]
    assert march.segments[2].paragraphs == 2 and march.segments[2].reply_to == 1
    february = mea_briefing(mea, 36155)
    assert shape(february) == "SSQAQA"
    assert february.date == dt.date(2023, 2, 17)
    assert february.segments[1].text.startswith("The External Affairs Minister is visiting Fiji and Australia")


def test_mea_article_ids_are_the_pkid(mea):
    assert native_id(mea, MEA_DETAIL.format(pkid=36298)) == "36298"


# Japan MOFA -------------------------------------------------------------------------------


def test_mofa_index_lists_this_month_and_links_the_archive(mofa):
    index = parse_list_page(mofa, *saved(MOFA_REPLAY, MOFA_KAIKEN))
    assert [(a.url, a.title, a.date) for a in index.articles] == [
        (MOFA_KAIKEN + "kaiken24e_000219.html", "Press Conference by Foreign Minister HAYASHI Yoshimasa", dt.date(2023, 3, 31)),
        (MOFA_KAIKEN + "press6e_000031.html", "Press Conference by Press Secretary KOBAYASHI Maki", dt.date(2023, 3, 22)),
    ]
    assert index.next_urls == [
        MOFA_KAIKEN + "pc_202302_index.html",
        MOFA_KAIKEN + "pc_202301_index.html",
        MOFA_KAIKEN + "pc_202212_index.html",
    ]
    january = parse_list_page(mofa, *saved(MOFA_REPLAY, MOFA_KAIKEN + "pc_202301_index.html"))
    assert [(a.url, a.date) for a in january.articles] == [(MOFA_KAIKEN + "kaiken24e_000205.html", dt.date(2023, 1, 11))]


def mofa_briefing(mofa, name: str):
    return parse_article(mofa, *saved(MOFA_REPLAY, MOFA_KAIKEN + name))


def test_mofa_2023_03_31_topic_headings_are_notes_and_the_minister_answers(mofa):
    page = mofa_briefing(mofa, "kaiken24e_000219.html")
    assert (page.title, page.spokesperson, page.kind) == (
        "Press Conference by Foreign Minister HAYASHI Yoshimasa", "HAYASHI Yoshimasa", "Press Conference",
    )
    assert (page.date, page.date_inferred, page.layout) == (dt.date(2023, 3, 31), None, "mofa_kaiken")
    assert shape(page) == "SSSSSSSQASQA"
    notes = [s.text for s in page.segments if s.kind == "statement" and s.speaker is None]
    assert notes == [
        "Opening Remarks",
        "(1) Visit to China by Foreign Minister Hayashi",
        "(2) Attendance at the Meeting of NATO Ministers of Foreign Affairs",
        "Visit to China",
        "Semiconductor Export Controls",
    ]
    opening = page.segments[2]
    assert (opening.label, opening.speaker) == ("Mr. HAYASHI Yoshimasa, Minister for Foreign Affairs", "HAYASHI Yoshimasa")
    assert page.segments[3].speaker == "HAYASHI Yoshimasa" and page.segments[3].label is None
    assert [s.speaker for s in page.segments if s.kind == "question"] == ["NHK, Iwasawa", "Nikkei, Kato"]
    answer = page.segments[8]
    assert (answer.label, answer.speaker, answer.reply_to, answer.paragraphs) == ("Minister Hayashi", "HAYASHI Yoshimasa", 7, 2)
    # the video link is dropped and the translation notice skipped
    assert not any("(Video)" in s.text or "provisional translation" in s.text for s in page.segments)


def test_mofa_press_secretary_and_the_other_months(mofa):
    secretary = mofa_briefing(mofa, "press6e_000031.html")
    assert (secretary.spokesperson, secretary.date) == ("KOBAYASHI Maki", dt.date(2023, 3, 22))
    assert shape(secretary) == "SSSQAQASQA"
    assert [s.speaker for s in secretary.segments if s.kind == "question"] == [
        "Reuters, Tajitsu", "Reuters, Tajitsu", "Pan Orient News, Aboujaoude",
    ]
    assert {s.speaker for s in secretary.segments if s.kind == "answer"} == {"KOBAYASHI Maki"}
    february = mofa_briefing(mofa, "kaiken24e_000211.html")
    assert (february.date, shape(february)) == (dt.date(2023, 2, 21), "SQASQA")
    assert february.segments[2].paragraphs == 2
    january = mofa_briefing(mofa, "kaiken24e_000205.html")
    assert (january.kind, january.date) == ("Extraordinary Press Conference", dt.date(2023, 1, 11))
    assert shape(january) == "SSSSQA"


def test_a_page_without_the_configured_body_is_a_layout_error(mofa):
    body, _ = saved(MOFA_REPLAY, MOFA_KAIKEN)
    with pytest.raises(LayoutError, match=r"kaiken/x\.html: mofa_japan: no body: nothing matches css 'div#maincontents div.any-area'"):
        # a list page given as an article: it has no div.any-area
        parse_article(mofa, body, MOFA_KAIKEN + "x.html")


def test_the_list_date_fills_in_for_a_page_without_one(mofa):
    html = (
        '<div id="maincontents"><h1>Press Conference by Foreign Minister HAYASHI Yoshimasa</h1><div class="any-area">'
        "<p>NHK, Iwasawa: A question?</p><p>Minister Hayashi: An answer.</p></div></div><div id=footer></div>"
    )
    page = parse_article(mofa, html, MOFA_KAIKEN + "kaiken24e_000300.html", listed_date=dt.date(2023, 4, 4))
    assert (page.date, page.date_inferred) == (dt.date(2023, 4, 4), "date from the list page")
    assert shape(page) == "QA"


def test_a_page_cut_short_is_incomplete(mofa):
    body, url = saved(MOFA_REPLAY, MOFA_KAIKEN + "kaiken24e_000219.html")
    with pytest.raises(IncompletePage, match=r"kaiken24e_000219.html: mofa_kaiken: the page ends inside its body"):
        parse_article(mofa, body[: body.index(b"Semiconductor Export Controls")], url)
    parse_article(mofa, body, url)  # whole, it parses


# The spider and the command's view of sources -----------------------------------------------


def test_configs_are_sources_of_the_command():
    assert {"fmprc", "mea", "mofa_japan"} <= set(spider_names())
    described = {source["name"]: source for source in source_descriptions()}
    assert set(described["mea"]) == set(described["fmprc"])
    assert described["mea"]["kind"] == "config" and described["fmprc"]["kind"] == "spider"
    assert described["mea"]["layouts"] == ["mea_frontend"] and described["mea"]["delay_s"] == 5.0
    assert described["mofa_japan"]["ministry"] == "Ministry of Foreign Affairs of Japan"
    assert described["mofa_japan"]["robots_txt"] is True


def test_the_spider_class_of_a_config_carries_its_source():
    spidercls = spider_class("mea")
    assert issubclass(spidercls, ConfiguredSpider)
    assert spidercls.name == "mea" and spidercls.source.name == "mea" and spidercls.source.country == "IN"
    assert spidercls.custom_settings == {"DOWNLOAD_DELAY": 5.0}
    assert spidercls.allowed_domains == ["www.mea.gov.in"]
    with pytest.raises(UnknownSource, match=r"unknown source 'nowhere': known sources are .*mea, .*mofa_japan"):
        spider_class("nowhere")


def test_the_spider_also_takes_a_config_argument():
    spider = ConfiguredSpider(config="mofa_japan", since="2023-02-01")
    assert (spider.name, spider.source.name, spider.since) == ("mofa_japan", "mofa_japan", dt.date(2023, 2, 1))
    assert spider.list_urls == (MOFA_KAIKEN,)
    with pytest.raises(ValueError, match="ConfiguredSpider needs a config"):
        ConfiguredSpider()


def test_the_spider_pages_a_templated_listing_and_stops_at_an_empty_page(mea):
    spider = make_spider(ConfiguredSpider.for_config(mea))
    body, url = saved(MEA_REPLAY, MEA_LIST.format(page=1))
    requests, [listed] = split(spider.parse_list(response(url, body), page=0))
    assert [r.url for r in requests] == [
        MEA_DETAIL.format(pkid=36422), MEA_DETAIL.format(pkid=36330), MEA_DETAIL.format(pkid=36298), MEA_LIST.format(page=2),
    ]
    assert listed.requested == [r.url for r in requests[:3]]
    assert requests[0].meta["listed_date"] == "2023-03-24"
    assert requests[0].meta["listed_title"].startswith("Transcript of Weekly Media Briefing")
    body, url = saved(MEA_REPLAY, MEA_LIST.format(page=3))
    requests, [listed] = split(spider.parse_list(response(url, body), page=2))
    assert requests == [] and listed.requested == []  # "No Record Found": the listing ends
    missing = response(MEA_LIST.format(page=9), b"", status=404)
    requests, [result] = split(spider.parse_list(missing, page=8))
    assert requests == [] and result.fetch.outcome == "missing"
    assert counts(spider) == {"communique/missing_list_pages": 1}


def test_the_spider_follows_archive_links_once_each(mofa):
    spider = make_spider(ConfiguredSpider.for_config(mofa), since="2023-03-01")
    spider.list_urls_seen.add(MOFA_KAIKEN)
    body, url = saved(MOFA_REPLAY, MOFA_KAIKEN)
    requests, _ = split(spider.parse_list(response(url, body), page=0))
    assert [r.url for r in requests] == [
        MOFA_KAIKEN + "kaiken24e_000219.html",
        MOFA_KAIKEN + "press6e_000031.html",
        MOFA_KAIKEN + "pc_202302_index.html",
        MOFA_KAIKEN + "pc_202301_index.html",
        MOFA_KAIKEN + "pc_202212_index.html",
    ]
    # February lists only briefings before --since: its archive links are not followed again
    body, url = saved(MOFA_REPLAY, MOFA_KAIKEN + "pc_202302_index.html")
    requests, _ = split(spider.parse_list(response(url, body), page=1))
    assert requests == []
    assert counts(spider) == {"communique/skipped_out_of_range": 1}


def test_the_spider_keeps_a_page_that_fails_with_the_list_date(mea):
    spider = make_spider(ConfiguredSpider.for_config(mea))
    url = MEA_DETAIL.format(pkid=99999)
    blocked = response(url, b"<div>Web Page Blocked</div>", meta={"listed_date": "2023-03-30", "listed_title": "Transcript of ..."})
    [result] = list(spider.parse_article(blocked))
    document = result.document
    assert document.parse_error == f"{url}: mea: no body: nothing matches css 'div.description'"
    assert (document.native_id, document.sequence) == ("99999", 99999)
    assert (document.date, document.date_inferred) == (dt.date(2023, 3, 30), "date from the list page")
    assert counts(spider) == {"communique/parse_errors": 1}


def test_a_config_may_not_take_a_spiders_name(tmp_path, monkeypatch):
    write_config(tmp_path, MINIMAL, name="fmprc")
    monkeypatch.setenv("COMMUNIQUE_CONFIGS", str(tmp_path))
    with pytest.raises(ConfigError, match=r"fmprc\.yaml: name: 'fmprc' is already the name of a spider"):
        configs()


def test_configs_in_another_folder_are_found(tmp_path, monkeypatch):
    write_config(tmp_path, MINIMAL, name="somewhere")
    monkeypatch.setenv("COMMUNIQUE_CONFIGS", str(tmp_path))
    assert "somewhere" in spider_names()
    assert spider_class("somewhere").source.ministry == "Ministry of Foreign Affairs of Somewhere"


# Real crawls ------------------------------------------------------------------------------


def crawled(db: Path) -> list[tuple]:
    query = "SELECT id, date, kind, spokesperson, parse_status, segment_count FROM documents ORDER BY id"
    return sqlite3.connect(db).execute(query).fetchall()


@pytest.mark.slow
def test_replay_crawl_of_mea(tmp_path):
    db = tmp_path / "mea.db"
    result = run_communique("crawl", "mea", "--replay", str(MEA_REPLAY), db=db)
    assert "mea: stored 4 documents (0 with parse errors)" in result.stdout
    assert "0 HTTP errors, 0 off-site redirects, 0 network errors, 0 never fetched, 0 removed pages; finished: finished" in result.stdout
    assert crawled(db) == [
        ("mea:36155", "2023-02-17", "Weekly Media Briefing", "Arindam Bagchi", "ok", 6),
        ("mea:36298", "2023-03-09", "Weekly Media Briefing", "Arindam Bagchi", "ok", 11),
        ("mea:36330", "2023-03-10", "Special Briefing", "Arindam Bagchi", "ok", 8),
        ("mea:36422", "2023-03-24", "Weekly Media Briefing", "Arindam Bagchi", "ok", 7),
    ]
    with Corpus(db) as corpus:
        turns = corpus.segments_of("mea:36330")
        assert [turn["speaker"] for turn in turns if turn["kind"] == "answer"] == ["Vinay Kwatra", "Vinay Kwatra"]
        assert corpus.raw_html("mea:36330") == saved(MEA_REPLAY, MEA_DETAIL.format(pkid=36330))[0]
    source = sqlite3.connect(db).execute("SELECT name, ministry, country, language FROM sources").fetchall()
    assert source == [("mea", "Ministry of External Affairs of India", "IN", "en")]
    again = run_communique("crawl", "mea", "--replay", str(MEA_REPLAY), db=db)
    assert "stored 0 documents" in again.stdout and "skipped 4 already stored" in again.stdout


@pytest.mark.slow
def test_replay_crawl_of_mofa_japan(tmp_path):
    db = tmp_path / "mofa.db"
    result = run_communique("crawl", "mofa_japan", "--replay", str(MOFA_REPLAY), db=db)
    # pc_202212_index.html, linked from the archive, is not in the replay: the listing ends there
    assert "mofa_japan: stored 4 documents (0 with parse errors)" in result.stdout
    assert "0 HTTP errors, 0 off-site redirects, 0 network errors, 0 never fetched, 0 removed pages; finished: finished" in result.stdout
    assert crawled(db) == [
        ("mofa_japan:kaiken24e_000205", "2023-01-11", "Extraordinary Press Conference", "HAYASHI Yoshimasa", "ok", 6),
        ("mofa_japan:kaiken24e_000211", "2023-02-21", "Press Conference", "HAYASHI Yoshimasa", "ok", 6),
        ("mofa_japan:kaiken24e_000219", "2023-03-31", "Press Conference", "HAYASHI Yoshimasa", "ok", 12),
        ("mofa_japan:press6e_000031", "2023-03-22", "Press Conference", "KOBAYASHI Maki", "ok", 10),
    ]
    bounded = tmp_path / "march.db"
    run_communique("crawl", "mofa_japan", "--replay", str(MOFA_REPLAY), "--since", "2023-03-01", db=bounded)
    assert [row[0] for row in crawled(bounded)] == ["mofa_japan:kaiken24e_000219", "mofa_japan:press6e_000031"]


README_EXAMPLE = """\
name: mofa_press
ministry: Ministry of Foreign Affairs of Japan
country: JP
language: en
list:
  url: https://www.mofa.go.jp/press/kaiken/
  item: ul.list-kaiken li      # one element per briefing on the list page
  link: a                      # the link inside it (CSS; write {xpath: ...} for XPath)
article:
  title: h1
  date: p.rightalign           # read by dateutil: "Friday, March 31, 2023, 10:45 a.m. ..."
  body: div.any-area
turns:
  answer: ['Minister', 'Press Secretary']   # labels that answer; other "Name:" labels ask
"""


@pytest.mark.slow
def test_the_readme_example_crawls_with_a_few_lines_of_yaml(tmp_path, monkeypatch):
    folder = tmp_path / "configs"
    folder.mkdir()
    (folder / "mofa_press.yaml").write_text(textwrap.dedent(README_EXAMPLE), encoding="utf-8")
    monkeypatch.setenv("COMMUNIQUE_CONFIGS", str(folder))
    db = tmp_path / "example.db"
    result = run_communique("crawl", "mofa_press", "--replay", str(MOFA_REPLAY), db=db)
    assert "mofa_press: stored 2 documents (0 with parse errors)" in result.stdout
    rows = sqlite3.connect(db).execute("SELECT id, date, parse_status FROM documents ORDER BY id").fetchall()
    assert rows == [("mofa_press:kaiken24e_000219", "2023-03-31", "ok"), ("mofa_press:press6e_000031", "2023-03-22", "ok")]
    with Corpus(db) as corpus:
        kinds = [turn["kind"] for turn in corpus.segments_of("mofa_press:press6e_000031")]
    assert kinds.count("question") == 3 and kinds.count("answer") == 3


def test_a_broken_config_is_listed_with_its_error(tmp_path, monkeypatch):
    write_config(tmp_path, MINIMAL.replace("  item: li.briefing\n", ""), name="somewhere")
    monkeypatch.setenv("COMMUNIQUE_CONFIGS", str(tmp_path))
    described = {source["name"]: source for source in source_descriptions()}
    assert described["somewhere"]["ministry"] == f"config error: {tmp_path / 'somewhere.yaml'}: list.item: missing"
    assert described["mea"]["kind"] == "config"  # the other sources are still there
    with pytest.raises(ConfigError, match=r"somewhere\.yaml: list\.item: missing"):
        spider_class("somewhere")
