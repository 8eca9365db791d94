"""Datasette over a corpus, configured from datasette/: what `serve` runs and the tests query."""

from __future__ import annotations

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


def datasette_app(db_path: Path, config_dir: Path = DATASETTE_DIR):
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
        settings={"default_page_size": 50, "sql_time_limit_ms": 3000, "facet_time_limit_ms": 500},
    )


def serve_corpus(db_path: Path, host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve the corpus; the semantic model and vectors start loading before the first request."""
    import uvicorn

    from .semantic import semantic_service

    semantic_service(str(db_path))
    uvicorn.run(datasette_app(db_path).app(), host=host, port=port, log_level="warning")
