"""The command's contract: clear one-line failures, stats, and a README that documents every command."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from communique.cli import main
from tests.conftest import FMPRC_REPLAY, run_communique

README = Path(__file__).resolve().parent.parent / "README.md"


def test_stats_prints_documents_per_year_errors_and_segments(crawled_db):
    result = CliRunner().invoke(main, ["--db", str(crawled_db), "stats"])
    assert result.exit_code == 0, result.output
    assert re.search(r"fmprc\s+2019\s+236\s+0", result.output)
    assert "Parse errors: 0" in result.output
    assert re.search(r"question\s+\d{4}", result.output)


def test_stats_columns_stay_aligned_with_an_imported_ministrys_long_source_name(tmp_path):
    import datetime as dt

    from corpus import Corpus, Document, Segment, Source

    db = tmp_path / "c.db"
    with Corpus(db) as corpus:
        for name, native_id in (("fmprc", "t1"), ("import_south_africa_dirco_permanent_mission_to_the_un", "z1")):
            corpus.register_source(Source(name, "a ministry", "ZA", "en"))
            corpus.store_document(Document(
                source=name, url=f"https://example.org/{native_id}", native_id=native_id, html=b"<html></html>",
                fetched_at=dt.datetime(2020, 7, 4, tzinfo=dt.timezone.utc), language="en", date=dt.date(2019, 3, 1),
                segments=[Segment("statement", "South Africa remains concerned.")]))
    result = CliRunner().invoke(main, ["--db", str(db), "stats"])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.output.splitlines() if re.search(r"\s2019\s+1\s+0$", line)]
    assert len(rows) == 2
    assert len({line.index(" 2019 ") for line in rows}) == 1  # the year column starts at one offset


def test_db_comes_from_the_environment(crawled_db, monkeypatch):
    monkeypatch.setenv("COMMUNIQUE_DB", str(crawled_db))
    result = CliRunner().invoke(main, ["stats"])
    assert result.exit_code == 0 and str(crawled_db) in result.output


def test_unknown_source_fails_with_one_line_naming_it(tmp_path):
    result = run_communique("crawl", "nowhere", db=tmp_path / "c.db", check=False)
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("Error: unknown source 'nowhere': known sources are ") and "fmprc" in last


def test_replay_folder_without_manifest_fails_naming_the_folder(tmp_path):
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "c.db"), "crawl", "fmprc", "--replay", str(tmp_path)])
    assert result.exit_code != 0
    assert f"{tmp_path} is not a replay folder: it has no manifest.jsonl" in result.output


def test_bad_date_bound_fails_before_crawling(tmp_path):
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "c.db"), "crawl", "fmprc", "--since", "last spring"])
    assert result.exit_code != 0
    assert "--since 'last spring' is not a date (use YYYY-MM-DD)" in result.output


def test_corrupt_corpus_fails_with_its_path_and_is_left_alone(tmp_path):
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"not a database at all" * 50)
    result = CliRunner().invoke(main, ["--db", str(broken), "stats"])
    assert result.exit_code != 0
    assert f"{broken} is not a usable SQLite corpus" in result.output
    assert broken.read_bytes() == b"not a database at all" * 50


def test_every_command_is_documented_in_the_readme():
    readme = README.read_text(encoding="utf-8")
    for name in main.commands:
        assert f"communique {name}" in readme or f"`{name}`" in readme, f"README does not document `{name}`"


def test_sources_lists_the_spider_its_manners_and_stored_documents(crawled_db):
    result = CliRunner().invoke(main, ["--db", str(crawled_db), "sources"])
    assert result.exit_code == 0, result.output
    assert "fmprc: Ministry of Foreign Affairs of the People's Republic of China (CN)" in result.output
    assert "layouts: mfa_eng" in result.output
    assert "robots.txt obeyed: yes" in result.output
    assert "documents stored: 500" in result.output


def test_import_reports_bad_rows_imports_nothing_then_imports_once(tmp_path):
    csv_file = tmp_path / "presscon.csv"
    header = "id,date,question,answer,spokesperson\n"
    good = '1,2019-01-24,"Will China recognise Guaido?","We support the Venezuelan government.",Hua Chunying\n'
    csv_file.write_text(header + good + '2,2019-13-45,"Q2","A2",Geng Shuang\n')
    db = tmp_path / "c.db"
    runner = CliRunner()
    bad = runner.invoke(main, ["--db", str(db), "import", str(csv_file)])
    assert bad.exit_code != 0
    assert f"{csv_file}:3: unparseable date '2019-13-45'" in bad.output
    assert "nothing imported" in bad.output
    from corpus import Corpus

    with Corpus(db) as corpus:
        assert corpus.db["documents"].count == 0
    csv_file.write_text(header + good + '2,2019-01-28,"Q2","A2",Geng Shuang\n')
    first = runner.invoke(main, ["--db", str(db), "import", str(csv_file)])
    assert "2 documents added" in first.output
    again = runner.invoke(main, ["--db", str(db), "import", str(csv_file)])
    assert "0 documents added, 0 updated, 2 unchanged" in again.output


def test_import_map_option_is_checked(tmp_path):
    csv_file = tmp_path / "x.csv"
    csv_file.write_text("datum,antwort\n2019-01-01,Hello\n")
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "c.db"), "import", str(csv_file), "--map", "datum"])
    assert result.exit_code != 0 and "--map 'datum': expected COLUMN=FIELD" in result.output
    ok = CliRunner().invoke(main, ["--db", str(tmp_path / "c.db"), "import", str(csv_file),
                                   "--map", "datum=date", "--map", "antwort=answer"])
    assert ok.exit_code == 0, ok.output
    assert "1 documents added" in ok.output


def test_train_stance_writes_to_the_user_data_folder_never_into_the_package(tmp_path, monkeypatch):
    import json

    from analysis.stance import DEFAULT_MODEL_FILE

    devset = README.parent / "tests" / "files" / "devset"
    items, labels = [], set()
    for line in (devset / "items.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        items.append(line)
        labels |= {actor["stance"] for actor in item["actors"]}
        if len(items) >= 6 and labels == {"support", "oppose", "neutral"}:
            break
    labelled = tmp_path / "few.jsonl"
    labelled.write_text("\n".join(items) + "\n", encoding="utf-8")
    shipped = DEFAULT_MODEL_FILE.read_bytes()
    monkeypatch.setenv("COMMUNIQUE_DATA", str(tmp_path / "data"))
    result = CliRunner().invoke(main, ["train", "stance", str(labelled), "--actors", str(devset / "actors.json")])
    assert result.exit_code == 0, result.output
    written = tmp_path / "data" / "stance_model.json"
    assert str(written) in result.output
    assert json.loads(written.read_text())["model"] == "all-MiniLM-L6-v2"
    assert DEFAULT_MODEL_FILE.read_bytes() == shipped


def test_export_quotes_by_query_writes_the_xinjiang_answers_with_their_actors(analyzed_db, tmp_path):
    import csv
    import sqlite3

    output = tmp_path / "xinjiang.csv"
    result = CliRunner().invoke(main, ["--db", str(analyzed_db), "export", "quotes", "--query", "Xinjiang",
                                       "--output", str(output)])
    assert result.exit_code == 0, result.output
    with output.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = {answer_id for (answer_id,) in sqlite3.connect(analyzed_db).execute(
        """SELECT a.id FROM segments a LEFT JOIN segments q ON q.id = a.reply_to
           WHERE a.kind = 'answer' AND (a.text LIKE '%Xinjiang%' OR q.text LIKE '%Xinjiang%')""")}
    assert expected and {row["answer_id"] for row in rows} == expected
    for row in rows:
        assert "Xinjiang" in row["answer"] or "Xinjiang" in row["question"]
    # the Uyghurs, named in both the question and the answer, with the answer's forms and stance
    uyghurs = [row for row in rows if row["actor"] == "uyghurs"]
    assert uyghurs and uyghurs[0]["in_question"] == "named" and "Uyghur" in uyghurs[0]["answer_forms"]
    assert uyghurs[0]["stance"] in ("support", "oppose", "neutral")


def test_an_unknown_actor_suggests_the_ids_it_may_mean(analyzed_db, tmp_path):
    output = tmp_path / "x.csv"
    result = CliRunner().invoke(main, ["--db", str(analyzed_db), "export", "quotes", "--actor", "xinjiang",
                                       "--output", str(output)])
    assert result.exit_code != 0 and not output.exists()
    assert "did you mean xinjiang_government (Government of the Xinjiang Uygur Autonomous Region)" in result.output


# One line on every failure (issue 13) ----------------------------------------------------


def one_line_error(result) -> str:
    """The whole of stderr, which must be one line: no traceback, no usage text."""
    assert result.returncode != 0
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_stats_and_exports_on_a_missing_corpus_say_so_and_create_nothing(tmp_path):
    missing = tmp_path / "missing.db"
    for args in (["stats"], ["analyze"], ["export", "quotes", "--actor", "maduro", "--output", str(tmp_path / "q.csv")],
                 ["export", "trends", "--actor", "maduro", "--output", str(tmp_path / "t.csv")],
                 ["serve", "--port", "8001"]):
        result = run_communique(*args, db=missing, check=False)
        assert one_line_error(result) == f"Error: no corpus at {missing}: crawl or import something first", args
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["crawl", "fmprc", "--since", "2020-02-01", "--until", "2020-01-01"],
         "--since 2020-02-01 is after --until 2020-01-01: no date is in that range"),
        (["export", "trends", "--actor", "maduro", "--since", "2019-12-31", "--until", "2019-01-01", "--output", "x.csv"],
         "--since 2019-12-31 is after --until 2019-01-01: no date is in that range"),
        (["export", "quotes", "--actor", "maduro", "--since", "2019-06-01", "--until", "2019-05-31", "--output", "x.csv"],
         "--since 2019-06-01 is after --until 2019-05-31: no date is in that range"),
        (["export", "quotes", "--actor", "maduro", "--since", "notadate", "--output", "x.csv"],
         "--since 'notadate' is not a date (use YYYY-MM-DD)"),
        (["export", "trends", "--actor", "maduro", "--until", "2019-02-30", "--output", "x.csv"],
         "--until '2019-02-30' is not a date (use YYYY-MM-DD)"),
    ],
)
def test_reversed_ranges_and_bad_dates_are_errors_everywhere(crawled_db, tmp_path, args, message):
    result = run_communique(*args, db=crawled_db, check=False, cwd=tmp_path)
    assert one_line_error(result) == f"Error: {message}"
    assert list(tmp_path.iterdir()) == []


def without_root_powers() -> list[str]:
    """A command prefix that takes away root's power to write through any file mode (CAP_DAC_OVERRIDE),
    so that a read-only file is read-only to the command as it is to a user."""
    import os
    import shutil

    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without util-linux's setpriv: a read-only file cannot be made")
    return ["setpriv", "--bounding-set=-dac_override"]


@pytest.fixture
def read_only_corpus(tmp_path):
    """A real corpus with one imported answer, its file made read-only."""
    import stat

    db = tmp_path / "corpus.db"
    csv_file = tmp_path / "rows.csv"
    csv_file.write_text('id,date,question,answer\n1,2019-01-24,"Guaido?","We support the Venezuelan government."\n')
    run_communique("import", str(csv_file), db=db)
    db.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    return db, csv_file


def test_import_and_crawl_into_a_read_only_corpus_fail_in_one_line(read_only_corpus):
    db, csv_file = read_only_corpus
    before = db.read_bytes()
    command = [*without_root_powers(), sys.executable, "-m", "communique", "--db", str(db)]
    for args in (["import", str(csv_file)], ["crawl", "fmprc", "--replay", str(FMPRC_REPLAY)], ["analyze"]):
        result = subprocess.run(command + args, capture_output=True, text=True)
        assert one_line_error(result) == f"Error: {db} is read-only: nothing can be stored in it (check its permissions)"
    stats = subprocess.run(command + ["stats"], capture_output=True, text=True)
    assert stats.returncode == 0 and "segments" in stats.stdout.lower()
    assert db.read_bytes() == before


def test_import_into_a_corpus_another_writer_holds_fails_in_one_line(read_only_corpus, tmp_path):
    import os
    import sqlite3

    db, csv_file = read_only_corpus
    db.chmod(0o644)
    other = sqlite3.connect(db)
    other.execute("BEGIN IMMEDIATE")  # another command writing, for longer than this one waits
    try:
        result = subprocess.run([sys.executable, "-m", "communique", "--db", str(db), "import", str(csv_file)],
                                capture_output=True, text=True, env={**os.environ, "COMMUNIQUE_LOCK_TIMEOUT": "1"})
    finally:
        other.rollback()
        other.close()
    assert one_line_error(result).startswith(f"Error: {db} was locked by another writer for 1 s: gave up")
