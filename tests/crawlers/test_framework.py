"""The crawler framework as a whole: one way of doing each thing, dependencies one way, nothing listening."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawlers.parsing import BY_TYPE, CONTINUE, Turn, assemble_segments
from crawlers.run import project_settings, spider_class, spider_names
from crawlers.spiders.base import BriefingSpider
from crawlers.spiders.fmprc import FmprcSpider

ROOT = Path(__file__).resolve().parents[2]


def imported_packages(folder: str) -> set[str]:
    """The top-level packages the modules of a folder import."""
    found = set()
    for path in (ROOT / folder).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_dependencies_point_one_way_crawlers_to_corpus():
    assert "corpus" in imported_packages("crawlers")
    assert not {"communique", "analysis"} & imported_packages("crawlers")
    assert not {"communique", "crawlers", "analysis"} & imported_packages("corpus")


def test_one_date_parser_reads_every_date_the_crawlers_and_the_command_read():
    assert "dateutil" not in imported_packages("crawlers") | imported_packages("communique")


def extensions(settings: Settings) -> set[str]:
    """The extensions a crawler with these settings runs (get_crawler supplies the test reactor)."""
    reactor = {"TWISTED_REACTOR", "TWISTED_REACTOR_ENABLED", "DOWNLOAD_HANDLERS"}
    values = {key: value for key, value in settings.copy_to_dict().items() if key not in reactor}
    return {type(extension).__name__ for extension in get_crawler(FmprcSpider, values).extensions.middlewares}


def test_scrapys_remote_control_endpoint_and_telnet_console_are_off():
    assert "RemoteControl" in extensions(Settings())  # Scrapy 2.19 runs it unless told not to
    ours = extensions(project_settings())
    assert "CoreStats" in ours and not {"RemoteControl", "TelnetConsole"} & ours
    assert not project_settings().getbool("REMOTE_CONTROL_ENABLED") and not project_settings().getbool("TELNETCONSOLE_ENABLED")


@pytest.mark.parametrize("name", ["fmprc", "state", "mid", "mea", "mofa_japan"])
def test_every_source_is_a_briefing_spider(name):
    assert issubclass(spider_class(name), BriefingSpider)


def test_a_spider_is_one_short_file():
    spiders = [path for path in (ROOT / "crawlers" / "spiders").glob("*.py") if path.stem not in ("__init__", "base")]
    assert {path.stem for path in spiders} >= {"fmprc", "state", "mid", "configured"}
    for path in spiders:
        assert len(path.read_text(encoding="utf-8").splitlines()) < 350, path
    assert set(spider_names()) >= {"fmprc", "state", "mid", "mea", "mofa_japan"}


# assemble_segments, on turns -----------------------------------------------------------------


def kinds(segments) -> str:
    return "".join(segment.kind[0].upper() for segment in segments)


def test_by_type_bold_asks_and_plain_answers():
    turns = [Turn(None, "Bold question?", bold=True), Turn(None, "More of it.", bold=True),
             Turn(None, "Plain answer."), Turn(None, "More of the answer."), Turn(None, "Another question?", bold=True)]
    segments = assemble_segments(turns, "Hua Chunying", BY_TYPE)
    assert kinds(segments) == "QAQ" and [s.paragraphs for s in segments] == [2, 2, 1]
    assert segments[1].speaker == "Hua Chunying" and segments[1].reply_to == 0


def test_continue_runs_every_unlabelled_paragraph_on():
    turns = [Turn("question", "Two paragraphs", "QUESTION"), Turn(None, "of a question."),
             Turn("answer", "An answer", "MR PRICE", "Ned Price"), Turn(None, "in two paragraphs.", bold=True)]
    segments = assemble_segments(turns, "Ned Price", CONTINUE)
    assert kinds(segments) == "QA" and [s.paragraphs for s in segments] == [2, 2]


def test_openings_and_closings_are_statements_of_their_own_speakers():
    turns = [
        Turn("answer", "Good afternoon.", "Hua Chunying", "Hua Chunying"),
        Turn(None, "Today a new colleague joins us."),
        Turn("answer", "Thank you.", "Zhao Lijian", "Zhao Lijian"),
        Turn("question", "A question?", "Q"),
        Turn("answer", "An answer.", "A"),
        Turn("separator", "***"),
        Turn(None, "The conference will be adjourned on Friday."),
        Turn("answer", "Happy Children's Day.", "Zhao Lijian", "Zhao Lijian"),
    ]
    for unlabelled in (BY_TYPE, CONTINUE):
        segments = assemble_segments(turns, "Zhao Lijian", unlabelled)
        assert kinds(segments) == "SSSQASS"
        assert [s.speaker for s in segments] == [
            "Hua Chunying", "Hua Chunying", "Zhao Lijian", None, "Zhao Lijian", "Zhao Lijian", "Zhao Lijian",
        ]
        assert segments[4].reply_to == 3 and segments[6].reply_to is None


def test_a_note_is_a_statement_without_a_speaker_and_closes_the_exchange():
    turns = [Turn("question", "Q?", "Q"), Turn("answer", "A.", "A"),
             Turn("note", "The following question was raised after the press conference:"),
             Turn(None, "A plain paragraph.")]
    segments = assemble_segments(turns, "Geng Shuang", BY_TYPE)
    assert kinds(segments) == "QASS" and segments[2].speaker is None and segments[3].speaker == "Geng Shuang"


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="unlabelled must be"):
        assemble_segments([], None, "guess")
