"""The corpus in a real browser: Debian's Chromium driven by Playwright against `communique serve`.

Each test saves a screenshot in its own output folder (pytest's tmp_path).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

CHROMIUM = "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="Debian's chromium is not installed (.ci/run installs it)"),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(analyzed_db):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "communique", "--db", str(analyzed_db), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(base + "/-/versions.json", timeout=1)
            break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        raise RuntimeError("communique serve did not start")
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def test_search_a_phrase_and_see_highlighted_hits(server, page, tmp_path):
    page.goto(server + "/-/search")
    page.fill("input[name=q]", "Guaido")
    page.click("input[type=submit]")
    page.wait_for_selector(".hit mark")
    marks = page.locator(".hit mark").all_inner_texts()
    assert marks and all(mark.lower() == "guaido" for mark in marks)
    assert "match" in page.inner_text("#result-count")
    page.screenshot(path=str(tmp_path / "search.png"), full_page=True)


def test_open_an_answer_page_and_see_its_naming_table(server, page, tmp_path, analyzed_db):
    # 24 January 2019: the answer on Guaido's swearing-in, reached from a search hit
    page.goto(server + "/-/search?q=%22closely+following+the+current+situation+in+Venezuela%22&kind=answer")
    page.click(".hit a[href^='/-/answer/']")
    page.wait_for_selector("#naming-table")
    assert "January 24, 2019" in page.inner_text("h1")
    rows = page.locator("#naming-table tbody tr").all_inner_texts()
    assert any("avoided" in row for row in rows)
    assert page.locator("mark.ref-role").count() >= 1
    page.screenshot(path=str(tmp_path / "answer.png"), full_page=True)


def test_semantic_search_shows_ranked_answers(server, page, tmp_path):
    page.goto(server + "/-/semantic")
    page.fill("input[name=q]", "we oppose external interference")
    page.click("input[type=submit]")
    page.wait_for_selector("#semantic-results li")
    scores = [float(s) for s in page.locator("#semantic-results .score").all_inner_texts()]
    assert len(scores) >= 5 and scores == sorted(scores, reverse=True)
    page.screenshot(path=str(tmp_path / "semantic.png"), full_page=True)


def test_open_a_chart(server, page, tmp_path):
    page.goto(server + "/-/trends?actor=maduro&by=month")
    page.wait_for_selector("#chart svg", timeout=20000)
    assert page.locator("#chart svg path").count() > 0
    page.screenshot(path=str(tmp_path / "chart.png"), full_page=True)
