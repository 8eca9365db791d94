"""Events: what several ministries said about the same actors within days, close in meaning.

A turn takes part when it is a ministry's own words (an answer or a statement; never a
journalist's question) and refers to actors, or answers a question that does: the
answer that leaves Guaidó unnamed belongs to the event about him. Its actors leave out
the ministry's own state ("China's position" is in every Chinese answer and links
nothing). Two turns are *linked* when they are at most `window_days` apart, share an
actor, and the cosine distance of their cached embeddings is below `max_distance`.

Clustering: scikit-learn's `AgglomerativeClustering`, complete linkage over a precomputed
distance matrix in which unlinked pairs are farther than any cosine distance. Complete
linkage joins two groups only when every pair across them is linked, so every two
turns of an event are within the window of each other, share an actor and are close in
meaning: an event cannot chain across weeks of the same topic the way single linkage
would, and the rule fits in a sentence. It has no random start and the turns are
ordered by (date, id), so the same turns give the same events. HDBSCAN (also in
scikit-learn) was the other candidate: it calls a group of three turns noise unless
`min_cluster_size` is 2, and its clusters follow density, not a bound a reader can check.

Only turns linked to another ministry's turn are clustered, and a cluster of one
ministry is not an event. Clusters never cross the connected components of the links,
so each component is clustered alone; `update_events` clusters again only the
components whose turns (or their actors, dates, texts) changed, and an event keeps its
id while its component changes under it, as long as it keeps most of its turns.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

FAR = 4.0  # farther than any cosine distance (at most 2): never in one event
WORD = re.compile(r"[A-Za-z][A-Za-z'-]+[A-Za-z]")


@dataclass(frozen=True)
class EventSettings:
    window_days: int = 7
    max_distance: float = 0.5
    min_ministries: int = 2
    label_actors: int = 3
    label_terms: int = 3

    @property
    def method(self) -> str:
        return (f"complete linkage (scikit-learn): every two turns within {self.window_days} days, sharing an actor, "
                f"cosine distance < {self.max_distance:g}; at least {self.min_ministries} ministries")


@dataclass(frozen=True)
class EventTurn:
    segment_id: str
    date: dt.date
    ministry: str
    actors: frozenset[str]
    text_sha256: str = ""

    def key(self) -> str:
        return json.dumps([self.segment_id, self.date.isoformat(), self.ministry, sorted(self.actors),
                           self.text_sha256])


@dataclass
class EventReport:
    events: int = 0
    turns: int = 0
    clustered: int = 0  # components clustered in this run
    unchanged: bool = False


# -- pure functions over turns and vectors ---------------------------------------------


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.where(norms == 0, 1.0, norms)


BLOCK = 2048  # turns whose links are found at once; their vectors and the window after them are in memory


def linked_pairs(turns: Sequence[EventTurn], vectors: np.ndarray, settings: EventSettings) -> list[tuple[int, int, float]]:
    """(i, j, cosine distance) of every linked pair, i < j; `turns` in date order, `vectors` unit rows.

    Distances are rounded to 1e-6 so that the last bits of a BLAS product never decide a link.
    """
    return window_pairs(turns, lambda start, stop: vectors[start:stop], settings)


def window_pairs(turns: Sequence[EventTurn], vectors_of: Callable[[int, int], np.ndarray],
                 settings: EventSettings, across_only: bool = False) -> list[tuple[int, int, float]]:
    """`linked_pairs` reading the vectors a block of turns at a time: `vectors_of(start, stop)` gives
    the unit rows of turns[start:stop], so memory holds one block and its window, never the archive.
    `across_only` keeps only pairs of two ministries."""
    days = np.array([turn.date.toordinal() for turn in turns])
    pairs = []
    for first in range(0, len(turns), BLOCK):
        last = min(first + BLOCK, len(turns))
        stop = int(np.searchsorted(days, days[last - 1] + settings.window_days, side="right"))
        vectors = vectors_of(first, stop)
        for i in range(first, last):
            end = int(np.searchsorted(days, days[i] + settings.window_days, side="right"))
            if end <= i + 1:
                continue
            distances = np.round(1.0 - vectors[i + 1 - first : end - first] @ vectors[i - first], 6)
            for k in np.flatnonzero(distances < settings.max_distance):
                j = i + 1 + int(k)
                if across_only and turns[i].ministry == turns[j].ministry:
                    continue
                if turns[i].actors & turns[j].actors:
                    pairs.append((i, j, float(distances[k])))
    return pairs


def components(turns: Sequence[EventTurn], pairs: Sequence[tuple[int, int, float]]) -> list[list[int]]:
    """Groups of turns joined by links, among the turns linked to another ministry's; by first turn."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    crossing = sorted({k for i, j, _ in pairs if turns[i].ministry != turns[j].ministry for k in (i, j)})
    if not crossing:
        return []
    position = {turn: n for n, turn in enumerate(crossing)}
    kept = [(position[i], position[j]) for i, j, _ in pairs if i in position and j in position]
    graph = coo_matrix(([1] * len(kept), ([i for i, _ in kept], [j for _, j in kept])),
                       shape=(len(crossing), len(crossing)))
    _, labels = connected_components(graph, directed=False)
    groups: dict[int, list[int]] = {}
    for n, label in enumerate(labels):
        groups.setdefault(int(label), []).append(crossing[n])
    return sorted(groups.values(), key=lambda members: members[0])


def cluster_component(members: Sequence[int], turns: Sequence[EventTurn],
                      pairs: dict[tuple[int, int], float], settings: EventSettings) -> list[list[int]]:
    """The events of one component: complete-linkage clusters with turns of enough ministries."""
    from sklearn.cluster import AgglomerativeClustering

    members = sorted(members, key=lambda n: (turns[n].date, turns[n].segment_id))
    size = len(members)
    if size < 2:
        return []
    distances = np.full((size, size), FAR)
    np.fill_diagonal(distances, 0.0)
    for a in range(size):
        for b in range(a + 1, size):
            key = (min(members[a], members[b]), max(members[a], members[b]))
            if key in pairs:
                distances[a, b] = distances[b, a] = pairs[key]
    labels = AgglomerativeClustering(n_clusters=None, metric="precomputed", linkage="complete",
                                     distance_threshold=settings.max_distance).fit_predict(distances)
    clusters: dict[int, list[int]] = {}
    for n, label in zip(members, labels):
        clusters.setdefault(int(label), []).append(n)
    found = [c for c in clusters.values() if len({turns[n].ministry for n in c}) >= settings.min_ministries]
    return sorted(found, key=lambda c: (turns[c[0]].date, turns[c[0]].segment_id))


def cohesion(cluster: Sequence[int], pairs: dict[tuple[int, int], float]) -> dict[int, float]:
    """Each turn's mean distance to the other turns of its event (the most central first when sorted)."""
    found = {}
    for n in cluster:
        others = [pairs[(min(n, m), max(n, m))] for m in cluster if m != n]
        found[n] = round(float(np.mean(others)), 6) if others else 0.0
    return found


def component_fingerprint(turns: Sequence[EventTurn], settings: EventSettings, model: str) -> str:
    payload = "\n".join([settings.method, model, *sorted(turn.key() for turn in turns)])
    return hashlib.sha256(payload.encode()).hexdigest()[:24]


# -- labels ----------------------------------------------------------------------------


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return ENGLISH_STOP_WORDS


def shared_actors(turns: Sequence[EventTurn]) -> list[str]:
    """The event's actors, those most ministries refer to first, then most turns, then by id."""
    ministries: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    for turn in turns:
        for actor in turn.actors:
            ministries.setdefault(actor, set()).add(turn.ministry)
            counts[actor] += 1
    return sorted(ministries, key=lambda a: (-len(ministries[a]), -counts[a], a))


def shared_terms(turns: Sequence[EventTurn], texts: dict[str, str], exclude: set[str], n: int) -> list[str]:
    """Words that most ministries of the event use (then most turns, then alphabetically), stop words aside."""
    stop = _stop_words()
    ministries: dict[str, set[str]] = {}
    counts: Counter[str] = Counter()
    for turn in turns:
        words = {w.lower() for w in WORD.findall(texts.get(turn.segment_id, ""))}
        for word in words - exclude:
            if word not in stop and not word.endswith("'s"):
                ministries.setdefault(word, set()).add(turn.ministry)
                counts[word] += 1
    ranked = sorted((w for w in ministries if len(ministries[w]) > 1),
                    key=lambda w: (-len(ministries[w]), -counts[w], w))
    return ranked[:n]


def label_of(actors: Sequence[str], terms: Sequence[str], names: dict[str, str], settings: EventSettings) -> str:
    shown = ", ".join(names.get(a, a) for a in actors[: settings.label_actors])
    return f"{shown}: {', '.join(terms)}" if terms else shown


def event_id(turns: Sequence[EventTurn], taken: set[str]) -> str:
    """A new event's id: its first day and a hash of its first turn, readable and independent of run order."""
    anchor = min(turns, key=lambda t: (t.date, t.segment_id))
    digest = hashlib.sha256(anchor.segment_id.encode()).hexdigest()
    for length in range(6, len(digest) + 1):
        found = f"{anchor.date.isoformat()}-{digest[:length]}"
        if found not in taken:
            return found
    raise ValueError(f"no free event id for {anchor.segment_id}")


def inherit_ids(new: Sequence[set[str]], old: dict[str, set[str]]) -> list[str | None]:
    """For each new event (its turns), the old event whose id it keeps: the one it shares most turns
    with, if that is more than half of the old event's; each old id at most once, largest overlaps first."""
    candidates = []
    for n, turns in enumerate(new):
        for old_id, old_turns in old.items():
            shared = len(turns & old_turns)
            if shared * 2 > len(old_turns):
                candidates.append((-shared, old_id, n))
    chosen: list[str | None] = [None] * len(new)
    used: set[str] = set()
    for _, old_id, n in sorted(candidates):
        if chosen[n] is None and old_id not in used:
            chosen[n] = old_id
            used.add(old_id)
    return chosen


# -- against the corpus ----------------------------------------------------------------


@dataclass
class _Plan:
    turns: list[EventTurn]
    vectors: np.ndarray
    pairs: dict[tuple[int, int], float] = field(default_factory=dict)


def event_turns(rows: Sequence[dict], speaker_state) -> list[EventTurn]:
    """Candidate rows as turns, each without its own ministry's state; turns left with no actor dropped."""
    turns = []
    for row in rows:
        own = speaker_state(row["country"])
        actors = frozenset(a for a in row["actors"] if a != own)
        if actors:
            turns.append(EventTurn(row["segment_id"], dt.date.fromisoformat(row["date"]), row["ministry"], actors,
                                   row["text_sha256"]))
    return turns


def update_events(corpus, registry, model: str, settings: EventSettings | None = None,
                  progress: bool = False) -> EventReport:
    """Bring the corpus' events up to date with its analysis; only changed components are clustered."""
    from corpus.analysis_store import CorpusVectorCache
    from corpus.event_store import (
        actor_names, event_candidates, event_ids, event_state, events_of_components, replace_events,
        stored_components, turn_texts,
    )

    settings = settings or EventSettings()
    turns = event_turns(event_candidates(corpus), registry.speaker)
    basis = f"{model}; registry {registry.version}"  # labels name actors: a renamed one relabels its events
    inputs = hashlib.sha256("\n".join([settings.method, basis, *(t.key() for t in turns)]).encode()).hexdigest()
    if event_state(corpus, "inputs") == inputs:
        return EventReport(events=len(event_ids(corpus)), unchanged=True)
    cache = CorpusVectorCache(corpus)
    embedded = cache.embedded(model, sorted({t.text_sha256 for t in turns}))
    turns = [t for t in turns if t.text_sha256 in embedded]  # not embedded yet: they join once they are

    def vectors_of(chosen: Sequence[EventTurn]) -> Callable[[int, int], np.ndarray]:
        def read(start: int, stop: int) -> np.ndarray:
            found = cache.get_vectors(model, sorted({t.text_sha256 for t in chosen[start:stop]}))
            return unit_rows(np.stack([found[t.text_sha256] for t in chosen[start:stop]]))
        return read

    # Two passes keep memory to the turns that can be in an event: first the turns linked to
    # another ministry's, then every link among those (complete linkage needs them all).
    across = window_pairs(turns, vectors_of(turns), settings, across_only=True)
    turns = [turns[n] for n in sorted({k for i, j, _ in across for k in (i, j)})]
    pairs = window_pairs(turns, vectors_of(turns), settings)
    by_pair = {(i, j): d for i, j, d in pairs}
    groups = components(turns, pairs)
    fingerprints = [component_fingerprint([turns[n] for n in g], settings, basis) for g in groups]
    stored = stored_components(corpus)
    changed = [(g, f) for g, f in zip(groups, fingerprints) if f not in stored]
    removed = sorted(stored - set(fingerprints))
    old = events_of_components(corpus, removed)
    taken = event_ids(corpus) - set(old)
    names = actor_names(corpus)
    bar = None
    if progress and changed:
        from corpus.progress import progress as progress_bar

        bar = progress_bar(len(changed), "grouping turns into events", "group")
    new_components, new_events = [], []
    for members, fingerprint in changed:
        clusters = cluster_component(members, turns, by_pair, settings)
        new_components.append({"component": fingerprint, "turns": len(members), "events": len(clusters)})
        texts = turn_texts(corpus, [turns[n].segment_id for c in clusters for n in c])
        for cluster in clusters:
            event_turns_ = [turns[n] for n in cluster]
            actors = shared_actors(event_turns_)
            exclude = {w.lower() for a in actors[: settings.label_actors] for w in WORD.findall(names.get(a, a))}
            terms = shared_terms(event_turns_, texts, exclude, settings.label_terms)
            distance = cohesion(cluster, by_pair)
            new_events.append({
                "label": label_of(actors, terms, names, settings), "actors": actors, "terms": terms,
                "first_date": min(t.date for t in event_turns_).isoformat(),
                "last_date": max(t.date for t in event_turns_).isoformat(),
                "ministries": sorted({t.ministry for t in event_turns_}),
                "component": fingerprint, "method": settings.method, "_turns": event_turns_,
                "turns": [{"segment_id": turns[n].segment_id, "ministry": turns[n].ministry,
                           "date": turns[n].date.isoformat(), "distance": distance[n]} for n in cluster],
            })
        if bar is not None:
            bar.update(1)
    if bar is not None:
        bar.close()
    kept = inherit_ids([{t["segment_id"] for t in e["turns"]} for e in new_events], old)
    taken |= {old_id for old_id in kept if old_id}
    for event, old_id in zip(new_events, kept):
        turns_of_event = event.pop("_turns")
        event["id"] = old_id or event_id(turns_of_event, taken)
        taken.add(event["id"])
    replace_events(corpus, removed, new_components, new_events, {"inputs": inputs})
    total = corpus.db.execute("SELECT count(*), coalesce(sum(turn_count), 0) FROM events").fetchone()
    return EventReport(events=total[0], turns=total[1], clustered=len(changed))
