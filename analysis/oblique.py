"""Oblique references: candidate phrases, and which actors in context they point at.

A candidate phrase is a non-identifying noun phrase of the grammar in
`analysis/data/oblique.yaml` ("a certain country", "those responsible", "our partners").
Whether it points at an actor is decided per (phrase, actor) pair among the actors in
context — the question's, and for statements and unprompted answers those of the same
text, page or briefing; and the sides of a state a phrase names ("all parties in
Venezuela") — by a linker:

- `RuleLinker`, the baseline: a phrase points at every context actor of a kind its
  category can describe, except that "all parties" does not point at a person the
  question merely quotes ("Pompeo said ...").
- `analysis.oblique_model.LinkerModel`, learned from the labelled `answer_forms`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .references import Form
from .registry import Actor
from .text import fold
from .yamlfile import load_yaml

OBLIQUE_FILE = Path(__file__).parent / "data" / "oblique.yaml"

_SPEECH = re.compile(
    r"^\W*(?:'s?\s+)?(?:\w+\s+){0,3}?(?:said|says|stated|told|claimed|announced|tweeted|wrote|"
    r"noted|added|remarked|commented|argued|warned|accused|urged|called|asked|expressed|blamed|criticized|"
    r"criticised|alleged|asserted|insisted|suggested|reiterated|demanded|described|slammed|pointed out)\b",
    re.I,
)


@dataclass(frozen=True)
class Category:
    name: str
    kinds: frozenset[str]
    pattern: re.Pattern


class PhraseGrammar:
    def __init__(self, path: str | Path = OBLIQUE_FILE):
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
        words = data.get("words") or {}
        self.categories = []
        for name, spec in data["categories"].items():
            # {name} stands for a word class of `words`; regex counts such as {0,3} stay as they are
            patterns = [re.sub(r"\{([a-z_]+)\}", lambda m: words[m.group(1)], p) for p in spec["patterns"]]
            self.categories.append(Category(name, frozenset(spec["kinds"]),
                                            re.compile("|".join(f"(?:{p})" for p in patterns), re.I)))
        self.kinds = {c.name: c.kinds for c in self.categories}
        self.descriptive = frozenset(w.lower() for w in data.get("descriptive_name_words") or ())

    def keywords(self, name: str) -> frozenset[str]:
        """The proper words of a group's name: "Parties to the Tigray conflict" -> {"Tigray"}. Of a
        hyphenated name the last part is the word texts use alone: "Nagorno-Karabakh" -> "Karabakh"."""
        words = (w.rsplit("-", 1)[-1] for w in re.findall(r"[A-Z][\w'-]{2,}", fold(name)))
        return frozenset(w for w in words if len(w) > 2 and w[0].isupper() and w.lower() not in self.descriptive)

    def phrases(self, text: str) -> list[Form]:
        """Candidate phrases, longest first where two overlap, in text order."""
        folded = fold(text)
        found = []
        for category in self.categories:
            for match in category.pattern.finditer(folded):
                start, end = match.span()
                while start < end and folded[start].isspace():
                    start += 1
                while end > start and folded[end - 1].isspace():
                    end -= 1
                if end > start and not _predicative(folded, start):
                    found.append(Form(text[start:end], start, end, "oblique", category=category.name))
        return leftmost_longest(found)


_COPULA = re.compile(r"\b(?:is|are|was|were|be|been|being|become|becomes|became)\s+$", re.I)
_AS_A = re.compile(r"\bas\s+$", re.I)


def _predicative(folded: str, start: int) -> bool:
    """A phrase that says what something is ("China is a country", "as a sovereign state")
    describes it and veils no one."""
    before = folded[max(0, start - 12) : start]
    return bool(_COPULA.search(before) or (_AS_A.search(before) and re.match(r"an?\s", folded[start:], re.I)))


def leftmost_longest(found: list[Form]) -> list[Form]:
    """Of phrases that overlap, the one that starts first, and of those the longest."""
    found = sorted(found, key=lambda f: (f.start, -(f.end - f.start)))
    kept: list[Form] = []
    for form in found:
        if kept and form.start < kept[-1].end:
            continue
        kept.append(form)
    return kept


@dataclass
class LinkCandidate:
    """An actor in context that the text leaves unnamed, and the phrases that might point at it."""

    actor: Actor
    phrases: list[Form]
    question: str
    text: str
    question_class: str  # how the question refers to it
    question_forms: list[Form] = field(default_factory=list)
    source: str = "question"  # question | text | briefing | related
    speaker_state: str | None = None
    anchor: str | None = None
    topic_state: str | None = None  # the state the question (else the text) is most about
    question_rank: float = 1.0  # 0 for the first actor the question names, 1 for the last
    # the states a phrase itself names ("some in Japan", "all parties in Venezuela"), by its span
    places: dict[tuple[int, int], frozenset[str]] = field(default_factory=dict)
    described: bool = False  # known by a description ("Western states"), not by a name of its own ("Uyghurs")
    veiled_as: str | None = None  # the one category that can veil it, when its name is such a phrase


_REPORTING = re.compile(
    r"^[^.;?!]{0,60}?\b(?:said|says|say|stated|states|told|tells|claimed|claims|announced|announces|tweeted|wrote|"
    r"noted|remarked|commented|argued|argues|warned|warns|accused|accuses|urged|urges|called|calls|asked|"
    r"expressed|blamed|criticized|criticised|alleged|asserted|insisted|suggested|reiterated|demanded|described|"
    r"slammed|pointed out|wants|proposed|proposes|stressed|emphasized|emphasised|believes|thinks|hopes|vowed|"
    r"threatened|threatens|condemned|denounced|rejected|dismissed)\b", re.I)
_ACCORDING = re.compile(r"(?:according to|quoted|quoting|remarks by|statement by|comments by)\s+(?:\w+\s+){0,3}$", re.I)


def is_reported_speaker(question: str, forms: list[Form]) -> bool:
    """True when the question reports the actor's words or views ("Moscow wants ...", "according to X")."""
    folded = fold(question)
    for form in forms:
        if _REPORTING.match(folded[form.end : form.end + 80]) or _ACCORDING.search(folded[max(0, form.start - 40) : form.start]):
            return True
    return False


def is_quoted(question: str, forms: list[Form]) -> bool:
    """True when the question reports what the actor said ("Pompeo said ...", "Lavrov's remarks")."""
    folded = fold(question)
    return any(_SPEECH.match(folded[form.end : form.end + 60]) for form in forms)


_LOCATED = ("parties", "persons", "bodies")
_COALITIONS = ("partners", "states", "community")
_FORUMS = ("partners", "community", "bodies")
_SINGULAR = re.compile(r"\b(?:party|side)$", re.I)


class RuleLinker:
    """The baseline, written from how diplomatic texts veil their targets, not learned:

    - a phrase points at the kinds its category can describe (analysis/data/oblique.yaml):
      "some countries" not at a person, "foreign interference" and "our partners" at states
      and bodies rather than individuals, "the international community" at a coalition only;
    - a person or state the question only reports ("Lavrov said ...", "Moscow wants ...")
      is a commentator, not one of "all parties";
    - a group or body comes into question only when the text ties it to the context;
    - "our partners", "some countries" and "the international community" veil a group only when
      it is a coalition known by a description ("Western states"), never a people or a named
      movement ("Uyghurs");
    - an international organisation (one of no state: the UN, the ICRC) is a forum, veiled as a
      partner, by the international community or as a body, never as a side;
    - the unknown doers of an act, a group named as such ("Perpetrators of the Navalny
      poisoning"), are veiled only as doers ("those responsible"), not as "all parties".
    """

    method = "oblique-rules"

    def __init__(self, grammar: PhraseGrammar):
        self.grammar = grammar

    def points_at(self, candidate: LinkCandidate, phrase: Form) -> bool:
        kind = candidate.actor.kind
        if kind not in self.grammar.kinds[phrase.category]:
            return False
        if candidate.veiled_as and phrase.category != candidate.veiled_as:
            return False  # "our partners" does not veil "Perpetrators of the Navalny poisoning"
        # a group that "our partners", "some countries" or "the international community" veils is a
        # coalition of states, known by a description ("Western states", "the regime's allies"), never a
        # people or a movement with a name
        if kind == "group" and phrase.category in _COALITIONS and not candidate.described:
            return False
        # an international organisation (one of no state: the UN, the OPCW, the ICRC) is a forum or an
        # arbiter, not a side: "our partners", "the international community" or "some media" may veil
        # it, "all parties", "those responsible" or "foreign interference" do not
        if kind == "organization" and candidate.anchor is None and phrase.category not in _FORUMS:
            return False
        place = candidate.places.get((phrase.start, phrase.end))
        if place and phrase.category in _LOCATED and candidate.anchor not in place:
            return False  # "some in Japan" are Japanese, "all parties in Venezuela" Venezuelan
        if phrase.category == "forces" and candidate.anchor is not None and candidate.anchor == candidate.speaker_state:
            return False
        # "all parties" gathers the sides of a matter, not whoever the question quotes on it;
        # "a third party", "the relevant party" veils one actor, and the quoted one is the likeliest
        if phrase.category in ("parties", "community") and not _SINGULAR.search(phrase.text) and (
            candidate.question_forms and self.is_reported_speaker(candidate.question, candidate.question_forms)
        ):
            return False
        return True

    def is_reported_speaker(self, question: str, forms: list[Form]) -> bool:
        return is_reported_speaker(question, forms)

    def link(self, candidates: list[LinkCandidate]) -> list[tuple[list[Form], float]]:
        results = []
        for candidate in candidates:
            forms = [f for f in candidate.phrases if self.points_at(candidate, f)]
            results.append((forms, 1.0 if forms else 0.0))
        return results
