"""Shared fixtures: the saved fmprc pages and one real replay crawl of them per session."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
FMPRC_REPLAY = TESTS / "files" / "fmprc"
FMPRC_PAGES = FMPRC_REPLAY / "www.fmprc.gov.cn" / "mfa_eng" / "xwfw_665399" / "s2510_665401" / "2511_665403"
FMPRC_BASE_URL = "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/"
# The Chinese section (issue 11): 1,000 real pages of the same crawl, 2016-11 .. 2020-07.
FMPRC_ZH_REPLAY = TESTS / "files" / "fmprc_zh"
FMPRC_ZH_PAGES = FMPRC_ZH_REPLAY / "www.fmprc.gov.cn" / "web" / "wjdt_674879" / "fyrbt_674889"
FMPRC_ZH_BASE_URL = "https://www.fmprc.gov.cn/web/wjdt_674879/fyrbt_674889/"


def fmprc_page(name: str) -> tuple[bytes, str]:
    """The saved bytes of an fmprc page and its real URL."""
    return (FMPRC_PAGES / name).read_bytes(), FMPRC_BASE_URL + name


def fmprc_zh_page(name: str) -> tuple[bytes, str]:
    """The saved bytes of a page of the Chinese section and its real URL."""
    return (FMPRC_ZH_PAGES / name).read_bytes(), FMPRC_ZH_BASE_URL + name


def body_words(raw: str, selector: str) -> list[str]:
    """The words of a saved page's body as a reader sees them, scripts and styles left out:
    an independent check that a parser loses and repeats no word."""
    from lxml import html as lxml_html

    body = lxml_html.document_fromstring(raw).cssselect(selector)[0]
    for element in body.iter("script", "style"):
        element.drop_tree()
    return re.findall(r"\w+", body.text_content())


def run_communique(*args: str, db: Path | None = None, check: bool = True, **kwargs) -> subprocess.CompletedProcess:
    """Run the real command in a fresh interpreter (Scrapy's reactor cannot restart in-process)."""
    command = [sys.executable, "-m", "communique"]
    if db is not None:
        command += ["--db", str(db)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    result = subprocess.run(command + list(args), capture_output=True, text=True, env=env, **kwargs)
    if check and result.returncode != 0:
        raise AssertionError(f"communique {' '.join(args)} failed ({result.returncode}):\n{result.stderr}")
    return result


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(db: Path, capture: bool = False) -> tuple[subprocess.Popen, str]:
    """`communique serve` on a free port, once it answers; its output captured or dropped."""
    port = free_port()
    output = subprocess.PIPE if capture else subprocess.DEVNULL
    process = subprocess.Popen(
        [sys.executable, "-m", "communique", "--db", str(db), "serve", "--port", str(port)],
        stdout=output, stderr=output, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            return process, base
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("communique serve did not start")


@contextlib.contextmanager
def serving(db: Path):
    process, base = start_server(db)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def crawled_db(tmp_path_factory) -> Path:
    """A corpus made by crawling the whole fmprc replay once, as `make demo` does."""
    db = tmp_path_factory.mktemp("crawl") / "full.db"
    run_communique("crawl", "fmprc", "--replay", str(FMPRC_REPLAY), db=db)
    return db


# The briefings of 21-25 January 2019, and every other day of the replay on which a question
# named Guaidó (eight questions in all, none of whose answers names him: the demo's
# "avoided" facet for Guaidó reads 8, and so does this corpus').
ANALYZED_DAYS = [("2019-01-21", "2019-01-25"), ("2019-02-01", "2019-02-01"), ("2019-02-11", "2019-02-11"),
                 ("2019-02-15", "2019-02-15"), ("2019-04-10", "2019-04-10"), ("2019-04-17", "2019-04-17"),
                 ("2020-07-02", "2020-07-02")]
HOSTILE_URL = "javascript:alert(document.domain)//"
FOUNDING_BRIEFING = "fmprc:t1632218"


@pytest.fixture(scope="session")
def hostile_db(analyzed_db, tmp_path_factory) -> Path:
    """The analysed corpus with one briefing's link turned into script, as a corpus stored before
    links were checked would hold it (the corpus itself refuses such a URL now)."""
    import sqlite3

    db = tmp_path_factory.mktemp("hostile") / "hostile.db"
    with sqlite3.connect(analyzed_db) as source, sqlite3.connect(db) as copy:
        source.backup(copy)
        copy.execute("UPDATE documents SET url = ? WHERE id = ?", [HOSTILE_URL, FOUNDING_BRIEFING])
    return db


@pytest.fixture(scope="session")
def analyzed_db(tmp_path_factory) -> Path:
    """A small demo-like corpus: the days of ANALYZED_DAYS, crawled and analysed for real."""
    db = tmp_path_factory.mktemp("analyzed") / "corpus.db"
    for since, until in ANALYZED_DAYS:
        run_communique("crawl", "fmprc", "--replay", str(FMPRC_REPLAY), "--since", since, "--until", until, db=db)
    run_communique("analyze", db=db)
    return db


# The labelled sets' items of these weeks, words only, as `make demo` imports them: the
# weeks after Guaidó's oath (China's answers are crawled; South Africa spoke too) and the
# Belarus election of August 2020 (the EU, the US, Russia, and France on another matter).
COMPARED_WEEKS = [("2019-01-20", "2019-03-31"), ("2020-08-07", "2020-08-13")]


@pytest.fixture(scope="session")
def compared_db(analyzed_db, tmp_path_factory) -> Path:
    """The analysed fixture corpus with other ministries' words of COMPARED_WEEKS imported and analysed."""
    import json
    import sqlite3

    from corpus.labelled_text import text_rows

    folder = tmp_path_factory.mktemp("compared")
    db = folder / "compared.db"
    source, target = sqlite3.connect(analyzed_db), sqlite3.connect(db)
    source.backup(target)
    crawled = {row[0] for row in target.execute("SELECT url FROM documents")}
    source.close(), target.close()
    rows, _ = text_rows(sorted((TESTS / "files").glob("devset*/items.jsonl")), crawled)
    chosen = [row for row in rows if any(since <= row["date"] <= until for since, until in COMPARED_WEEKS)]
    items = folder / "items.jsonl"
    items.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in chosen), encoding="utf-8")
    run_communique("import", str(items), db=db)
    run_communique("analyze", db=db)
    return db


# Browser tests need Debian's chromium: when it is missing they are skipped, and the run
# ends with one line that says so and how to enable them.
_browser_skips: list[str] = []


def pytest_runtest_logreport(report):
    if report.skipped and report.nodeid.startswith("tests/test_browser"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _browser_skips.append(reason.removeprefix("Skipped: "))


def pytest_unconfigure(config):
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if _browser_skips and reporter is not None:
        reporter.write_line(
            f"NOTE: {len(_browser_skips)} browser tests were skipped ({_browser_skips[0]}): "
            "install Debian's chromium (apt-get install chromium, as .ci/run does) "
            "or set COMMUNIQUE_CHROMIUM to a Chromium binary to run them.",
            yellow=True, bold=True,
        )


# Issue 11: the Chinese originals beside the English. Two days in both languages, analysed:
# the founding 24 January 2019, and a 2020 conference whose turns are labelled by outlet.
BILINGUAL_DAYS = [("2019-01-24", "2019-01-24"), ("2020-03-24", "2020-03-24")]


@pytest.fixture(scope="session")
def bilingual_db(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("bilingual") / "corpus.db"
    for since, until in BILINGUAL_DAYS:
        for source, replay in (("fmprc", FMPRC_REPLAY), ("fmprc_zh", FMPRC_ZH_REPLAY)):
            run_communique("crawl", source, "--replay", str(replay), "--since", since, "--until", until, db=db)
    run_communique("analyze", db=db)
    return db


@pytest.fixture(scope="session")
def both_crawled_db(crawled_db, tmp_path_factory) -> Path:
    """Both replays crawled whole, as `make demo` does, and the translations linked and aligned."""
    db = tmp_path_factory.mktemp("both") / "both.db"
    db.write_bytes(crawled_db.read_bytes())
    run_communique("crawl", "fmprc_zh", "--replay", str(FMPRC_ZH_REPLAY), db=db)
    run_communique("align", db=db)
    return db


@pytest.fixture(scope="session", autouse=True)
def onnx_cache(tmp_path_factory):
    """The ONNX graphs the onnx backends export and quantize, made once per session in a
    private folder: tests never write to the user's cache nor read a graph left there."""
    folder = tmp_path_factory.mktemp("communique-cache")
    before = os.environ.get("COMMUNIQUE_CACHE")
    os.environ["COMMUNIQUE_CACHE"] = str(folder)
    yield folder
    if before is None:
        os.environ.pop("COMMUNIQUE_CACHE", None)
    else:
        os.environ["COMMUNIQUE_CACHE"] = before
