"""The `communique` command: a thin click layer over the library.

Each subcommand calls one library function and turns domain errors into a one-line
reason on stderr with a non-zero exit. Heavy imports (Scrapy, Datasette) happen inside
the commands so that `--help` stays fast.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import click

from analysis.embeddings import BACKENDS, DEVICES

from . import __version__
from .config import default_db_path, lock_timeout

LISTED_AT_MOST = 20  # rows of a problem list `stats` prints before it only counts the rest
EPILOG_EXAMPLE = "Example:\n\n    communique --db corpus.db crawl fmprc --replay tests/files/fmprc"


def _open_corpus(db_path: Path, *, existing: bool = False, write: bool = False):
    """The corpus at db_path: `existing` refuses to create one, `write` refuses a read-only file."""
    from corpus import Corpus, CorpusError
    from corpus.files import require_existing, require_writable

    try:
        if existing:
            require_existing(db_path)
        if write:
            require_writable(db_path)
        return Corpus(db_path, lock_timeout=lock_timeout())
    except CorpusError as error:
        raise click.ClickException(str(error)) from error


def _date_range(since: str | None, until: str | None):
    """--since and --until as dates; a bad date or a reversed range is an error naming them."""
    from corpus.dates import parse_bound

    try:
        first, last = parse_bound(since, "since"), parse_bound(until, "until")
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    if first and last and first > last:
        raise click.ClickException(f"--since {since} is after --until {until}: no date is in that range")
    return first, last


class CommandLine(click.Group):
    """Keeps the arguments it was called with, so that exports can record the exact command."""

    def make_context(self, info_name, args, parent=None, **extra):
        argv = list(args)
        context = super().make_context(info_name, args, parent=parent, **extra)
        context.meta["communique.argv"] = argv
        return context


def command_line() -> list[str]:
    return ["communique", *click.get_current_context().meta.get("communique.argv", [])]


@click.group(cls=CommandLine, epilog=EPILOG_EXAMPLE)
@click.version_option(__version__, prog_name="communique")
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The corpus file (default: $COMMUNIQUE_DB or ./communique.db).",
)
@click.pass_context
def main(ctx: click.Context, db_path: Path | None) -> None:
    """Communique: a corpus of foreign-ministry briefings, with stance and naming."""
    ctx.obj = {"db_path": db_path or default_db_path()}


@main.command()
@click.argument("source")
@click.option(
    "--replay",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Serve this folder of saved pages (with manifest.jsonl) locally and crawl it instead of the site.",
)
@click.option("--since", metavar="DATE", help="Only briefings on or after this date (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Only briefings on or before this date (YYYY-MM-DD).")
@click.option(
    "--refetch",
    metavar="errors|all|DATE",
    help="Fetch stored pages again: those stored with a parse error, all, or those dated on or after DATE. "
    "A page that changed is stored as a new version; the old one is kept.",
)
@click.option("-v", "--verbose", is_flag=True, help="Show Scrapy's log.")
@click.pass_obj
def crawl(obj, source, replay, since, until, refetch, verbose) -> None:
    """Crawl SOURCE (e.g. fmprc) into the corpus; pages already stored are skipped.

    A crawl that was stopped or killed is resumed by running it again: list pages are
    read again and whatever is not stored yet is fetched. The crawl exits non-zero,
    naming them, when a briefing it found could not be stored.

    \b
    Example:
        communique crawl fmprc --replay tests/files/fmprc --since 2019-01-01
        communique crawl fmprc --refetch 2020-06-01
    """
    from corpus import CorpusError
    from crawlers.replay import ReplayError
    from crawlers.run import UnknownSource, run_crawl
    from crawlers.site_config import ConfigError
    from crawlers.spiders.base import parse_refetch

    _date_range(since, until)
    try:
        parse_refetch(refetch)
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    _open_corpus(obj["db_path"], write=True).close()
    try:
        report = run_crawl(
            source,
            obj["db_path"],
            replay=replay,
            since=since,
            until=until,
            refetch=refetch,
            log_level="INFO" if verbose else "WARNING",
            settings={"COMMUNIQUE_LOCK_TIMEOUT": lock_timeout()},
        )
    except (UnknownSource, ReplayError, ConfigError, CorpusError, ValueError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(report.summary(source))
    if problem := report.problem(source):
        raise click.ClickException(problem)


@main.command()
@click.pass_obj
def stats(obj) -> None:
    """Documents per source and year, parse errors, what became of every URL crawled, segments per kind.

    \b
    Example:
        communique stats
    """
    with _open_corpus(obj["db_path"], existing=True) as corpus:
        numbers = corpus.stats()
    click.echo(f"Corpus {obj['db_path']}")
    # the source column as wide as its longest name: imported ministries have long ones
    width = max([14, *(len(row["source"]) for row in numbers["documents"] + numbers["fetches"])])
    click.echo("\nDocuments")
    click.echo(f"  {'source':<{width}} {'year':<8} {'documents':>9} {'errors':>7}")
    for row in numbers["documents"]:
        click.echo(f"  {row['source']:<{width}} {row['year']:<8} {row['documents']:>9} {row['errors']:>7}")
    versions, versioned = numbers["versions"]
    if versions:
        click.echo(f"  {versions} earlier versions of {versioned} documents that changed on their site")
    click.echo(f"\nParse errors: {len(numbers['parse_errors'])}")
    for error in numbers["parse_errors"]:
        click.echo(f"  {error['id']}: {error['error']}")
    click.echo("\nFetches (what became of every URL a crawl tried)")
    for row in numbers["fetches"]:
        click.echo(f"  {row['source']:<{width}} {row['outcome']:<17} {row['urls']:>7}")
    not_stored = numbers["not_stored"]
    click.echo(f"\nBriefings not stored: {len(not_stored)}")
    for row in not_stored[:LISTED_AT_MOST]:
        status = f" HTTP {row['http_status']}" if row["http_status"] else ""
        why = row["error"] or ("requested, not fetched yet" if row["outcome"] == "pending" else "")
        kept = " (an earlier copy is stored)" if row["stored"] else ""
        click.echo(f"  {row['url']}: {row['outcome']}{status}, {row['attempts']} attempts: {why}{kept}")
    if len(not_stored) > LISTED_AT_MOST:
        click.echo(f"  ... and {len(not_stored) - LISTED_AT_MOST} more (the fetches table has them all)")
    click.echo("\nSegments")
    for kind, count in numbers["segments"].items():
        click.echo(f"  {kind:<10} {count:>7}")


def _load_registry(actor_files):
    from analysis.registry import RegistryError, load_registry

    try:
        return load_registry(*actor_files)
    except RegistryError as error:
        raise click.ClickException(str(error)) from error


@main.command()
@click.option("--model", default=None, help="A sentence-transformers model name or folder (default: all-MiniLM-L6-v2, packaged).")
@click.option("--actors", "actor_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="An actor file (YAML, or the devset's JSON form) that adds to or overrides the registry. Repeatable.")
@click.option("--backend", type=click.Choice(BACKENDS), default="auto", show_default=True,
              help="How the model runs: torch (sentence-transformers, the reference), torch-bf16 (bfloat16 weights: "
                   "twice as fast on CPUs with AMX, vectors within 1e-4 of cosine), onnx (the same vectors as torch with "
                   "onnxruntime's fused kernels), onnx-int8 (int8 weights; its fidelity is in the README); auto: for the "
                   "packaged model on a CPU torch-bf16 where the CPU has AMX, else onnx; torch on a GPU or for another model.")
@click.option("--device", type=click.Choice(DEVICES), default="auto", show_default=True,
              help="Where the model runs; auto: a CUDA GPU when torch sees one, else the CPU.")
@click.option("--batch-size", type=click.IntRange(min=1), default=None,
              help="Texts per model batch (default: 32 on a CPU, 256 on a GPU).")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Processes that read naming and judge stance (default: one per core beyond 1,000 segments, "
                   "else none; 0: all in this process).")
@click.option("--stance-model", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A stance model made by `communique train stance` (default: the shipped one).")
@click.pass_obj
def analyze(obj, model, actor_files, backend, device, batch_size, workers, stance_model) -> None:
    """Embed new text and read naming, avoidance and stance of every changed segment.

    \b
    Example:
        communique analyze --actors my_actors.yaml
    """
    from analysis.embeddings import DEFAULT_MODEL, EmbeddingError, EmbeddingSettings
    from analysis.pipeline import analyze_corpus
    from analysis.stance import StanceModelError
    from corpus import CorpusError

    registry = _load_registry(actor_files)
    settings = EmbeddingSettings(model=model or DEFAULT_MODEL, batch_size=batch_size, backend=backend, device=device)
    with _open_corpus(obj["db_path"], existing=True, write=True) as corpus:
        try:
            report = analyze_corpus(corpus, registry, settings, stance_model=stance_model, workers=workers)
        except (EmbeddingError, StanceModelError, CorpusError) as error:
            raise click.ClickException(str(error)) from error
    click.echo(
        f"embedded {report.embedded} new texts"
        + (f" and {report.sentences_embedded} sentences stance reads" if report.sentences_embedded else "")
        + f" with {report.model}; read {report.analyzed} segments "
        f"({report.references} references, {report.avoided} avoided actors, {report.stances} stances); "
        f"{report.events} events; {report.analysis_version}"
        + (f"; the model ran as {report.ran_as}" if report.ran_as else "")
    )


@main.command()
@click.option("--actors", "actor_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="An actor file that adds to the registry (its names anchor the alignment). Repeatable.")
@click.pass_obj
def align(obj, actor_files) -> None:
    """Link each Chinese briefing to its English translation and align their turns (`analyze` does it too).

    Twins are briefings of the same day and kind; turns are aligned question to question
    and answer to answer by content anchors (numbers, Latin-script words, the registry's
    names in both languages); a turn without a counterpart is marked unaligned.

    \b
    Example:
        communique --db demo/communique.db align
    """
    from analysis.twins import align_corpus
    from corpus import CorpusError
    from corpus.translations import alignment_figures

    registry = _load_registry(actor_files)
    with _open_corpus(obj["db_path"], existing=True, write=True) as corpus:
        try:
            report = align_corpus(corpus, registry)
        except CorpusError as error:  # another writer holds the corpus past the lock timeout
            raise click.ClickException(str(error)) from error
        figures = alignment_figures(corpus)
    methods = figures["methods"]
    click.echo(
        f"{report.twins} twins: {figures['linked']} of {figures['english_briefings']} English briefings linked to their "
        f"Chinese original; {report.aligned_turns} turns aligned ({methods.get('position', 0)} by position, "
        f"{methods.get('anchors', 0)} by content anchors), {report.unaligned_turns} without a counterpart; "
        f"{report.realigned} twins aligned in this run"
    )


@main.command()
@click.argument("labelled", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--actors", "actor_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The actors file that accompanies the labels. Repeatable.")
@click.option("--method", type=click.Choice(["reading", "learned", "lexical"]), default="reading", show_default=True,
              help="reading: what `analyze` runs; learned: the same with the learned oblique linker; "
                   "lexical: the plain baseline (names, listed roles, fixed phrases, zero-shot stance).")
@click.option("--cv", type=click.Choice(["ministry", "episode"]), default=None,
              help="Train the learned parts on all ministries (or episodes) but one and score that one, for each; "
                   "without it the shipped models are scored.")
@click.option("--baseline", is_flag=True, help="Also score the lexical baseline the same way, side by side.")
@click.option("--stance/--no-stance", "with_stance", default=True, show_default=True,
              help="Score stance too (loads the embedding model).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--errors", is_flag=True, help="Also list every misread reference and misjudged stance.")
@click.option("--backend", type=click.Choice(BACKENDS), default="auto", show_default=True,
              help="How the model runs, as for `analyze` (the same default, so what is scored is what analyze stores).")
def evaluate(labelled, actor_files, method, cv, baseline, with_stance, as_json, errors, backend) -> None:
    """Score naming, avoidance and stance against labelled JSONL files (no corpus needed).

    The items are read exactly as `analyze` reads a turn; the labelled actors only select
    which predictions are scored. Several files are scored together (and folded together
    with --cv).

    \b
    Example:
        communique evaluate tests/files/devset*/items.jsonl --actors tests/files/devset/actors.json \\
            --actors tests/files/devset_intl/actors.json --actors tests/files/devset_v2/actors.json \\
            --cv ministry --baseline
    """
    from analysis.embeddings import EmbeddingError
    from analysis.evaluate import LabelledFileError, evaluate as run_evaluation, format_report, read_all_labelled
    from analysis.registry import RegistryError
    from analysis.stance import StanceModelError

    registry = _load_registry(actor_files)
    try:
        items = read_all_labelled(labelled)
        embedder = None
        if with_stance or method == "learned":
            from analysis.embeddings import Embedder, EmbeddingSettings

            embedder = Embedder(EmbeddingSettings(backend=backend, device="auto"))
        result = run_evaluation(items, registry, method=method, cv=cv, stance=with_stance, embedder=embedder,
                                baseline=baseline, progress=not as_json)
    except (LabelledFileError, RegistryError, StanceModelError, EmbeddingError) as error:
        raise click.ClickException(str(error)) from error
    if as_json:
        import json

        hidden = () if errors else ("errors", "stance_errors")
        click.echo(json.dumps({k: v for k, v in result.items() if k not in hidden}, indent=2))
    else:
        click.echo(format_report(result, show_errors=errors))


@main.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default=None,
              help="The file's format (default: from its extension).")
@click.option("--map", "mappings", multiple=True, metavar="COLUMN=FIELD",
              help="Read COLUMN as FIELD (id, date, question, answer, url, spokesperson, ministry, country, "
                   "title, language, source). Repeatable.")
@click.option("--source", default=None, help="The source name to file the rows under (default: from the file).")
@click.pass_obj
def import_(obj, file, fmt, mappings, source) -> None:
    """Import a CSV or JSONL corpus of question/answer pairs, all or nothing.

    Recognises the CMFA PressCon layout (id, date, question, answer, ...) and the labelled
    devset's JSONL; other files are read by column name or --map. Bad rows are reported
    with their line numbers and nothing is imported; importing a file twice adds nothing.

    \b
    Example:
        communique import presscon.csv
        communique import answers.csv --map frage=question --map antwort=answer --map datum=date
    """
    from corpus import CorpusError
    from corpus.importers import BadImportFile, import_file

    fmt = fmt or {".csv": "csv", ".jsonl": "jsonl", ".json": "jsonl"}.get(file.suffix.lower())
    if fmt is None:
        raise click.ClickException(f"{file}: say --format csv or --format jsonl (the extension does not tell)")
    mapping = {}
    for item in mappings:
        column, sep, field = item.partition("=")
        if not sep or not column or not field:
            raise click.ClickException(f"--map {item!r}: expected COLUMN=FIELD")
        mapping[column] = field
    with _open_corpus(obj["db_path"], write=True) as corpus:
        try:
            report = import_file(corpus, file, fmt, mapping, source)
        except BadImportFile as error:
            lines = str(error).splitlines()
            for line in lines[1:]:
                click.echo(line, err=True)
            raise click.ClickException(lines[0]) from error
        except CorpusError as error:  # another writer held the corpus too long
            raise click.ClickException(str(error)) from error
    click.echo(report.summary())


@main.group()
def train() -> None:
    """Rebuild the trained parts of the analysis from labelled data."""


def _train_output(output: Path | None, name: str) -> Path:
    from .config import user_data_dir

    output = output or user_data_dir() / name
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise click.ClickException(f"cannot write {output}: {error}") from error
    return output


def _training_options(command):
    command = click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
                           help="Where to write the model (default: the user data folder, $COMMUNIQUE_DATA or the "
                                "platform's; never the shipped model).")(command)
    command = click.option("--model", default=None, help="The embedding model whose vectors the model reads.")(command)
    command = click.option("--actors", "actor_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
                           help="The actors file that accompanies the labels. Repeatable.")(command)
    return click.argument("labelled", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))(command)


@train.command("stance")
@_training_options
def train_stance(labelled, actor_files, model, output) -> None:
    """Fit the stance model on every labelled (answer, actor) of the LABELLED files.

    `analyze --stance-model FILE` uses it; the shipped model is left alone unless --output names it.

    \b
    Example:
        communique train stance tests/files/devset*/items.jsonl --actors tests/files/devset/actors.json \\
            --actors tests/files/devset_intl/actors.json --actors tests/files/devset_v2/actors.json
    """
    from analysis.embeddings import DEFAULT_MODEL, Embedder, EmbeddingSettings
    from analysis.evaluate import LabelledFileError, read_all_labelled, train_stance_model
    from analysis.registry import RegistryError

    registry = _load_registry(actor_files)
    embedder = Embedder(EmbeddingSettings(model=model or DEFAULT_MODEL))
    output = _train_output(output, "stance_model.json")
    try:
        report = train_stance_model(read_all_labelled(labelled), registry, embedder, output,
                                    trained_on=", ".join(str(p) for p in labelled))
    except (LabelledFileError, RegistryError) as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"stance model {report['version']} trained on {report['examples']} labelled pairs: {report['output']}")


@train.command("linker")
@_training_options
def train_linker(labelled, actor_files, model, output) -> None:
    """Fit the learned oblique linker on the oblique answer forms of the LABELLED files.

    `evaluate --method learned` scores it; `analyze` runs the rule linker, which holds up
    better on ministries it has not seen (README, "Naming and avoidance").

    \b
    Example:
        communique train linker tests/files/devset*/items.jsonl --actors tests/files/devset/actors.json \\
            --actors tests/files/devset_intl/actors.json --actors tests/files/devset_v2/actors.json
    """
    from analysis.embeddings import DEFAULT_MODEL, Embedder, EmbeddingSettings
    from analysis.evaluate import LabelledFileError, check_actors, read_all_labelled
    from analysis.oblique_model import train_linker as fit_linker
    from analysis.registry import RegistryError

    registry = _load_registry(actor_files)
    embedder = Embedder(EmbeddingSettings(model=model or DEFAULT_MODEL))
    output = _train_output(output, "oblique_model.json")
    try:
        items = read_all_labelled(labelled)
        check_actors(items, registry, "labelled items")
        linker = fit_linker(registry, items, embedder, trained_on=", ".join(str(p) for p in labelled))
    except (LabelledFileError, RegistryError) as error:
        raise click.ClickException(str(error)) from error
    linker.weights.save(output)
    click.echo(f"oblique linker {linker.version} trained on {len(items)} labelled items: {output}")


@main.command()
@click.argument("query", required=False, default="")
@click.option("--actors", "actor_files", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="An actor file that adds to the registry. Repeatable.")
@click.option("--unknown", is_flag=True,
              help="Instead, list the names and descriptors the corpus uses most that match no actor.")
@click.option("--limit", default=50, show_default=True, help="At most this many lines.")
@click.option("--all", "show_all", is_flag=True, help="Include the states' institutions made from the role vocabulary.")
@click.pass_obj
def actors(obj, query, actor_files, unknown, limit, show_all) -> None:
    """List the registry's actors whose id, name or any name form holds QUERY.

    \b
    Example:
        communique actors guaido
        communique --db demo/communique.db actors --unknown
    """
    registry = _load_registry(actor_files)
    if unknown:
        from analysis.unknown import unknown_names

        if not obj["db_path"].is_file():
            raise click.ClickException(f"no corpus at {obj['db_path']}: --unknown reads the corpus (give --db)")
        with _open_corpus(obj["db_path"]) as corpus:
            rows = unknown_names(corpus, registry, limit=limit)
        if not rows:
            click.echo("every capitalised name in the corpus matches an actor")
        for name, count, example in rows:
            click.echo(f"{count:>6}  {name}    e.g. \"{example}\"")
        return
    found = [a for a in registry.search(query) if show_all or not a.generated]
    if not found:
        raise click.ClickException(f"no actor matches {query!r}: {registry.suggest(query)}")
    for actor in found[:limit]:
        extra = []
        if actor.ids:
            extra.append("also " + ", ".join(actor.ids))
        if actor.state:
            extra.append(f"of {actor.state}")
        offices = [f"{o.title or o.office} {o.start or '?'}..{o.end or ''}" for o in actor.offices]
        if offices:
            extra.append("; ".join(offices[:3]) + (" ..." if len(offices) > 3 else ""))
        names = ", ".join(a for a in actor.aliases if a != actor.name)[:120]
        click.echo(f"{actor.id:<28} {actor.kind:<12} {actor.name}" + (f"  [{names}]" if names else "")
                   + (f"  ({'; '.join(extra)})" if extra else ""))
    if len(found) > limit:
        click.echo(f"... and {len(found) - limit} more (--limit)")


@main.group()
def export() -> None:
    """Export stance and naming trends, or quotes, with their provenance."""


def _date_option(name: str):
    return click.option(f"--{name}", metavar="DATE", help=f"Only answers {'on or after' if name == 'since' else 'on or before'} this date (YYYY-MM-DD).")


def _check_actors(corpus, actors: tuple[str, ...]) -> dict[str, str]:
    """Every actor id known to the corpus and referred to by it (an older id as the one it now
    goes by), with its name; otherwise the closest ids, and a failure."""
    from corpus import queries

    from .actor_search import did_you_mean

    known = queries.actors(corpus.db.conn)
    if not known:
        raise click.ClickException(f"{corpus.path} has no analysis yet: run `communique analyze` first")
    by_id = {actor["id"]: actor for actor in known}
    checked = {}
    for actor in actors:
        if actor not in by_id:
            actor = _renamed(actor, by_id)
        if actor not in by_id:
            hint = did_you_mean(known, actor)
            raise click.ClickException(
                f"unknown actor {actor!r} in {corpus.path}: " + (hint or "no actor id or name is close to it")
                + f" (list them with `communique actors` or the /-/actors page; for a place or topic, "
                f"export quotes --query {shlex.quote(actor)})")
        if not by_id[actor]["turns"] and not by_id[actor]["answers"]:
            raise click.ClickException(
                f"no turn of {corpus.path} refers to {actor} ({by_id[actor]['name']}): nothing to export; "
                f"to export the answers that use words, try export quotes --query {shlex.quote(actor.replace('_', ' '))}")
        checked[actor] = by_id[actor]["name"]
    return checked


def _renamed(actor: str, by_id: dict) -> str:
    """The id an older one now goes by ("united_states_foreign_ministry" became
    "state_department" when the registry learnt they are one body), so saved commands keep working.
    The corpus' actors table keeps each actor's older ids, of the registry it was analyzed with
    (a scholar's files included)."""
    for current, row in by_id.items():
        if actor in (row.get("other_ids") or "").split("; "):
            click.echo(f"{actor} is now {current}", err=True)
            return current
    return actor


def _language_option(command):
    return click.option("--language", type=click.Choice(["en", "zh", "both"]), default="both", show_default=True,
                        help="Transcripts in English, in Chinese (the China MFA's originals), or both.")(command)


def _source_languages(corpus) -> dict[str, str]:
    return dict(corpus.db.execute("SELECT name, language FROM sources").fetchall())


def _sources(corpus, ministries: tuple[str, ...], language: str = "both") -> dict[str, str]:
    """Source name -> ministry, for the --ministry values (source names or ministry names) and --language, or all."""
    languages = _source_languages(corpus)
    all_sources = {name: ministry for name, ministry in corpus.db.execute("SELECT name, ministry FROM sources ORDER BY name")
                   if language == "both" or languages.get(name) == language}
    if not all_sources:
        raise click.ClickException(f"no source of {corpus.path} is in --language {language}")
    if not ministries:
        return all_sources
    chosen = {name: ministry for name, ministry in all_sources.items() if name in ministries or ministry in ministries}
    missing = [m for m in ministries if m not in all_sources and m not in all_sources.values()]
    if missing:
        raise click.ClickException(f"unknown ministry {', '.join(map(repr, missing))}: sources are {', '.join(all_sources)}")
    return chosen


@export.command("trends")
@click.option("--actor", "actors", multiple=True, required=True, help="An actor id of the registry. Repeatable.")
@click.option("--ministry", "ministries", multiple=True, help="A source (fmprc) or ministry name. Repeatable; default all.")
@_date_option("since")
@_date_option("until")
@click.option("--by", type=click.Choice(["week", "month", "quarter"]), default="month", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "parquet"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The file to write.")
@click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), help="Also draw the trends to this PNG.")
@_language_option
@click.pass_obj
def export_trends(obj, actors, ministries, since, until, by, fmt, output, plot, language) -> None:
    """One row per period and ministry: naming counts and rates, avoidance, mean stance with a 95% interval.

    \b
    Example:
        communique export trends --actor maduro --actor guaido --since 2019-01-01 --until 2019-12-31 \\
            --by month --format csv --output maduro.csv --plot maduro.png
    """
    from analysis.trends import trend_rows
    from corpus.analysis_store import actor_answer_records, corpus_provenance, titles_of

    from .export import ExportError, column_notes, plot_trends, provenance, trend_table, write_rows

    first, last = _date_range(since, until)
    since, until = first and first.isoformat(), last and last.isoformat()
    with _open_corpus(obj["db_path"], existing=True) as corpus:
        names = _check_actors(corpus, actors)
        chosen = _sources(corpus, ministries, language)
        languages = _source_languages(corpus)
        rows = []
        for actor in names:
            records = actor_answer_records(corpus, actor, list(chosen), since, until)
            titles = titles_of(corpus, [r["answer_id"] for r in records], actor)
            # one series per ministry and language: the Chinese originals beside the English
            rows += [{**row, "language": languages.get(row["source"])}
                     for row in trend_table(trend_rows(records, actor, by, chosen, first, last, titles))]
        meta = provenance(command_line(), corpus_provenance(corpus), {
            "actors": list(names), "ministries": list(chosen), "since": since, "until": until, "by": by,
            "language": language,
        })
        meta["columns"] = column_notes(rows[0] if rows else ())
    try:
        written = write_rows(rows, output, fmt, meta)
    except ExportError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"{len(rows)} rows ({', '.join(actors)} by {by}) written to {', '.join(map(str, written))}")
    if plot:
        title = f"{', '.join(names.values())} in the answers of {', '.join(chosen)}, by {by}"
        click.echo(f"chart written to {plot_trends(rows, plot, title, names)}")


@export.command("quotes")
@click.option("--actor", help="An actor id of the registry (see `communique actors` or /-/actors).")
@click.option("--query", "text", metavar="WORDS",
              help='Full-text search: answers whose words or whose question match ("Xinjiang", \'"Hong Kong" protests\').')
@click.option("--class", "cls", type=click.Choice(["avoided", "named", "role", "oblique", "absent"]),
              help="Only answers that avoided the actor, or that refer to it this way.")
@click.option("--ministry", "ministries", multiple=True, help="A source (fmprc) or ministry name. Repeatable; default all.")
@_date_option("since")
@_date_option("until")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The file to write.")
@_language_option
@click.pass_obj
def export_quotes(obj, actor, text, cls, ministries, since, until, fmt, output, language) -> None:
    """Answers with date, ministry, spokesperson, URL, question, forms, stance and evidence.

    With --actor, every answer about that actor; with --query, every answer whose words
    (or whose question's) match, one row per actor it or its question refers to. Forms
    and titles say whose words they are: question_* the journalist's, answer_* the ministry's.

    \b
    Example:
        communique export quotes --actor guaido --class avoided --format csv --output guaido_avoided.csv
        communique export quotes --query Xinjiang --format csv --output xinjiang.csv
    """
    from corpus import queries
    from corpus.analysis_store import corpus_provenance

    from .export import column_notes, provenance, quote_columns, quote_table, write_rows
    from .pages import chinese_terms, fts_query

    if not actor and not text:
        raise click.ClickException("say which answers: --actor ID, --query WORDS, or both")
    fts, fts_table = (fts_query(text) if text else None), "segments_fts"
    if text and (terms := chinese_terms(text)):
        # Chinese words are found as substrings of the Chinese turns, by trigrams
        if any(len(term) < 3 for term in terms):
            raise click.ClickException(f"--query {text!r}: Chinese words need three characters or more here "
                                       "(the trigram index); the /-/search page finds shorter ones")
        fts, fts_table = " ".join(f'"{term}"' for term in terms), "segments_fts_zh"
    if text and not fts:
        raise click.ClickException(f"--query {text!r} has no words to search for")
    first, last = _date_range(since, until)
    since, until = first and first.isoformat(), last and last.isoformat()
    with _open_corpus(obj["db_path"], existing=True) as corpus:
        if actor:
            [actor] = _check_actors(corpus, (actor,))
        chosen = _sources(corpus, ministries, language)
        records = queries.quote_records(corpus.db.conn, fts=fts, actor=actor, sources=list(chosen),
                                        since=since, until=until, fts_table=fts_table)
        if text and not records:
            raise click.ClickException(f"no answer of {corpus.path} (or its question) matches {text!r}"
                                       + (f" with {actor} in it" if actor else ""))
        rows = quote_table(records, cls, query=bool(text))
        columns = quote_columns(bool(text))
        meta = provenance(command_line(), corpus_provenance(corpus), {
            "actor": actor, "query": text, "class": cls, "ministries": list(chosen), "since": since, "until": until,
            "language": language,
        })
        meta["columns"] = column_notes(columns)
    written = write_rows(rows, output, fmt, meta, columns)
    answers = len({row["answer_id"] for row in rows})
    what = " and ".join(part for part in (f"about {actor}" if actor else "", f"matching {text!r}" if text else "") if part)
    click.echo(f"{answers} answers {what} ({len(rows)} rows) written to {', '.join(map(str, written))}")


@export.command("compare")
@click.option("--actor", help="An actor id of the registry (see `communique actors` or /-/actors).")
@_date_option("since")
@_date_option("until")
@click.option("--event", "event_id", metavar="ID", help="Only the turns of this event (see /-/events); "
              "without --actor, the actor its ministries share most.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "parquet"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The file to write.")
@click.pass_obj
def export_compare(obj, actor, since, until, event_id, fmt, output) -> None:
    """One row per ministry: how its own turns name an actor over the days, as the /-/compare page shows.

    Counts per naming class, avoidance, the forms and titles (those that confer or deny
    legitimacy apart), mean stance with its 95% interval, where it differs from the
    others, and the quotes with the official URLs.

    \b
    Example:
        communique export compare --actor guaido --since 2019-01-20 --until 2019-03-31 --format csv --output guaido.csv
    """
    from corpus import queries
    from corpus.analysis_store import corpus_provenance
    from corpus.dates import parse_bound

    from .export import COMPARE_COLUMNS, column_notes, compare_table, provenance, write_rows
    from .pages import comparison

    try:
        parse_bound(since, "since")
        parse_bound(until, "until")
    except ValueError as error:
        raise click.ClickException(str(error)) from error
    if not actor and not event_id:
        raise click.ClickException("say whom to compare: --actor ID, or --event ID")
    with _open_corpus(obj["db_path"]) as corpus:
        conn = corpus.db.conn
        if event_id:
            event = queries.event(conn, event_id)
            if event is None:
                raise click.ClickException(f"unknown event {event_id!r} in {corpus.path}: "
                                           "the events table (or the /-/events page) lists them")
            actor = actor or event["actors"][0]
        [actor] = _check_actors(corpus, (actor,))
        data = comparison(conn, actor, since, until, event_id)
        if not data["columns"]:
            days = f" between {since or 'the first day'} and {until or 'the last'}" if since or until else ""
            raise click.ClickException(f"no ministry's turn of {corpus.path}{days}"
                                       f"{' in event ' + event_id if event_id else ''} refers to {actor}: nothing to export")
        rows = compare_table(data)
        meta = provenance(command_line(), corpus_provenance(corpus), {
            "actor": actor, "since": since, "until": until, "event": event_id,
        })
        meta["differences"] = [d["text"] for d in data["differences"]]
        meta["columns"] = column_notes(COMPARE_COLUMNS)
    written = write_rows(rows, output, fmt, meta, list(COMPARE_COLUMNS))
    click.echo(f"{len(rows)} ministries compared on {actor} ({sum(r['turns'] for r in rows)} turns) "
               f"written to {', '.join(map(str, written))}")


@export.command("divergences")
@click.option("--actor", help="Only this actor (an id of the registry); default every actor.")
@_date_option("since")
@_date_option("until")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="The file to write.")
@click.pass_obj
def export_divergences(obj, actor, since, until, fmt, output) -> None:
    """Aligned turns whose English translation and Chinese original name an actor differently.

    One row per turn and actor named in one language and referred to by role, obliquely or
    not at all in the other, with both forms and both texts (the same rows as the
    naming_divergence canned query).

    \b
    Example:
        communique export divergences --since 2019-01-01 --until 2019-12-31 --format csv --output divergences.csv
    """
    from corpus import queries
    from corpus.analysis_store import corpus_provenance

    from .export import provenance, write_rows

    first, last = _date_range(since, until)
    since, until = first and first.isoformat(), last and last.isoformat()
    with _open_corpus(obj["db_path"], existing=True) as corpus:
        if not corpus.db.execute("SELECT count(*) FROM twins").fetchone()[0]:
            raise click.ClickException(f"{corpus.path} has no aligned translations: crawl fmprc and fmprc_zh, "
                                       "then run `communique analyze`")
        rows = queries.naming_divergences(corpus.db.conn, actor=actor, since=since, until=until)
        meta = provenance(command_line(), corpus_provenance(corpus), {"actor": actor, "since": since, "until": until})
        meta["columns"] = {"en_class": "how the English translation refers to the actor",
                           "zh_class": "how the Chinese original refers to the actor",
                           "en_forms": "the English words", "zh_forms": "the Chinese words"}
    columns = ["date", "kind", "actor", "actor_name", "en_class", "en_forms", "zh_class", "zh_forms",
               "en_segment_id", "zh_segment_id", "en_text", "zh_text"]
    written = write_rows(rows, output, fmt, meta, columns)
    turns = len({row["zh_segment_id"] for row in rows})
    click.echo(f"{len(rows)} naming divergences in {turns} aligned turns written to {', '.join(map(str, written))}")


@main.command()
@click.pass_obj
def sources(obj) -> None:
    """The sources Communique can crawl, their layouts, manners and documents stored.

    \b
    Example:
        communique sources
    """
    from crawlers.run import source_descriptions

    stored: dict[str, int] = {}
    if obj["db_path"].exists():
        with _open_corpus(obj["db_path"]) as corpus:
            for row in corpus.stats()["documents"]:
                stored[row["source"]] = stored.get(row["source"], 0) + row["documents"]
    for source in source_descriptions():
        click.echo(f"{source['name']}: {source['ministry']} ({source['country']})")
        click.echo(f"  kind: {source['kind']}; layouts: {', '.join(source['layouts'])}")
        click.echo(
            f"  robots.txt obeyed: {'yes' if source['robots_txt'] else 'no'}; "
            f"delay: {source['delay_s']:g} s (AutoThrottle on); one request at a time per host"
        )
        click.echo(f"  documents stored: {stored.get(source['name'], 0)}")


@main.command()
@click.option("--port", default=8001, show_default=True, help="Port to listen on (1 to 65535).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--public", is_flag=True,
              help="For a public host: tables, canned queries and search only; no arbitrary SQL (?sql=).")
@click.pass_obj
def serve(obj, port: int, host: str, public: bool) -> None:
    """Publish the corpus in Datasette (read-only), with search and facets.

    Every request is bounded (time, result size, search length); SIGTERM stops it at once.

    \b
    Example:
        communique serve --port 8001
        communique serve --host 0.0.0.0 --port 80 --public
    """
    from .publish import ServeError, listening_socket, serve_corpus

    db_path = obj["db_path"]
    _open_corpus(db_path, existing=True).close()  # upgrades the schema and rejects a corrupt file
    try:
        sock = listening_socket(host, port)  # a port taken or out of range fails here, in one line
    except ServeError as error:
        raise click.ClickException(str(error)) from error
    mode = "public: no arbitrary SQL" if public else "arbitrary SQL allowed, bounded; use --public on a public host"
    click.echo(f"Serving {db_path} on http://{host}:{port}/ ({mode}; semantic search loads its model and "
               "vectors in the background: /-/semantic says how far)")
    serve_corpus(db_path, public=public, sock=sock)
