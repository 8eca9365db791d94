"""China MFA spokesperson's section in Chinese (发言人表态, www.fmprc.gov.cn/web/), on TRS WCM (crawlers/trs.py).

The Chinese pages are the record; the English transcripts of `fmprc` are translations
of them (see `analysis.alignment` for the link between the two). Layout "mfa_chn", as the
1,000 saved pages of 2016-11 .. 2020-07 in tests/files/fmprc_zh show it:

- list pages `.../fyrbt_674889/default.shtml`, `default_1.shtml` ... (`var countPage = 67`
  in a script); items are `div.rebox_news ul li`: a link whose text is the title, then
  the date in brackets, "(2019-01-24)";
- an article `.../t<digits>.shtml`: the title in `#News_Body_Title`
  ("2019年1月24日外交部发言人华春莹主持例行记者会"), the publication date in
  `#News_Body_Time`, the body in `#News_Body_Txt_A`, followed by the `#appendix_list`
  block every page has;
- turns are `问：` (bold), `答：`, `追问：`; from 2020 questions are labelled by outlet
  (`路透社记者：`, `中央广播电视总台央视记者：`, `彭博社记者追问：`) and answers by the
  spokesperson's name (`赵立坚：`); `会后有记者问及：` opens a question put after the
  conference, and a bold line that only announces what follows ("会后，就《南华早报》记者
  所提问题，赵立坚表示：") is a note of the page. Labels stand after full-width spaces
  (　) or `&nbsp;`; a journalist's aside inside an answer stays in brackets
  ("（记者：日本媒体。...）") and is part of the answer. Unlabelled paragraphs read by
  type, as on the English pages of the same era: bold asks, plain answers.
- kinds: 例行记者会 (and 网上例行记者会, the online conferences of February 2020), 答记者问,
  and 其他 (statements, announcements: "外交部发言人耿爽就...发表谈话",
  "中国政府向...派遣抗疫医疗专家组").
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urljoin

from corpus.dates import has_year, read_date
from corpus.records import Source
from crawlers import trs
from crawlers.parsing import BY_TYPE, LayoutError, Paragraph, Turn, assemble_segments, clean_text
from crawlers.parsing import list_items, paragraphs_of, parse_html, require_complete, split_label
from crawlers.spiders.base import Briefing, BriefingSpider, ListedArticle, ListPage

LIST_URL = "https://www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/default.shtml"
LAYOUT = "mfa_chn"
BODY = "#News_Body_Txt_A"
FOOTER = "#appendix_list"
PRESS_CONFERENCE = "例行记者会"
ONLINE_PRESS_CONFERENCE = "网上例行记者会"
ANSWERS = "答记者问"
OTHER = "其他"
KINDS = (PRESS_CONFERENCE, ONLINE_PRESS_CONFERENCE, ANSWERS, OTHER)
# Spokespeople of the Chinese pages, 2014 on, with the names the English pages give them.
SPOKESPEOPLE = {
    "洪磊": "Hong Lei", "华春莹": "Hua Chunying", "陆慷": "Lu Kang", "耿爽": "Geng Shuang", "赵立坚": "Zhao Lijian",
    "汪文斌": "Wang Wenbin", "毛宁": "Mao Ning", "林剑": "Lin Jian", "郭嘉昆": "Guo Jiakun",
}

_NAME = r"[\u4e00-\u9fff]{2,4}?"
_TITLE_SPOKESPERSON = re.compile(rf"发言人(?P<name>{_NAME})(?:主持|答记者问|就|宣布|表示|发表|：|\d)|^(?P<lead>{_NAME})[:：]")
_LIST_DATE = re.compile(r"\((?P<date>\d{4}-\d{2}-\d{2})\)")
# A question's label: 问 / 追问 / 追问二, or a journalist ("路透社记者", "记者澄清", "彭博社记者追问",
# "会后有俄罗斯记者问及"). No punctuation inside, no pronoun: "我也想通过你（加拿大环球邮报）
# 向加拿大公民说一句：" is a sentence of an answer.
_QUESTION_LABEL = re.compile(
    r"^(?:问|追问[一二三四五六七八九十\d]*|有?记者问|"
    r"(?:会后[，,]?)?有?[^，,。？！?!（）()：:“”\s我你他她]{0,30}?记者(?:提问|追问|问及?|澄清|解释|笑|回答)?)$"
)
_SPEAKER_SUFFIX = re.compile(r"(?:记者)?(?:提问|追问|问及?|澄清|解释|笑|回答)?$")
_ANSWER_LABEL = re.compile(rf"^(?:答|(?P<name>{_NAME})(?:表示)?)$")
# "耿爽表示，杨洁篪国务委员日前...": an answer reported rather than labelled.
_REPORTED_ANSWER = re.compile(rf"^(?P<name>{_NAME})表示[，,]")


# List pages ----------------------------------------------------------------------------


def parse_list_page(html: str | bytes, url: str) -> ListPage:
    tree, items = list_items(html, url, "div.rebox_news ul li", "items: not an mfa_chn list page")
    articles = []
    for item in items:
        links = [a for a in item.iter("a") if trs.ARTICLE_ID.search(a.get("href") or "")]
        if not links:
            continue
        title = clean_text(links[0].text_content())
        stated = _LIST_DATE.search(item.text_content())
        date = dt.date.fromisoformat(stated.group("date")) if stated else title_date(title)
        articles.append(ListedArticle(url=urljoin(url, links[0].get("href")), title=title, date=date))
    count = trs.page_count(tree)
    return ListPage(articles=articles, page_count=count, next_urls=trs.next_page_urls(url, count))


# Titles --------------------------------------------------------------------------------


def title_date(title: str) -> dt.date | None:
    """The date a title states in full ("2019年1月24日外交部发言人..."), else None."""
    date = read_date(title) if "年" in title else None
    return date if has_year(date) else None


def parse_title(title: str) -> tuple[str | None, str]:
    """(spokesperson, kind) of a title: ("华春莹", "例行记者会") for "2019年1月24日外交部发言人华春莹主持例行记者会"."""
    found = _TITLE_SPOKESPERSON.search(title)
    spokesperson = (found.group("name") or found.group("lead")) if found else None
    if spokesperson not in SPOKESPEOPLE:
        spokesperson = None
    if ONLINE_PRESS_CONFERENCE in title:
        kind = ONLINE_PRESS_CONFERENCE
    elif PRESS_CONFERENCE in title:
        kind = PRESS_CONFERENCE
    elif ANSWERS in title:
        kind = ANSWERS
    else:
        kind = OTHER
    return spokesperson, kind


# Turns ---------------------------------------------------------------------------------


def question_speaker(label: str) -> str | None:
    """The outlet a question label names: "路透社记者" -> "路透社"; None for 问 / 追问 / 记者."""
    if label.startswith(("问", "追问")) or label in ("有记者问", "记者问"):
        return None
    outlet = _SPEAKER_SUFFIX.sub("", label)
    outlet = re.sub(r"^会后[，,]?有?", "", outlet)
    return outlet or None


def classify(paragraph: Paragraph, spokespeople: set[str], spokesperson: str | None) -> Turn:
    """How a paragraph reads: a separator, a note, a question or an answer it opens, or None."""
    text = paragraph.text
    if paragraph.separator:
        return Turn("separator", text)
    if labelled := split_label(text):
        label, rest = labelled
        if _QUESTION_LABEL.match(label):
            return Turn("question", rest, label, question_speaker(label))
        answer = _ANSWER_LABEL.match(label)
        if answer and (answer.group("name") is None or answer.group("name") in spokespeople):
            return Turn("answer", rest, label, answer.group("name") or spokesperson)
        if not rest and paragraph.bold:
            # "会后，就《南华早报》记者所提问题，赵立坚表示：": what follows, says the page
            return Turn("note", text)
    if (reported := _REPORTED_ANSWER.match(text)) and reported.group("name") in spokespeople:
        return Turn("answer", text, speaker=reported.group("name"))
    return Turn(None, text, bold=paragraph.bold)


def parse_briefing(html: str | bytes, url: str) -> Briefing:
    tree = parse_html(html)
    titles = tree.cssselect("#News_Body_Title")
    title = clean_text(titles[0].text_content()) if titles else ""
    if not title:
        raise LayoutError(f"{url}: {LAYOUT}: no '#News_Body_Title': not an mfa_chn article page")
    bodies = tree.cssselect(BODY)
    if not bodies:
        raise LayoutError(f"{url}: {LAYOUT}: no '{BODY}' body under the title")
    paragraphs = paragraphs_of(bodies[0])
    if not paragraphs:
        raise LayoutError(f"{url}: {LAYOUT}: the '{BODY}' body has no text")
    require_complete(bodies[0], url, LAYOUT, footer=FOOTER)
    spokesperson, kind = parse_title(title)
    turns = [classify(paragraph, set(SPOKESPEOPLE), spokesperson) for paragraph in paragraphs]
    date, inferred = briefing_date(title, tree, bodies[0].xpath(".//img/@src"))
    return Briefing(title=title, spokesperson=spokesperson, kind=kind, date=date, date_inferred=inferred,
                    segments=assemble_segments(turns, spokesperson, BY_TYPE), layout=LAYOUT)


def briefing_date(title: str, tree, image_sources: list[str]) -> tuple[dt.date | None, str | None]:
    """The title's date, else the page's publication date (`#News_Body_Time`), else the photos'."""
    if stated := title_date(title):
        return stated, None
    for element in tree.cssselect("#News_Body_Time"):
        if has_year(published := read_date(clean_text(element.text_content()))):
            return published, None
    if uploaded := trs.photo_date(image_sources):
        return uploaded, "date from the photo file names"
    return None, None


class FmprcZhSpider(BriefingSpider):
    name = "fmprc_zh"
    source = Source(name="fmprc_zh", ministry="Ministry of Foreign Affairs of the People's Republic of China",
                    country="CN", language="zh", homepage="https://www.fmprc.gov.cn/web/")
    allowed_domains = ["www.fmprc.gov.cn", "fmprc.gov.cn"]
    layouts = (LAYOUT,)
    list_urls = (LIST_URL,)
    article_id = trs.ARTICLE_ID
    read_list = staticmethod(parse_list_page)
    read_briefing = staticmethod(parse_briefing)
    sequence = staticmethod(trs.sequence)

    def is_removed(self, response) -> bool:
        return trs.is_removed_page(response.url)
