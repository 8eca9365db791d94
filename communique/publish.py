"""Datasette over a corpus, configured from datasette/: what `serve` runs and the tests query.

`public=True` is the mode for a public host: tables, canned queries and the search pages
only; no arbitrary SQL (`?sql=`, `_where=`) and no CSV streams of whole tables. Either way
every query is bounded (communique.safety) and the server stops promptly on SIGTERM.
"""

from __future__ import annotations

import socket
from pathlib import Path

import yaml

from .config import DATASETTE_DIR


def load_metadata(db_path: Path, config_dir: Path = DATASETTE_DIR) -> dict:
    """metadata.yaml with its "corpus" database entry renamed to the served file's name."""
    metadata = yaml.safe_load((config_dir / "metadata.yaml").read_text(encoding="utf-8"))
    name = Path(db_path).stem
    databases = metadata.get("databases", {})
    if "corpus" in databases:
        databases[name] = databases.pop("corpus")
    if "description_html" in metadata:
        metadata["description_html"] = metadata["description_html"].replace("{db}", name)
    return metadata


# No facet suggestions: they cost dozens of queries on every table page (the tables have their
# facets in metadata.yaml); under benchmarks/serve_load.py they cut throughput to a third.
SETTINGS = {"default_page_size": 50, "sql_time_limit_ms": 3000, "facet_time_limit_ms": 500, "suggest_facets": False}
# A public server answers what a reader asks for: no arbitrary SQL, no whole-table CSV streams.
PUBLIC_SETTINGS = {"default_allow_sql": False, "allow_csv_stream": False, "allow_download": False}
# How long a shutdown waits for requests in flight; their queries are interrupted first.
SHUTDOWN_GRACE_S = 2


class ServeError(Exception):
    """The server could not start: the message says where and why."""


def datasette_app(db_path: Path, config_dir: Path = DATASETTE_DIR, public: bool = False, settings: dict | None = None):
    """A Datasette over the corpus; `settings` override Datasette's (a shorter time limit in tests)."""
    from datasette.app import Datasette

    templates = config_dir / "templates"
    plugins = config_dir / "plugins"
    static = config_dir / "static"
    return Datasette(
        [str(db_path)],
        metadata=load_metadata(db_path, config_dir),
        template_dir=str(templates) if templates.is_dir() else None,
        plugins_dir=str(plugins) if plugins.is_dir() else None,
        static_mounts=[("static", str(static))] if static.is_dir() else None,
        settings={**SETTINGS, **(PUBLIC_SETTINGS if public else {}), **(settings or {})},
    )


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, or ServeError naming them (port taken, no such address...)."""
    if not 1 <= port <= 65535:
        raise ServeError(f"--port {port} is not a port number (1 to 65535)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        raise ServeError(f"cannot listen on {host}:{port}: unknown address ({error.strerror})") from error
    family, kind, proto, _, address = infos[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {error.strerror or error}") from error
    return sock


def serve_corpus(db_path: Path, host: str = "127.0.0.1", port: int = 8001, public: bool = False,
                 sock: socket.socket | None = None) -> None:
    """Serve until SIGINT or SIGTERM, on `sock` if given (see listening_socket), else on host:port."""
    import uvicorn

    from .safety import interrupt_queries
    from .semantic import semantic_service

    semantic_service(str(db_path))  # the semantic model and vectors start loading before the first request
    datasette = datasette_app(db_path, public=public)

    class Server(uvicorn.Server):
        def handle_exit(self, sig, frame):
            # Stop the queries in flight, so that a shutdown never waits on a slow request.
            super().handle_exit(sig, frame)
            interrupt_queries(datasette)

    sock = sock or listening_socket(host, port)
    config = uvicorn.Config(
        datasette.app(), log_level="warning",
        timeout_graceful_shutdown=SHUTDOWN_GRACE_S,
    )
    Server(config).run(sockets=[sock])
