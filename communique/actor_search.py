"""Finding actors by any of their names, and the closest ids to one that does not exist.

Pure functions over the rows of the corpus' actors table (`corpus.queries.actors`:
id, name, aliases, roles and reference counts), so that the actors page and the exports'
"did you mean" agree. Matching folds case and diacritics: "guaido" finds Guaidó.
"""

from __future__ import annotations

import difflib
import unicodedata


def fold(text: str) -> str:
    """Lower case without diacritics, underscores as spaces: what a reader types."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.replace("_", " ").casefold().split())


def _names(actor: dict) -> list[tuple[str, str]]:
    """(which, text) of every name an actor is known by, the id first."""
    return ([("id", actor["id"]), ("name", actor["name"])] + [("alias", a) for a in actor.get("aliases", [])]
            + [("role", r) for r in actor.get("roles", [])])


def find_actors(actors: list[dict], query: str) -> list[dict]:
    """The actors whose id, name, alias or role phrase contains the query, best first.

    Exact matches come before prefixes, prefixes before inner matches, names before role
    phrases; then the most referred to. Each result gains `matched` (which name, and how).
    """
    wanted = fold(query)
    if not wanted:
        return list(actors)
    found = []
    for actor in actors:
        best = None
        for which, text in _names(actor):
            folded = fold(text)
            if wanted not in folded:
                continue
            rank = (0 if folded == wanted else 1 if folded.startswith(wanted) else 2) + (3 if which == "role" else 0)
            if best is None or rank < best[0]:
                best = (rank, which, text)
        if best:
            found.append((best[0], -actor.get("answers", 0), actor["id"], {**actor, "matched": (best[1], best[2])}))
    return [item[-1] for item in sorted(found, key=lambda item: item[:3])]


def closest_ids(actors: list[dict], unknown: str, n: int = 5) -> list[str]:
    """The ids a mistyped or half-remembered actor id most likely meant.

    First the actors whose names contain it as a word ("xinjiang" -> xinjiang_government),
    then names that are spelt alike (difflib), most referred-to first within each.
    """
    wanted = fold(unknown)
    if not wanted:
        return []
    by_id = {actor["id"]: actor for actor in actors}
    containing = [a for a in find_actors(actors, unknown) if a["matched"][0] != "role"]
    chosen = [a["id"] for a in containing]
    spellings: dict[str, set[str]] = {}
    for actor in actors:
        for which, text in _names(actor):
            if which != "role":
                spellings.setdefault(fold(text), set()).add(actor["id"])
    alike = []
    for spelling in difflib.get_close_matches(wanted, list(spellings), n=n * 2, cutoff=0.75):
        for actor_id in sorted(spellings[spelling], key=lambda i: -by_id[i].get("answers", 0)):
            if actor_id not in chosen and actor_id not in alike:
                alike.append(actor_id)
    return (chosen + alike)[:n]


def did_you_mean(actors: list[dict], unknown: str) -> str:
    """'did you mean a (Name), b (Name)?' or '' when nothing is close."""
    by_id = {actor["id"]: actor for actor in actors}
    ids = closest_ids(actors, unknown)
    if not ids:
        return ""
    return "did you mean " + ", ".join(f"{i} ({by_id[i]['name']})" for i in ids) + "?"
