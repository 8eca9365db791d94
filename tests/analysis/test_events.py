"""Events on real statements: the Belarus election of August 2020 as the EU, the US and Russia spoke of it.

The fixture is four real items of the labelled sets, their words only: Borrell on 7
August, Pompeo on 10 August, Zakharova on 13 August (one event, three ministries), and
the French ministry's answer of 10 August on Jimmy Lai's arrest in Hong Kong (the same
days, another matter).
"""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from analysis.embeddings import Embedder, EmbeddingSettings
from analysis.events import (
    EventSettings, EventTurn, cluster_component, components, event_id, inherit_ids, linked_pairs, unit_rows,
)
from analysis.pipeline import analyze_corpus
from analysis.registry import load_registry
from corpus import Corpus
from corpus.importers import import_file
from corpus.labelled_text import text_rows
from tests.conftest import TESTS

pytestmark = pytest.mark.slow

LABELLED = sorted((TESTS / "files").glob("devset*/items.jsonl"))
BELARUS = ["belarus-eu-001", "belarus-us-001", "v2-ru-012"]  # 7, 10 and 13 August 2020
UNRELATED = "v2-fr-005"  # 10 August 2020: France on Jimmy Lai's arrest


def items(ids: list[str]) -> list[dict]:
    rows, _ = text_rows(LABELLED)
    by_id = {row["id"]: row for row in rows}
    return [by_id[i] for i in ids]


def import_items(corpus: Corpus, ids: list[str], path) -> None:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in items(ids)), encoding="utf-8")
    import_file(corpus, path, "jsonl")


def stored_events(corpus: Corpus) -> list[tuple]:
    """(id, label, first and last day, ministries, item ids of its turns) of every event."""
    found = []
    for event_id_, label, first, last, ministries in corpus.db.execute(
            "SELECT id, label, first_date, last_date, ministries FROM events ORDER BY id").fetchall():
        urls = [row[0] for row in corpus.db.execute(
            """SELECT d.url FROM event_turns t JOIN segments s ON s.id = t.segment_id
               JOIN documents d ON d.id = s.document_id WHERE t.event_id = ?""", [event_id_])]
        found.append((event_id_, label, first, last, json.loads(ministries), sorted(u.split("#")[-1] for u in urls)))
    return found


def analyze(corpus: Corpus):
    return analyze_corpus(corpus, load_registry(), EmbeddingSettings(batch_size=8), progress=False)


def test_three_ministries_on_one_event_are_grouped_the_unrelated_answer_is_not(tmp_path):
    with Corpus(tmp_path / "a.db") as corpus:
        import_items(corpus, [*BELARUS, UNRELATED], tmp_path / "items.jsonl")
        report = analyze(corpus)
        events = stored_events(corpus)
    assert report.events == 1
    [(found_id, label, first, last, ministries, members)] = events
    assert members == sorted(BELARUS)
    assert ministries == ["EU", "RU", "US"]
    assert (first, last) == ("2020-08-07", "2020-08-13")
    assert label.startswith("Belarus")
    assert found_id.startswith("2020-08-07-")

    # the same texts imported in the other order give the same events, ids and labels included
    with Corpus(tmp_path / "b.db") as corpus:
        import_items(corpus, [UNRELATED, *reversed(BELARUS)], tmp_path / "reversed.jsonl")
        analyze(corpus)
        assert stored_events(corpus) == events


def test_new_turns_join_the_event_they_belong_to_and_keep_its_id(tmp_path):
    with Corpus(tmp_path / "c.db") as corpus:
        import_items(corpus, [BELARUS[0], BELARUS[1], UNRELATED], tmp_path / "first.jsonl")
        analyze(corpus)
        [(first_id, _, _, last, ministries, members)] = stored_events(corpus)
        assert ministries == ["EU", "US"] and last == "2020-08-10"
        import_items(corpus, [BELARUS[2]], tmp_path / "second.jsonl")
        report = analyze(corpus)
        assert report.analyzed == 1  # only Zakharova's statement was read
        [(joined_id, _, _, last, ministries, members)] = stored_events(corpus)
        assert joined_id == first_id and ministries == ["EU", "RU", "US"] and members == sorted(BELARUS)
        assert last == "2020-08-13"
        again = analyze(corpus)
        assert (again.analyzed, again.events) == (0, 1)
        assert corpus.db.execute("SELECT count(*) FROM event_components").fetchone()[0] == 1


def test_the_embedding_keeps_an_answer_on_another_matter_out_even_with_the_same_actors():
    """The four texts' real vectors, all four given the same actor: meaning alone leaves Jimmy Lai out."""
    rows = items([*BELARUS, UNRELATED])
    vectors = unit_rows(Embedder(EmbeddingSettings(batch_size=8)).encode([row["answer"] for row in rows]))
    turns = [EventTurn(row["id"], dt.date.fromisoformat(row["date"]), row["country"], frozenset({"shared"}))
             for row in rows]
    order = sorted(range(len(turns)), key=lambda n: (turns[n].date, turns[n].segment_id))
    turns, vectors = [turns[n] for n in order], vectors[order]
    settings = EventSettings()
    pairs = linked_pairs(turns, vectors, settings)
    by_pair = {(i, j): d for i, j, d in pairs}
    groups = components(turns, pairs)
    events = [sorted(turns[n].segment_id for n in c) for g in groups for c in cluster_component(g, turns, by_pair, settings)]
    assert events == [sorted(BELARUS)]
    french = next(n for n, t in enumerate(turns) if t.segment_id == UNRELATED)
    assert min(float(1 - vectors[french] @ vectors[n]) for n in range(len(turns)) if n != french) > settings.max_distance


def test_turns_too_far_apart_are_never_one_event():
    """Complete linkage: three texts that read alike, but the first and the last ten days apart."""
    vectors = unit_rows(np.array([[1.0, 0.1], [1.0, 0.0], [1.0, -0.1]]))
    days = [dt.date(2020, 8, 1), dt.date(2020, 8, 6), dt.date(2020, 8, 11)]
    turns = [EventTurn(f"t{n}", day, ministry, frozenset({"belarus"}))
             for n, (day, ministry) in enumerate(zip(days, ["EU", "US", "RU"]))]
    settings = EventSettings()
    pairs = linked_pairs(turns, vectors, settings)
    assert {(i, j) for i, j, _ in pairs} == {(0, 1), (1, 2)}
    by_pair = {(i, j): d for i, j, d in pairs}
    [group] = components(turns, pairs)
    clusters = cluster_component(group, turns, by_pair, settings)
    assert len(clusters) == 1 and len(clusters[0]) == 2  # two of them, never all three
    # and a pair of one ministry is no event
    same = [EventTurn("a", days[0], "EU", frozenset({"x"})), EventTurn("b", days[1], "EU", frozenset({"x"}))]
    assert components(same, linked_pairs(same, vectors[:2], settings)) == []


def test_links_read_a_block_at_a_time_are_the_links_of_the_whole(monkeypatch):
    """Blocks of two turns, each with the window after it: the same links as all vectors at once,
    and no block ever asks for more than its turns and the week after the last of them."""
    from analysis import events

    days = [dt.date(2020, 8, d) for d in (1, 2, 4, 9, 10, 12, 20, 21)]
    ministries = ["EU", "EU", "US", "RU", "US", "RU", "EU", "EU"]
    turns = [EventTurn(f"t{n}", day, m, frozenset({"belarus"})) for n, (day, m) in enumerate(zip(days, ministries))]
    angles = np.array([0.0, 0.2, 0.5, 0.1, 1.4, 1.5, 0.3, 0.35])
    vectors = unit_rows(np.stack([np.cos(angles), np.sin(angles)], axis=1))
    settings = EventSettings()
    whole = linked_pairs(turns, vectors, settings)
    asked = []

    def read(start, stop):
        asked.append((start, stop))
        return vectors[start:stop]

    monkeypatch.setattr(events, "BLOCK", 2)
    assert events.window_pairs(turns, read, settings) == whole
    assert len(asked) == 4 and all(stop - start <= 5 for start, stop in asked)
    across = events.window_pairs(turns, read, settings, across_only=True)
    assert across == [p for p in whole if turns[p[0]].ministry != turns[p[1]].ministry] and across != whole


def test_an_event_keeps_its_id_when_it_keeps_most_of_its_turns():
    old = {"2020-08-07-aaaaaa": {"a", "b", "c"}, "2020-09-03-bbbbbb": {"x", "y"}}
    new = [{"z", "a", "b", "c"}, {"x"}, {"y", "q"}]
    assert inherit_ids(new, old) == ["2020-08-07-aaaaaa", None, None]
    turn = EventTurn("0123456789abcdef", dt.date(2020, 8, 7), "EU", frozenset({"belarus"}))
    first = event_id([turn], set())
    assert first.startswith("2020-08-07-") and len(first) == len("2020-08-07-") + 6
    assert event_id([turn], {first}) != first


def test_pairwise_agreement_counts_only_the_pairs_the_gold_can_judge():
    from analysis.evaluate_events import pairwise

    eligible = {(0, 1), (0, 2), (1, 2), (2, 3)}
    gold = {(0, 1), (2, 3)}
    scores = pairwise([[0, 1, 2], [3, 4]], gold, eligible)  # (3, 4) is not eligible: not counted
    assert scores["pairs"] == 3 and scores["precision"] == pytest.approx(1 / 3) and scores["recall"] == 0.5
