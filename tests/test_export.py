"""Trend and quote exports of a small hand-built corpus, against figures computed by hand."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from analysis.trends import bootstrap_interval, period_of
from communique.cli import main
from corpus import Corpus, Document, Segment, Source
from corpus.analysis_store import store_actors, store_analysis

FETCHED = dt.datetime(2020, 7, 4, tzinfo=dt.timezone.utc)


def answer(corpus, source, native_id, date, question, text, in_question, in_answer, forms, title, stance):
    doc_id = corpus.store_document(Document(
        source=source, url=f"https://{source}.example/{native_id}", native_id=native_id, html=b"<html/>",
        fetched_at=FETCHED, language="en", date=dt.date.fromisoformat(date), spokesperson="Spokesperson",
        segments=[Segment("question", question, label="Q"), Segment("answer", text, label="A", reply_to=0)],
    ))
    q, a = corpus.segments_of(doc_id)
    references = []
    if in_answer != "absent":
        references.append({
            "actor_id": "maduro", "class": in_answer, "title": title, "method": "lexical", "score": None,
            "forms": [{"form": f, "start": text.index(f), "end": text.index(f) + len(f), "class": in_answer,
                       "title": title} for f in forms],
        })
    avoidance = []
    if in_question != "absent":
        avoidance.append({"actor_id": "maduro", "question_id": q["id"], "in_question": in_question,
                          "in_answer": in_answer, "avoided": in_question == "named" and in_answer != "named"})
    label = "support" if stance > 0.3 else "oppose" if stance < -0.3 else "neutral"
    stances = [{"actor_id": "maduro", "label": label, "score": stance, "confidence": 0.7, "p_support": 0.5,
                "p_oppose": 0.2, "p_neutral": 0.3, "evidence": [text], "embedding_model": "test-model",
                "method": "hand"}]
    store_analysis(corpus, [{"segment_id": a["id"], "input_sha256": "x", "references": references,
                             "avoidance": avoidance, "stances": stances}], "hand-made")


@pytest.fixture
def corpus_path(tmp_path):
    path = tmp_path / "hand.db"
    with Corpus(path) as corpus:
        corpus.register_source(Source("fmprc", "China MFA", "CN", "en"))
        corpus.register_source(Source("mid", "Russia MFA", "RU", "en"))
        store_actors(corpus, [{"id": "maduro", "name": "Nicolás Maduro", "kind": "person", "aliases": "Maduro",
                               "roles": "", "fingerprint": "x"}])
        answer(corpus, "fmprc", "a1", "2019-01-10", "Will Maduro stay?", "We support the Venezuelan government.",
               "named", "role", ["the Venezuelan government"], None, 0.6)
        answer(corpus, "fmprc", "a2", "2019-01-20", "Did Maduro call?", "President Maduro called.",
               "named", "named", ["Maduro"], "President", 0.2)
        answer(corpus, "fmprc", "a3", "2019-03-05", "What of Maduro now?", "I have no information.",
               "named", "absent", [], None, -0.1)
        answer(corpus, "mid", "b1", "2019-01-15", "What about Venezuela?", "We back President Maduro.",
               "absent", "named", ["Maduro"], "President", 0.8)
    return path


def export(corpus_path, *args):
    result = CliRunner().invoke(main, ["--db", str(corpus_path), "export", *args])
    assert result.exit_code == 0, result.output
    return result


EXPECTED = {
    ("2019-01", "fmprc"): {
        "answers": 2, "named": 1, "role": 1, "oblique": 0, "absent": 0, "named_rate": 0.5, "role_rate": 0.5,
        "oblique_rate": 0.0, "absent_rate": 0.0, "question_named": 2, "avoided": 1, "avoidance_rate": 0.5,
        "stance_n": 2, "stance_mean": 0.4, "stance_low": 0.2, "stance_high": 0.6,
        "top_forms": "the Venezuelan government (1); Maduro (1)", "top_titles": "President (1)", "small_count": True,
    },
    ("2019-01", "mid"): {
        "answers": 1, "named": 1, "named_rate": 1.0, "question_named": 0, "avoided": 0, "avoidance_rate": None,
        "stance_mean": 0.8, "stance_low": 0.8, "stance_high": 0.8, "top_titles": "President (1)",
    },
    ("2019-02", "fmprc"): {"answers": 0, "named": 0, "named_rate": None, "stance_n": 0, "stance_mean": None},
    ("2019-02", "mid"): {"answers": 0, "avoidance_rate": None, "stance_mean": None},
    ("2019-03", "fmprc"): {
        "answers": 1, "absent": 1, "absent_rate": 1.0, "named_rate": 0.0, "question_named": 1, "avoided": 1,
        "avoidance_rate": 1.0, "stance_mean": -0.1,
    },
    ("2019-03", "mid"): {"answers": 0},
}


def check(rows: list[dict], cast=lambda key, value: value):
    assert [(r["period"], r["source"]) for r in rows] == list(EXPECTED)
    for row in rows:
        for key, value in EXPECTED[(row["period"], row["source"])].items():
            got = cast(key, row[key])
            if isinstance(value, float):
                assert got == pytest.approx(value), (row["period"], row["source"], key)
            else:
                assert got == value, (row["period"], row["source"], key)


TRENDS = ["trends", "--actor", "maduro", "--since", "2019-01-01", "--until", "2019-03-31", "--by", "month"]


def test_json_export_equals_the_hand_figures(corpus_path, tmp_path):
    output = tmp_path / "t.json"
    export(corpus_path, *TRENDS, "--format", "json", "--output", str(output))
    data = json.loads(output.read_text())
    check(data["rows"])
    meta = data["provenance"]
    assert meta["command"].startswith("communique --db")
    assert meta["corpus_date_range"] == ["2019-01-10", "2019-03-05"]
    assert meta["analysis_versions"] == ["hand-made"] and meta["embedding_models"] == ["test-model"]
    assert meta["parameters"]["by"] == "month" and meta["communique_version"]


def test_csv_export_with_its_provenance_sidecar(corpus_path, tmp_path):
    output = tmp_path / "t.csv"
    export(corpus_path, *TRENDS, "--format", "csv", "--output", str(output))
    with output.open(newline="") as handle:
        rows = list(csv.DictReader(handle))

    def cast(key, value):
        if value == "":
            return None
        if key in ("small_count",):
            return value == "True"
        if key in ("top_forms", "top_titles"):
            return value
        return float(value) if "." in value or key.endswith(("rate", "mean", "low", "high")) else int(value)

    check(rows, cast)
    sidecar = json.loads((tmp_path / "t.csv.provenance.json").read_text())
    assert sidecar["parameters"]["actors"] == ["maduro"]


def test_parquet_export_reads_back_with_its_metadata(corpus_path, tmp_path):
    output = tmp_path / "t.parquet"
    export(corpus_path, *TRENDS, "--format", "parquet", "--output", str(output))
    table = pq.read_table(output)
    check(table.to_pylist())
    meta = json.loads(table.schema.metadata[b"communique"])
    assert meta["parameters"]["since"] == "2019-01-01"


def test_ministry_filter_and_plot(corpus_path, tmp_path):
    output, chart = tmp_path / "t.json", tmp_path / "t.png"
    export(corpus_path, *TRENDS, "--ministry", "Russia MFA", "--format", "json", "--output", str(output),
           "--plot", str(chart))
    rows = json.loads(output.read_text())["rows"]
    assert {r["source"] for r in rows} == {"mid"} and len(rows) == 3
    assert chart.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_quotes_of_avoided_answers_carry_provenance(corpus_path, tmp_path):
    output = tmp_path / "q.jsonl"
    export(corpus_path, "quotes", "--actor", "maduro", "--class", "avoided", "--format", "jsonl", "--output", str(output))
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert [r["answer"] for r in rows] == ["We support the Venezuelan government.", "I have no information."]
    first = rows[0]
    assert (first["date"], first["ministry"], first["spokesperson"], first["url"]) == (
        "2019-01-10", "China MFA", "Spokesperson", "https://fmprc.example/a1")
    assert first["question"] == "Will Maduro stay?"
    assert first["forms"] == ["the Venezuelan government"] and first["stance"] == "support"
    assert first["evidence"] == ["We support the Venezuelan government."]
    assert (tmp_path / "q.jsonl.provenance.json").exists()


def test_quotes_as_csv_by_class(corpus_path, tmp_path):
    output = tmp_path / "q.csv"
    export(corpus_path, "quotes", "--actor", "maduro", "--class", "named", "--format", "csv", "--output", str(output))
    with output.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    # in date order: 15 January (Moscow) before 20 January (Beijing)
    assert [(r["source"], r["answer"]) for r in rows] == [("mid", "We back President Maduro."),
                                                         ("fmprc", "President Maduro called.")]


def test_unknown_actor_and_ministry_are_named(corpus_path, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["--db", str(corpus_path), "export", "trends", "--actor", "guaido",
                                  "--output", str(tmp_path / "x.csv")])
    assert result.exit_code != 0 and "unknown actor 'guaido'" in result.output
    result = runner.invoke(main, ["--db", str(corpus_path), "export", "trends", "--actor", "maduro",
                                  "--ministry", "Atlantis MFA", "--output", str(tmp_path / "x.csv")])
    assert result.exit_code != 0 and "unknown ministry 'Atlantis MFA'" in result.output


@pytest.mark.parametrize(
    ("date", "by", "label", "start", "end"),
    [
        ("2019-01-24", "week", "2019-W04", "2019-01-21", "2019-01-27"),
        ("2019-12-31", "week", "2020-W01", "2019-12-30", "2020-01-05"),
        ("2019-02-10", "month", "2019-02", "2019-02-01", "2019-02-28"),
        ("2019-11-05", "quarter", "2019-Q4", "2019-10-01", "2019-12-31"),
    ],
)
def test_periods(date, by, label, start, end):
    period = period_of(dt.date.fromisoformat(date), by)
    assert (period.label, period.start.isoformat(), period.end.isoformat()) == (label, start, end)


def test_bootstrap_interval_is_reproducible_and_brackets_the_mean():
    values = [0.6, -0.2, 0.1, 0.4, 0.9, -0.5]
    low, high = bootstrap_interval(values)
    assert low < sum(values) / len(values) < high
    assert bootstrap_interval(values) == (low, high)
    assert bootstrap_interval([]) is None
