"""The real model on a few real texts: cache hits, incremental analysis, backends that agree."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3

import numpy as np
import pytest

from analysis.embeddings import Embedder, EmbeddingError, EmbeddingSettings, MemoryCache
from analysis.pipeline import analyze_corpus
from analysis.registry import load_registry
from corpus import Corpus, Document
from crawlers.spiders.fmprc import FmprcSpider, parse_briefing
from tests.conftest import fmprc_page

pytestmark = pytest.mark.slow

TEXTS = [
    "China supports the efforts made by the Venezuelan government to uphold national sovereignty.",
    "We call upon all relevant parties to stay rational and cool-headed.",
    "China supports the efforts made by the Venezuelan government to uphold national sovereignty.",
]


@pytest.fixture(scope="module")
def embedder():
    return Embedder(EmbeddingSettings(batch_size=8))


def test_vectors_are_unit_float32_and_cached_per_text(embedder):
    embedder.cache = MemoryCache()
    before = embedder.embedded
    vectors = embedder.embed(TEXTS)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(vectors[0], vectors[2])
    assert embedder.embedded - before == 2  # the repeated text went through the model once
    again = embedder.embed(list(reversed(TEXTS)))
    assert embedder.embedded - before == 2  # all from the cache
    assert np.array_equal(again[0], vectors[2])


def store_briefing(corpus: Corpus, name: str, edit=None, language: str = "en") -> str:
    """A saved page of the English section, or of the Chinese one (`language="zh"`), stored as the crawl stores it."""
    from crawlers.spiders import fmprc_zh
    from tests.conftest import fmprc_zh_page

    page, parse, spider = ((fmprc_page, parse_briefing, FmprcSpider) if language == "en"
                           else (fmprc_zh_page, fmprc_zh.parse_briefing, fmprc_zh.FmprcZhSpider))
    body, url = page(name)
    briefing = parse(body, url)
    if edit:
        edit(briefing.segments)
    corpus.register_source(spider.source)
    return corpus.store_document(
        Document(source=spider.source.name, url=url, native_id=name.split(".")[0], html=body,
                 fetched_at=dt.datetime(2020, 7, 4, tzinfo=dt.timezone.utc), language=language,
                 title=briefing.title, date=briefing.date, spokesperson=briefing.spokesperson,
                 segments=briefing.segments)
    )


def test_analyze_is_incremental_and_reads_the_founding_answer(tmp_path):
    with Corpus(tmp_path / "c.db") as corpus:
        doc_id = store_briefing(corpus, "t1632218.shtml")
        n_segments = len(corpus.segments_of(doc_id))
        registry = load_registry()
        first = analyze_corpus(corpus, registry, EmbeddingSettings(batch_size=16), progress=False)
        assert first.embedded == n_segments == first.analyzed
        vector_rows = corpus.db.execute("SELECT dim, length(vector) FROM embeddings").fetchall()
        assert set(vector_rows) == {(384, 384 * 4)}

        answer = corpus.segments_of(doc_id)[7]
        assert answer["text"].startswith("We have been closely following the current situation in Venezuela")
        avoided = dict(corpus.db.execute(
            "SELECT actor_id, avoided FROM avoidance WHERE answer_id = ?", [answer["id"]]).fetchall())
        assert avoided["guaido"] == 1 and avoided["maduro"] == 1 and avoided["venezuela"] == 0
        maduro = corpus.db.execute(
            "SELECT class, forms FROM actor_references WHERE segment_id = ? AND actor_id = 'maduro'",
            [answer["id"]]).fetchone()
        assert maduro == ("role", '["the Venezuelan government"]')
        offsets = corpus.db.execute(
            "SELECT start, end FROM reference_forms WHERE segment_id = ? AND actor_id = 'maduro'",
            [answer["id"]]).fetchone()
        assert answer["text"][offsets[0] : offsets[1]] == "the Venezuelan government"

        stances = {actor: (label, score) for actor, label, score in corpus.db.execute(
            "SELECT actor_id, label, score FROM stances WHERE answer_id = ?", [answer["id"]])}
        assert stances["venezuela_government"][0] == "support"
        # the US, veiled as "foreign interference": leaning against (P(oppose) - P(support) < 0),
        # though the label is neutral since stance-logreg-5 (README, Stance)
        assert stances["united_states"][1] < -0.1
        evidence = json.loads(corpus.db.execute(
            "SELECT evidence FROM stances WHERE answer_id = ? AND actor_id = 'venezuela_government'",
            [answer["id"]]).fetchone()[0])
        assert evidence == ["China supports the efforts made by the Venezuelan government to uphold national "
                            "sovereignty, independence and stability."]

        # the question is read (its naming is what avoidance compares) but its attitude is the
        # journalist's: no stance is stored for it, nor for any other question
        question = corpus.segments_of(doc_id)[6]
        assert question["kind"] == "question" and question["id"] == answer["reply_to"]
        assert corpus.db.execute("SELECT class FROM actor_references WHERE segment_id = ? AND actor_id = 'guaido'",
                                 [question["id"]]).fetchone() == ("named",)
        assert corpus.db.execute("""SELECT count(*) FROM stances st JOIN segments s ON s.id = st.answer_id
                                    WHERE s.kind = 'question'""").fetchone() == (0,)
        assert corpus.db.execute("""SELECT count(DISTINCT st.answer_id) FROM stances st
                                    JOIN segments s ON s.id = st.answer_id WHERE s.kind = 'answer'""").fetchone()[0] > 10

        second = analyze_corpus(corpus, registry, EmbeddingSettings(batch_size=16), progress=False)
        assert (second.embedded, second.analyzed, second.stances) == (0, 0, 0)

        # a changed registry re-reads the segments but embeds nothing
        extra = tmp_path / "extra.yaml"
        extra.write_text("actors:\n  belt_and_road: {name: Belt and Road Initiative, kind: organization, "
                         "aliases: [Belt and Road Initiative, BRI]}\n")
        third = analyze_corpus(corpus, load_registry(extra), EmbeddingSettings(batch_size=16), progress=False)
        assert (third.embedded, third.analyzed) == (0, n_segments)
        assert corpus.db.execute(
            "SELECT count(*) FROM actor_references WHERE actor_id = 'belt_and_road'").fetchone()[0] >= 2

        # re-parsing with one answer changed redoes that answer only, keeping the other ids
        def edit(segments):
            segments[31].text += " Thank you."

        store_briefing(corpus, "t1632218.shtml", edit)
        fourth = analyze_corpus(corpus, load_registry(extra), EmbeddingSettings(batch_size=16), progress=False)
        assert (fourth.embedded, fourth.analyzed) == (1, 1)


def test_onnx_backend_gives_the_torch_vectors(tmp_path, monkeypatch, embedder):
    pytest.importorskip("onnxruntime")
    monkeypatch.setenv("COMMUNIQUE_CACHE", str(tmp_path))
    body, url = fmprc_page("t1632218.shtml")
    texts = [s.text for s in parse_briefing(body, url).segments[:6]]
    onnx = Embedder(EmbeddingSettings(batch_size=4, backend="onnx"))
    assert onnx.model_id == embedder.model_id  # interchangeable: one cache for both
    a, b = onnx.encode(texts), embedder.encode(texts)
    assert a.shape == b.shape
    assert np.min(np.sum(a * b, axis=1)) > 0.9999


def test_int8_backend_stays_within_the_fidelity_bar(embedder):
    pytest.importorskip("onnxruntime")
    body, url = fmprc_page("t1632218.shtml")
    texts = [s.text for s in parse_briefing(body, url).segments[:12]]
    int8 = Embedder(EmbeddingSettings(batch_size=4, backend="onnx-int8"))
    cosines = np.sum(int8.encode(texts) * embedder.encode(texts), axis=1)
    assert cosines.mean() >= 0.995 and cosines.min() >= 0.98


def test_bf16_backend_stays_within_the_fidelity_bar(embedder):
    # Runs on any CPU: without AMX, bf16 is emulated (slow, the same arithmetic).
    body, url = fmprc_page("t1632218.shtml")
    texts = [s.text for s in parse_briefing(body, url).segments[:6]]
    bf16 = Embedder(EmbeddingSettings(batch_size=4, backend="torch-bf16"))
    assert bf16.model_id == embedder.model_id
    vectors = bf16.encode(texts)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)  # unit length, like the cache's
    cosines = np.sum(vectors * embedder.encode(texts), axis=1)
    assert cosines.min() >= 0.999


def test_batches_padded_to_a_few_shapes_give_sentence_transformers_own_vectors(embedder):
    body, url = fmprc_page("t1632218.shtml")
    texts = [s.text for s in parse_briefing(body, url).segments[:6]]
    encoder = embedder._load()
    plain = encoder.encode(texts, batch_size=4, normalize_embeddings=True, convert_to_numpy=True)
    assert np.min(np.sum(embedder.encode(texts) * plain, axis=1)) > 0.99999


def test_backend_and_device_resolve_to_what_runs(monkeypatch):
    import analysis.embeddings as embeddings
    from analysis.embeddings import resolve_backend, resolve_device

    monkeypatch.setattr(embeddings, "cpu_multiplies_bf16", lambda: True)
    assert resolve_backend("auto", "cpu", "all-MiniLM-L6-v2") == "torch-bf16"  # AMX: twice torch fp32
    assert resolve_backend("auto", "cpu", "/some/other/model") == "torch"  # bf16 fidelity measured for ours only
    monkeypatch.setattr(embeddings, "cpu_multiplies_bf16", lambda: False)
    assert resolve_backend("auto", "cpu", "all-MiniLM-L6-v2") == "onnx"
    assert resolve_backend("auto", "cuda", "all-MiniLM-L6-v2") == "torch"  # onnxruntime here runs on the CPU only
    assert resolve_backend("auto", "cpu", "/some/other/model") == "torch"  # int8 fidelity measured for ours only
    with pytest.raises(EmbeddingError, match="runs on the CPU"):
        resolve_backend("onnx-int8", "cuda", "all-MiniLM-L6-v2")
    assert resolve_device("cpu") == "cpu"
    with pytest.raises(EmbeddingError, match="unknown backend 'openvino': use one of auto, torch, torch-bf16, onnx, onnx-int8"):
        resolve_backend("openvino", "cpu", "all-MiniLM-L6-v2")
    with pytest.raises(EmbeddingError, match="unknown device 'mps'"):
        Embedder(EmbeddingSettings(device="mps"))


def test_analyze_on_a_missing_gpu_says_so_in_one_line(tmp_path):
    import torch
    from click.testing import CliRunner

    from communique.cli import main

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with Corpus(tmp_path / "c.db") as corpus:
        store_briefing(corpus, "t1632218.shtml")
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "c.db"), "analyze", "--device", "cuda"])
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1] == (
        "Error: --device cuda: torch sees no CUDA device (torch.cuda.is_available() is False)")
    with Corpus(tmp_path / "c.db") as corpus:
        assert corpus.db.execute("SELECT count(*) FROM stances").fetchone()[0] == 0


def test_worker_processes_store_what_one_process_stores(tmp_path):
    """Chunks read and judged in two worker processes, embedded here: the same rows as all in one process."""
    tables = {
        "actor_references": "SELECT segment_id, actor_id, class, forms FROM actor_references",
        "avoidance": "SELECT answer_id, actor_id, avoided FROM avoidance",
        "stances": "SELECT answer_id, actor_id, label, round(score, 4), evidence FROM stances",
    }
    stored, reports = [], []
    for name, workers, chunk in (("one.db", 0, 500), ("pool.db", 2, 8)):
        with Corpus(tmp_path / name) as corpus:
            store_briefing(corpus, "t1632218.shtml")
            reports.append(analyze_corpus(corpus, load_registry(), EmbeddingSettings(batch_size=16),
                                          progress=False, workers=workers, chunk=chunk))
            stored.append({t: sorted(corpus.db.execute(q).fetchall()) for t, q in tables.items()})
            assert corpus.db.execute(
                "SELECT count(*) FROM segments s LEFT JOIN embeddings e ON e.text_sha256 = s.text_sha256 "
                "WHERE e.vector IS NULL").fetchone()[0] == 0
    one, pool = reports
    assert (pool.workers, one.workers) == (2, 0)
    assert (pool.analyzed, pool.embedded, pool.sentences_embedded) == (one.analyzed, one.embedded, one.sentences_embedded)
    assert stored[0]["stances"] and stored[0] == stored[1]


def test_chinese_turns_in_worker_chunks_are_read_in_chinese_and_take_their_twins_stance(tmp_path):
    """Chinese and English turns in the same chunks of two workers: the Chinese reading, no
    vector and no stance of their own, their English twins' stances after the chunks; and
    a second run reads nothing again (each language's rows carry their own reading's version)."""
    tables = {
        "actor_references": "SELECT segment_id, actor_id, class, forms FROM actor_references",
        "stances": "SELECT answer_id, actor_id, label, round(score, 4), method FROM stances",
    }
    stored = []
    for name, workers, chunk in (("one.db", 0, 500), ("pool.db", 2, 8)):
        with Corpus(tmp_path / name) as corpus:
            store_briefing(corpus, "t1632218.shtml")
            store_briefing(corpus, "t1632124.shtml", language="zh")
            first = analyze_corpus(corpus, load_registry(), EmbeddingSettings(batch_size=16),
                                   progress=False, workers=workers, chunk=chunk)
            db = corpus.db
            stored.append({t: sorted(db.execute(q).fetchall()) for t, q in tables.items()})
            chinese = "SELECT s.id FROM segments s JOIN documents d ON d.id = s.document_id WHERE d.language = 'zh'"
            assert first.analyzed == db.execute("SELECT count(*) FROM segments").fetchone()[0]
            assert db.execute(f"SELECT count(*) FROM embeddings WHERE text_sha256 IN "
                              f"(SELECT text_sha256 FROM segments WHERE id IN ({chinese}))").fetchone() == (0,)
            # the founding answer in Chinese: 委内瑞拉政府 is Maduro by role, its stance its twin's
            zh_answer = db.execute(f"SELECT id FROM segments WHERE id IN ({chinese}) AND text LIKE '%委内瑞拉政府%' "
                                   "AND kind = 'answer'").fetchone()[0]
            assert ("maduro", "role") in db.execute(
                "SELECT actor_id, class FROM actor_references WHERE segment_id = ?", [zh_answer]).fetchall()
            methods = [m for (m,) in db.execute("SELECT method FROM stances WHERE answer_id = ?", [zh_answer])]
            twin = db.execute("SELECT en_segment_id FROM translations WHERE zh_segment_id = ?", [zh_answer]).fetchone()[0]
            assert methods and all(m.startswith(f"from the English twin {twin}: ") for m in methods)
            again = analyze_corpus(corpus, load_registry(), EmbeddingSettings(batch_size=16),
                                   progress=False, workers=workers, chunk=chunk)
            assert (again.analyzed, again.embedded) == (0, 0)
            assert sorted(db.execute(tables["stances"]).fetchall()) == stored[-1]["stances"]
    assert stored[0] == stored[1]


def test_analyze_command_reports_its_work(tmp_path):
    from click.testing import CliRunner

    from communique.cli import main

    db = tmp_path / "c.db"
    with Corpus(db) as corpus:
        store_briefing(corpus, "t1632218.shtml")
    runner = CliRunner()
    first = runner.invoke(main, ["--db", str(db), "analyze"])
    assert first.exit_code == 0, first.output
    assert re.search(r"embedded 32 new texts and \d+ sentences stance reads with all-MiniLM-L6-v2; read 32 segments",
                     first.output)
    from analysis.embeddings import cpu_multiplies_bf16

    # auto: the fastest path within the fidelity bar on this CPU
    assert f"the model ran as {'torch-bf16' if cpu_multiplies_bf16() else 'onnx'} on cpu" in first.output
    assert len(first.output.splitlines()) <= 4  # a log gets a few plain lines, not a bar's updates
    assert "stances)" in first.output
    second = runner.invoke(main, ["--db", str(db), "analyze"])
    assert "embedded 0 new texts" in second.output and "read 0 segments" in second.output
    assert sqlite3.connect(db).execute("SELECT count(*) FROM avoidance WHERE avoided").fetchone()[0] > 0


def test_evaluate_scores_exactly_what_analyze_stored(tmp_path):
    """The one reading: labels made of what `analyze` stored for a briefing are read back perfectly by `evaluate`."""
    from click.testing import CliRunner

    from communique.cli import main

    with Corpus(tmp_path / "c.db") as corpus:
        doc_id = store_briefing(corpus, "t1632218.shtml")
        analyze_corpus(corpus, load_registry(), EmbeddingSettings(batch_size=16), progress=False)
        rows = corpus.db.execute(
            """SELECT a.id, q.text, a.text, d.date FROM segments a JOIN segments q ON q.id = a.reply_to
               JOIN documents d ON d.id = a.document_id WHERE a.document_id = ? AND a.kind = 'answer'""",
            [doc_id]).fetchall()
        items = []
        for answer_id, question, answer, date in rows:
            stored = dict(corpus.db.execute(
                "SELECT actor_id, class FROM actor_references WHERE segment_id = ?", [answer_id]).fetchall())
            asked = dict(corpus.db.execute(
                "SELECT actor_id, in_question FROM avoidance WHERE answer_id = ?", [answer_id]).fetchall())
            actors = [{"actor": actor, "in_question": asked.get(actor, "absent"), "in_answer": stored.get(actor, "absent"),
                       "answer_forms": [], "stance": None} for actor in sorted(set(stored) | set(asked))]
            if actors:
                items.append({"id": answer_id, "episode": "t1632218", "ministry": "China MFA", "country": "CN",
                              "date": date, "question": question, "answer": answer, "actors": actors})
    labelled = tmp_path / "stored.jsonl"
    labelled.write_text("".join(json.dumps(item) + "\n" for item in items), encoding="utf-8")
    assert sum(len(item["actors"]) for item in items) > 40
    assert any(a["in_answer"] == "oblique" for item in items for a in item["actors"])
    result = CliRunner().invoke(main, ["evaluate", str(labelled), "--no-stance", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["naming"]["accuracy"] == 1.0
    assert report["question_naming"]["accuracy"] == 1.0


def test_no_office_resolves_to_someone_out_of_office(analyzed_db):
    """Every composed descriptor read as a person names someone who held an office that day."""
    registry = load_registry()
    rows = sqlite3.connect(analyzed_db).execute(
        """SELECT r.actor_id, d.date, r.forms FROM actor_references r
           JOIN segments s ON s.id = r.segment_id JOIN documents d ON d.id = s.document_id
           WHERE r.class = 'role' AND r.method LIKE 'role-%composed%'""").fetchall()
    people = [(actor, date, forms) for actor, date, forms in rows if registry.get(actor) and registry[actor].kind == "person"]
    assert people, "the corpus has descriptors of people to check"
    for actor, date, forms in people:
        assert registry[actor].offices_on(date), f"{actor} read from {forms} on {date}, out of office"
    # and the US Secretary of State of 2019 is not read as a later one
    assert not [r for r in rows if r[0] == "blinken" and r[1] < "2021-01-26"]


def test_the_statements_of_a_page_without_questions_are_read_together(tmp_path):
    """Two sentences of one EU statement, imported as two rows of one page: the second's "leaders of both
    sides" veils Kosovo, which only the first names; a row of another page stays apart."""
    from corpus.analysis_store import segments_to_analyze
    from corpus.importers import import_file

    url = "https://nezavisen.mk/eu-kosovo-and-serbia-should-refrain-from-provocations/?lang=en"
    first = "The reaction of the Kosovar authorities is not the right one. There are other ways of addressing these issues"
    second = ("We call on leaders of both sides to put an end to provocations and focus on the normalization of"
              " relations")
    rows = [{"id": "k1", "date": "2018-12-14", "ministry": "EU High Representative (EEAS)", "country": "EU",
             "url": url, "answer": first},
            {"id": "k2", "date": "2018-12-14", "ministry": "EU High Representative (EEAS)", "country": "EU",
             "url": url, "answer": second},
            {"id": "k3", "date": "2018-12-14", "ministry": "EU High Representative (EEAS)", "country": "EU",
             "url": "https://example.org/other", "answer": second}]
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    with Corpus(tmp_path / "c.db") as corpus:
        import_file(corpus, path, "jsonl")
        # which row each segment came from: its document's url ends in the row's id
        row_of = dict(corpus.db.execute(
            "SELECT s.id, substr(d.url, -2) FROM segments s JOIN documents d ON d.id = s.document_id").fetchall())
        pages = {row["text"][:12] + "#" + row_of[row["id"]]: row["page_text"]
                 for batch in segments_to_analyze(corpus, "none", lambda row: "") for row in batch}
        assert pages == {"The reaction#k1": second, "We call on l#k2": first, "We call on l#k3": None}
        analyze_corpus(corpus, load_registry(), EmbeddingSettings(batch_size=16), progress=False)
        stored = dict(corpus.db.execute(
            """SELECT d.url, r.class FROM actor_references r JOIN segments s ON s.id = r.segment_id
               JOIN documents d ON d.id = s.document_id WHERE r.actor_id = 'kosovo'""").fetchall())
        assert stored == {url + "#k1": "named", url + "#k2": "oblique"}
        # the page is part of what a statement's reading depends on: changing one statement makes both stale
        from analysis.pipeline import input_hash

        corpus.db.execute("UPDATE segments SET text = ? WHERE text = ?", [first.replace("Kosovar", "Serbian"), first])
        stored_hash = dict(corpus.db.execute(
            "SELECT s.id, st.input_sha256 FROM analysis_state st JOIN segments s ON s.id = st.segment_id").fetchall())
        stale = {row_of[row["id"]] for batch in segments_to_analyze(corpus, "any", input_hash) for row in batch
                 if input_hash(row) != stored_hash[row["id"]]}
        assert stale == {"k1", "k2"}
