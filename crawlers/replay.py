"""Replay of saved sites: a local HTTP server and the Scrapy transport that routes to it.

A replay folder holds the responses of a real crawl at their URL paths
(`www.fmprc.gov.cn/mfa_eng/.../t1632218.shtml`) and a `manifest.jsonl` with one line per
response: `url`, `status`, `content_type`, `location` (for redirects) and `path`. The
server answers each URL as the site did, status and headers included; the download
handler sends the spider's requests for the replayed hosts there and hands back
responses under their real URLs, so spiders run unchanged.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from scrapy.core.downloader.handlers.base import BaseDownloadHandler
from scrapy.exceptions import IgnoreRequest
from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler


class ReplayError(ValueError):
    """The replay folder is missing or malformed."""


@dataclass(frozen=True)
class SavedResponse:
    url: str
    status: int
    content_type: str | None
    location: str | None
    path: Path


def _key(url: str) -> str:
    """Scheme-less key: the saved http:// and https:// forms of a page are one page."""
    parts = urlsplit(url)
    key = f"{parts.hostname}{parts.path or '/'}"
    return f"{key}?{parts.query}" if parts.query else key


class ReplayArchive:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        manifest = self.folder / "manifest.jsonl"
        if not manifest.is_file():
            raise ReplayError(f"{self.folder} is not a replay folder: it has no manifest.jsonl")
        self.responses: dict[str, SavedResponse] = {}
        with manifest.open(encoding="utf-8") as lines:
            for number, line in enumerate(lines, 1):
                if not line.strip():
                    continue
                try:
                    entry = json.loads(line)
                    saved = SavedResponse(
                        url=entry["url"],
                        status=int(entry["status"]),
                        content_type=entry.get("content_type"),
                        location=entry.get("location"),
                        path=self.folder / entry["path"],
                    )
                except (ValueError, KeyError, TypeError) as error:
                    raise ReplayError(f"{manifest}:{number}: bad manifest line ({error})") from error
                if not saved.path.is_file():
                    raise ReplayError(f"{manifest}:{number}: {saved.path} is missing")
                self.responses[_key(saved.url)] = saved

    @property
    def hosts(self) -> list[str]:
        return sorted({urlsplit(saved.url).hostname for saved in self.responses.values()})

    def lookup(self, url: str) -> SavedResponse | None:
        return self.responses.get(_key(url))


def _handler_for(archive: ReplayArchive) -> type[BaseHTTPRequestHandler]:
    class ReplayRequestHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            # The path is /<scheme>/<host>/<path>?<query> of the real URL.
            scheme, _, rest = self.path.lstrip("/").partition("/")
            saved = archive.lookup(f"{scheme}://{unquote(rest)}")
            if saved is None:
                self.send_error(404, "not in the replay")
                return
            body = saved.path.read_bytes()
            self.send_response(saved.status)
            if saved.content_type:
                self.send_header("Content-Type", saved.content_type)
            if saved.location:
                self.send_header("Location", saved.location)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            pass  # Scrapy already logs every request

    return ReplayRequestHandler


class ReplayServer:
    """Serves a replay folder on 127.0.0.1 in a background thread, for the life of a `with` block."""

    def __init__(self, folder: str | Path, port: int = 0):
        self.archive = ReplayArchive(folder)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler_for(self.archive))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()


def local_url(base_url: str, url: str) -> str:
    parts = urlsplit(url)
    rest = quote(f"{parts.netloc}{parts.path or '/'}", safe="/:@!$&'()*+,;=-._~%")
    return f"{base_url}/{parts.scheme}/{rest}" + (f"?{parts.query}" if parts.query else "")


class ReplayDownloadHandler(BaseDownloadHandler):
    """Download handler for http and https that fetches replayed hosts from the local server.

    Requests for other hosts fail rather than reach the internet: a replay is offline.
    """

    lazy = False

    def __init__(self, crawler):
        super().__init__(crawler)
        self._http = HTTP11DownloadHandler(crawler)
        self.base_url = crawler.settings.get("REPLAY_BASE_URL")
        self.hosts = set(crawler.settings.getlist("REPLAY_HOSTS"))

    async def download_request(self, request):
        host = urlsplit(request.url).hostname
        if host not in self.hosts:
            raise IgnoreRequest(f"{request.url}: host {host} is not in the replay")
        local = request.replace(url=local_url(self.base_url, request.url))
        response = await self._http.download_request(local)
        return response.replace(url=request.url, request=request)

    async def close(self) -> None:
        await self._http.close()
