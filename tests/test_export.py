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


def answer(corpus, source, native_id, date, question, text, in_question, in_answer, forms, title, stance,
           actor="maduro"):
    doc_id = corpus.store_document(Document(
        source=source, url=f"https://{source}.example/{native_id}", native_id=native_id, html=b"<html/>",
        fetched_at=FETCHED, language="en", date=dt.date.fromisoformat(date), spokesperson="Spokesperson",
        segments=[Segment("question", question, label="Q"), Segment("answer", text, label="A", reply_to=0)],
    ))
    q, a = corpus.segments_of(doc_id)
    references = []
    if in_answer != "absent":
        references.append({
            "actor_id": actor, "class": in_answer, "title": title, "method": "lexical", "score": None,
            "forms": [{"form": f, "start": text.index(f), "end": text.index(f) + len(f), "class": in_answer,
                       "title": title} for f in forms],
        })
    avoidance = []
    if in_question != "absent":
        avoidance.append({"actor_id": actor, "question_id": q["id"], "in_question": in_question,
                          "in_answer": in_answer, "avoided": in_question == "named" and in_answer != "named"})
    label = "support" if stance > 0.3 else "oppose" if stance < -0.3 else "neutral"
    stances = [{"actor_id": actor, "label": label, "score": stance, "confidence": 0.7, "p_support": 0.5,
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
        store_actors(corpus, [
            {"id": "maduro", "name": "Nicolás Maduro", "kind": "person", "aliases": "Maduro", "roles": "",
             "fingerprint": "x"},
            {"id": "xinjiang_government", "name": "Government of the Xinjiang Uygur Autonomous Region",
             "kind": "organization", "aliases": "", "roles": "the Xinjiang local government", "fingerprint": "x"},
        ])
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
        "answer_top_forms": "the Venezuelan government (1); Maduro (1)", "answer_top_titles": "President (1)",
        "small_count": True,
    },
    ("2019-01", "mid"): {
        "answers": 1, "named": 1, "named_rate": 1.0, "question_named": 0, "avoided": 0, "avoidance_rate": None,
        "stance_mean": 0.8, "stance_low": 0.8, "stance_high": 0.8, "answer_top_titles": "President (1)",
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
        if key in ("answer_top_forms", "answer_top_titles"):
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


def test_the_chart_says_what_it_shows_by_the_actors_names(corpus_path, tmp_path):
    from PIL import Image

    chart = tmp_path / "t.png"
    export(corpus_path, *TRENDS, "--output", str(tmp_path / "t.csv"), "--plot", str(chart))
    text = Image.open(chart).text  # the PNG's own text chunks
    assert text["Title"] == "Nicolás Maduro in the answers of fmprc, mid, by month"
    assert text["Description"] == "fmprc: China MFA; mid: Russia MFA"


def test_quotes_of_avoided_answers_carry_provenance(corpus_path, tmp_path):
    output = tmp_path / "q.jsonl"
    export(corpus_path, "quotes", "--actor", "maduro", "--class", "avoided", "--format", "jsonl", "--output", str(output))
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert [r["answer"] for r in rows] == ["We support the Venezuelan government.", "I have no information."]
    first = rows[0]
    assert (first["date"], first["ministry"], first["spokesperson"], first["url"]) == (
        "2019-01-10", "China MFA", "Spokesperson", "https://fmprc.example/a1")
    assert first["question"] == "Will Maduro stay?"
    assert first["answer_forms"] == ["the Venezuelan government"] and first["stance"] == "support"
    assert first["question_forms"] == [] and first["actor_name"] == "Nicolás Maduro"
    assert first["evidence"] == ["We support the Venezuelan government."]
    meta = json.loads((tmp_path / "q.jsonl.provenance.json").read_text())
    assert meta["columns"]["answer_forms"] == "the ministry's words for the actor, in the answer"
    assert meta["columns"]["question_forms"] == "the journalist's words for the actor, in the question"


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


def test_an_older_id_finds_the_actor_it_now_is(tmp_path):
    # the generated US foreign ministry became the State Department (analysis/data/organizations.yaml);
    # analyze writes each actor's older ids to the corpus' actors table
    path = tmp_path / "renamed.db"
    with Corpus(path) as corpus:
        corpus.register_source(Source("fmprc", "China MFA", "CN", "en"))
        store_actors(corpus, [{"id": "state_department", "name": "United States Department of State",
                               "kind": "organization", "aliases": "State Department", "roles": "", "fingerprint": "x",
                               "other_ids": "united_states_foreign_ministry"}])
        answer(corpus, "fmprc", "a1", "2019-01-10", "Any comment?", "We urge the State Department to stop.",
               "absent", "named", ["State Department"], None, -0.6, actor="state_department")
    output = tmp_path / "q.csv"
    result = CliRunner().invoke(main, ["--db", str(path), "export", "quotes", "--actor", "united_states_foreign_ministry",
                                       "--format", "csv", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert "united_states_foreign_ministry is now state_department" in result.output
    with output.open(newline="") as handle:
        assert [r["actor"] for r in csv.DictReader(handle)] == ["state_department"]
    # an id a scholar's actor file renamed is known from the corpus, not from the shipped registry
    with Corpus(path) as corpus:
        store_actors(corpus, [{"id": "saf", "name": "Sudanese Armed Forces", "kind": "organization", "aliases": "SAF",
                               "roles": "", "fingerprint": "y", "other_ids": "sudan_military"}])
        answer(corpus, "fmprc", "a2", "2019-01-11", "Any comment?", "We urge the SAF to stop.",
               "absent", "named", ["SAF"], None, -0.6, actor="saf")
    result = CliRunner().invoke(main, ["--db", str(path), "export", "quotes", "--actor", "sudan_military",
                                       "--format", "csv", "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert "sudan_military is now saf" in result.output


def fail(corpus_path, tmp_path, *args):
    output = tmp_path / "out.csv"
    result = CliRunner().invoke(main, ["--db", str(corpus_path), "export", *args, "--output", str(output)])
    assert result.exit_code != 0
    assert not output.exists(), "a failed export leaves no file behind"
    return result.output.strip().splitlines()[-1]


@pytest.mark.parametrize(
    ("given", "suggested"),
    [("xinjiang", "did you mean xinjiang_government (Government of the Xinjiang Uygur Autonomous Region)?"),
     ("madruo", "did you mean maduro (Nicolás Maduro)?"),
     ("Nicolas Maduro", "did you mean maduro (Nicolás Maduro)?")],
)
def test_an_unknown_actor_answers_with_the_closest_ids(corpus_path, tmp_path, given, suggested):
    for command in (["quotes", "--actor", given], ["trends", "--actor", given]):
        line = fail(corpus_path, tmp_path, *command)
        assert line.startswith(f"Error: unknown actor {given!r} in {corpus_path}: {suggested}"), line


def test_an_actor_nothing_refers_to_fails_instead_of_writing_an_empty_file(corpus_path, tmp_path):
    line = fail(corpus_path, tmp_path, "quotes", "--actor", "xinjiang_government")
    assert f"no turn of {corpus_path} refers to xinjiang_government" in line
    assert "export quotes --query 'xinjiang government'" in line


def test_quotes_by_full_text_query_carry_the_actors_of_each_answer(corpus_path, tmp_path):
    output = tmp_path / "q.csv"
    result = export(corpus_path, "quotes", "--query", "Maduro", "--format", "csv", "--output", str(output))
    with output.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    # Three questions name him and two answers do: a1 and a3 only by their question.
    assert [(r["date"], r["matched_in"], r["actor"], r["in_question"], r["in_answer"], r["avoided"]) for r in rows] == [
        ("2019-01-10", "question", "maduro", "named", "role", "True"),
        ("2019-01-15", "answer", "maduro", "absent", "named", "False"),
        ("2019-01-20", "question and answer", "maduro", "named", "named", "False"),
        ("2019-03-05", "question", "maduro", "named", "absent", "True"),
    ]
    assert rows[0]["answer_forms"] == "the Venezuelan government" and rows[0]["stance"] == "support"
    assert "4 answers matching 'Maduro' (4 rows)" in result.output


def test_a_query_narrowed_to_an_actor_and_a_class(corpus_path, tmp_path):
    output = tmp_path / "q.jsonl"
    export(corpus_path, "quotes", "--query", "government", "--actor", "maduro", "--class", "role",
           "--format", "jsonl", "--output", str(output))
    rows = [json.loads(line) for line in output.read_text().splitlines()]
    assert [(r["answer"], r["matched_in"]) for r in rows] == [("We support the Venezuelan government.", "answer")]


def test_a_query_that_matches_nothing_fails_and_quotes_need_an_actor_or_a_query(corpus_path, tmp_path):
    assert "no answer of" in fail(corpus_path, tmp_path, "quotes", "--query", "Atlantis")
    assert "say which answers: --actor ID, --query WORDS, or both" in fail(corpus_path, tmp_path, "quotes")


def test_an_empty_class_still_writes_the_header(corpus_path, tmp_path):
    output = tmp_path / "q.csv"
    result = export(corpus_path, "quotes", "--actor", "maduro", "--class", "oblique", "--output", str(output))
    assert output.read_text().splitlines() == [
        "date,ministry,source,language,spokesperson,url,answer_id,actor,actor_name,in_question,question_forms,"
        "question_title,in_answer,answer_forms,answer_title,avoided,stance,stance_score,evidence,question,answer"]
    assert "0 answers about maduro" in result.output


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


def test_with_two_actors_the_legend_gives_each_by_name(tmp_path):
    from PIL import Image

    from communique.export import plot_trends

    rows = [{"ministry": "China MFA", "actor": actor, "source": "fmprc", "period": "2019-01",
             "period_start": "2019-01-01", "named_rate": rate, "stance_mean": mean, "stance_low": mean - 0.1,
             "stance_high": mean + 0.1, "small_count": False, "answers": 7}
            for actor, rate, mean in (("maduro", 0.6, 0.4), ("guaido", 0.0, -0.1))]
    chart = plot_trends(rows, tmp_path / "c.png", "January 2019",
                        {"maduro": "Nicolás Maduro", "guaido": "Juan Guaidó"})
    assert Image.open(chart).text["Description"] == "Juan Guaidó — fmprc; Nicolás Maduro — fmprc"
