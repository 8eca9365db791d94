"""The test run itself: a run without Chromium says so at its end, and how to enable the browser tests."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_skipped_browser_tests_end_the_run_with_one_line_saying_how_to_enable_them(tmp_path):
    missing = tmp_path / "no-chromium"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/test_browser.py", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT, env={**os.environ, "COMMUNIQUE_CHROMIUM": str(missing)}, capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stdout
    last = result.stdout.strip().splitlines()[-1]
    assert re.fullmatch(
        rf"NOTE: \d+ browser tests were skipped \(no Chromium at {re.escape(str(missing))}\): install Debian's "
        r"chromium \(apt-get install chromium, as \.ci/run does\) or set COMMUNIQUE_CHROMIUM to a Chromium binary "
        r"to run them\.", last)
