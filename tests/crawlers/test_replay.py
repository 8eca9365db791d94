"""The replay server answers each saved URL as the site did, and nothing else."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest

from crawlers.replay import ReplayArchive, ReplayError, ReplayServer, local_url
from tests.conftest import FMPRC_REPLAY


def fetch(url: str):
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(url) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_saved_page_is_served_at_its_real_path_byte_for_byte():
    url = "https://www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/t1632218.shtml"
    with ReplayServer(FMPRC_REPLAY) as server:
        status, headers, body = fetch(local_url(server.base_url, url))
    assert status == 200
    assert headers["Content-Type"] == "text/html"
    assert body == (FMPRC_REPLAY / "www.fmprc.gov.cn/mfa_eng/xwfw_665399/s2510_665401/2511_665403/t1632218.shtml").read_bytes()


def test_redirects_are_replayed_with_their_location():
    with ReplayServer(FMPRC_REPLAY) as server:
        status, headers, _ = fetch(local_url(server.base_url, "https://www.fmprc.gov.cn/robots.txt"))
    assert status == 302
    assert headers["Location"] == "https://www.fmprc.gov.cn/error.htm"


def test_unsaved_url_is_a_404():
    with ReplayServer(FMPRC_REPLAY) as server:
        status, _, _ = fetch(local_url(server.base_url, "https://www.fmprc.gov.cn/mfa_eng/nothing.shtml"))
    assert status == 404


def test_archive_lists_its_hosts():
    assert ReplayArchive(FMPRC_REPLAY).hosts == ["www.fmprc.gov.cn"]


def test_folder_without_manifest_is_refused(tmp_path):
    with pytest.raises(ReplayError, match="has no manifest.jsonl"):
        ReplayArchive(tmp_path)


def test_bad_manifest_line_is_named_with_its_number(tmp_path):
    (tmp_path / "page.html").write_text("<html></html>")
    good = {"url": "https://example.org/", "status": 200, "path": "page.html"}
    (tmp_path / "manifest.jsonl").write_text(json.dumps(good) + "\n{not json\n")
    with pytest.raises(ReplayError, match=r"manifest.jsonl:2: bad manifest line"):
        ReplayArchive(tmp_path)


def test_manifest_entry_without_its_file_is_refused(tmp_path):
    entry = {"url": "https://example.org/", "status": 200, "path": "missing.html"}
    (tmp_path / "manifest.jsonl").write_text(json.dumps(entry) + "\n")
    with pytest.raises(ReplayError, match=r"manifest.jsonl:1: .*missing.html is missing"):
        ReplayArchive(tmp_path)
