"""The one reading of a turn: how it refers to every actor, named / role / oblique / absent.

`Reader.read` is what `communique analyze` runs on every segment and what `communique
evaluate` scores: an answer with its question, a statement or an unprompted answer with
the actors of its briefing. The steps:

1. Names (`analysis.references`): a name, short form, demonym or metonym names its actor.
2. Descriptors: composed ones ("the Venezuelan government" -> the government of
   Venezuela; "the US Secretary of State" -> whoever held the office that day) refer
   wherever they stand; bare and listed ones ("the government", "the opposition leader")
   only to an actor the context is already about — the question's actors, the text's
   own named actors, the briefing's, and the actors that belong to them (a state's
   government and office-holders, a group named after an actor in context).
3. Oblique phrases (`analysis.oblique`): for each actor in context that is still
   unnamed, a linker decides which non-identifying phrases point at it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from functools import cached_property, lru_cache
from pathlib import Path

from .oblique import LinkCandidate, PhraseGrammar, RuleLinker
from .references import STRENGTH, Form, Matcher, Reference, Titles
from .registry import Actor, Registry
from .roles import Descriptor
from .text import fold, sentences


READING_MODULES = ("reading.py", "references.py", "roles.py", "oblique.py", "registry.py", "countries.py", "text.py")
READING_DATA = ("roles.yaml", "oblique.yaml", "lexicon.yaml", "states.yaml")


@dataclass(frozen=True)
class Turn:
    """What the reader needs of a segment."""

    text: str
    question: str | None = None
    date: str | None = None  # ISO date of the briefing, for office-holders
    speaker_state: str | None = None  # the actor id of the state whose ministry speaks
    context: tuple[str, ...] = ()  # actor ids of the briefing, for statements and unprompted answers
    # for a statement of a page without questions (a press statement in paragraphs, the excerpts a
    # report quotes from one text), the page's other statements: what they name is its context too
    page: str = ""


@dataclass
class Reading:
    question: dict[str, Reference]
    answer: dict[str, Reference]
    phrases: list[Form] = field(default_factory=list)

    def answer_class(self, actor_id: str) -> str:
        ref = self.answer.get(actor_id)
        return ref.cls if ref else "absent"

    def question_class(self, actor_id: str) -> str:
        ref = self.question.get(actor_id)
        return ref.cls if ref else "absent"

    def answer_reference(self, actor_id: str) -> Reference:
        return self.answer.get(actor_id) or Reference(actor_id, "absent")

    def question_reference(self, actor_id: str) -> Reference:
        return self.question.get(actor_id) or Reference(actor_id, "absent")

    def avoided(self) -> list[str]:
        """Actors the question names and the answer does not."""
        return [a for a, ref in self.question.items() if ref.cls == "named" and self.answer_class(a) != "named"]


@dataclass
class _Found:
    """Forms per actor while a text is read, strongest class kept."""

    forms: dict[str, list[Form]] = field(default_factory=dict)

    def add(self, actor_id: str, form: Form) -> None:
        if form not in self.forms.setdefault(actor_id, []):
            self.forms[actor_id].append(form)

    def references(self) -> dict[str, Reference]:
        out = {}
        for actor_id, forms in self.forms.items():
            best = max(STRENGTH[f.cls] for f in forms)
            chosen = sorted((f for f in forms if STRENGTH[f.cls] == best), key=lambda f: f.start)
            out[actor_id] = Reference(actor_id, chosen[0].cls, chosen, method=_method(chosen))
        return out

    def cls(self, actor_id: str) -> str:
        forms = self.forms.get(actor_id)
        return max((f.cls for f in forms), key=STRENGTH.__getitem__) if forms else "absent"


def _method(forms: list[Form]) -> str:
    categories = {f.category for f in forms if f.cls == "role"}
    if not categories:
        return "lexical"
    return "role-" + "+".join(sorted(c or "listed" for c in categories))


_ACCREDITED_TO = re.compile(r"\s+(?:to|in|at)\s+(?:the\s+)?", re.I)
_ACCREDITED_ELSEWHERE = re.compile(r"\s+(?:to|in|at)\s+(?:the\s+)?[A-Z]")
_PAST_HOLDER = re.compile(r"\b(?:former|then|ex|late)(?:\s+|-)$|\b(?:former|then)\s", re.I)
_THE_COUNTRYS = re.compile(r"(?:the|that|this)\s+country(?:'|’)s\s", re.I)
_EXECUTIVE = ("head_of_state", "head_of_government")
_VOICES = (*_EXECUTIVE, "foreign_minister", "spokesperson")  # the office-holders a ministry speaks for
# the sides of a state's own matter, which "all parties in Venezuela" gathers: its government,
# opposition and armed forces and the people who lead them that day (not every group of the state:
# its peoples and gangs are no parties, so a movement is one only when the context raises it)
_SIDES = ("government", "opposition", "military")
_SIDE_LEADERS = (*_EXECUTIVE, "opposition_leader", "claimant")
# "all parties" of a matter may be states or anyone; "the warring parties", "the parties to the
# conflict" are the sides of a fight, within the one state a turn speaks of
_IN_CONFLICT = re.compile(r"\b(?:warring|conflicting|contending|fighting|conflict|hostilities|civil war)\b", re.I)
# "I'd refer you to the military": a spokesperson sends the journalist to a body of its own state
_REFERRED_TO = re.compile(r"\brefer\s+(?:you\s+|your\s+questions?\s+|the\s+questions?\s+|it\s+|this\s+|that\s+)?to\s+$", re.I)


@lru_cache(maxsize=None)
def _title_pattern(words: tuple[str, ...]) -> re.Pattern:
    """Any of a head's title words as a whole word, compiled once per head."""
    return re.compile("|".join(rf"\b{re.escape(w)}\b" for w in words), re.I)


class Reader:
    def __init__(self, registry: Registry, linker=None, grammar: PhraseGrammar | None = None,
                 matcher: Matcher | None = None):
        self.registry = registry
        self.matcher = matcher or Matcher(registry, Titles())
        self.roles = registry.grammar
        self.phrases = grammar or PhraseGrammar()
        self.linker = linker or RuleLinker(self.phrases)

    @cached_property
    def version(self) -> str:
        """What the reading depends on: the registry, the rules and vocabularies, and the linker.

        The source of the reading's modules and its data files are hashed with the registry,
        so a change to any of them makes `analyze` read again and marks a stance model
        trained on the old reading as stale."""
        here = Path(__file__).parent
        parts = [self.registry.version, getattr(self.linker, "version", self.linker.method)]
        for path in sorted([*(here / name for name in READING_MODULES), *(here / "data" / n for n in READING_DATA)]):
            parts.append(hashlib.sha256(path.read_bytes()).hexdigest())
        return hashlib.sha256("/".join(parts).encode()).hexdigest()[:16]

    # -- public ---------------------------------------------------------------------

    def read(self, turn: Turn) -> Reading:
        return self.read_many([turn])[0]

    def read_many(self, turns: list[Turn], prepared: list | None = None) -> list[Reading]:
        """Readings of many turns; the linker decides on all their oblique candidates at once."""
        prepared = prepared if prepared is not None else [self.prepare(turn) for turn in turns]
        candidates = [c for _, batch in prepared for c in batch]
        decisions = iter(self.linker.link(candidates) if candidates else [])
        readings = []
        for prepared_reading, batch in prepared:
            reading = Reading(dict(prepared_reading.question), dict(prepared_reading.answer), prepared_reading.phrases)
            for candidate in batch:
                forms, score = next(decisions)
                if forms:
                    reading.answer[candidate.actor.id] = Reference(
                        candidate.actor.id, "oblique", forms, method=self.linker.method, score=score)
            readings.append(reading)
        return readings

    def prepare(self, turn: Turn) -> tuple[Reading, list[LinkCandidate]]:
        """Names and descriptors of the question and the text, and the oblique decisions to make."""
        if turn.page and not turn.question:
            turn = replace(turn, context=tuple(sorted(set(turn.context) | self.mentions_in(turn.page))))
        question = turn.question or ""
        q_found, _ = self._read_text(question, turn, context=set())
        q_refs = q_found.references()
        context = set(q_refs) | set(turn.context)
        a_found, a_named = self._read_text(turn.text, turn, context=context, question_states=self._states_in(q_found))
        phrases = self.phrases.phrases(turn.text)
        candidates = self._candidates(turn, q_refs, a_found, a_named, phrases) if phrases else []
        return Reading(q_refs, a_found.references(), phrases), candidates

    def mentions_in(self, text: str) -> frozenset[str]:
        """Actors a text names (used for names of actors, "Perpetrators of the Khashoggi killing")."""
        return frozenset(self.matcher.names(text))

    # -- names and descriptors ------------------------------------------------------

    def _read_text(self, text: str, turn: Turn, context: set[str], question_states: list[str] = ()):
        found = _Found()
        if not text:
            return found, set()
        names = self._disambiguate(self.matcher.names(text), turn, context)
        for actor_id, forms in names.items():
            for form in forms:
                found.add(actor_id, form)
        named = set(names)
        here = context | named
        related = self._related(here)
        descriptors = self.roles.descriptors(text)
        named_at = sorted((f.start, a) for a, forms in names.items() for f in forms)
        text_states = [(start, a) for start, a in named_at if self.registry.actors[a].kind == "state"]
        # a head inside a body's or a person's name describes that one ("the US Senate" is the
        # Senate, not the whole Congress), and the name already says so
        name_spans = [(f.start, f.end) for a, forms in names.items() if self.registry.actors[a].kind != "state" for f in forms]
        for descriptor in descriptors:
            head_start, head_end = descriptor.head_span or (descriptor.start, descriptor.end)
            if any(start <= head_start and head_end <= end for start, end in name_spans):
                continue
            self._resolve(descriptor, turn, here, related, found, text_states, question_states, text, named_at)
        for listed in self.matcher.listed_roles(text):
            # a bare head ("the government") a scholar listed needs its actor in context; other
            # descriptors of people also fit the people of a state in context
            if listed.identifying or listed.actor in here or (
                listed.actor in related and not self.roles.is_bare(listed.form.text)
            ):
                found.add(listed.actor, listed.form)
        return found, named

    def _resolve(self, descriptor: Descriptor, turn: Turn, context: set[str], related: set[str], found: _Found,
                 text_states: list[tuple[int, str]], question_states: list[str], text: str,
                 named_at: list[tuple[int, str]]) -> None:
        registry = self.registry
        form = Form(descriptor.text, descriptor.start, descriptor.end, "role",
                    category="composed" if descriptor.state else "generic")
        state = descriptor.state
        if state is None:
            lead = f"{descriptor.determiner} " if descriptor.determiner else descriptor.text
            determiner = lead.split()[0].lower()
            if determiner in ("his", "her", "your"):
                return  # a person's or the journalist's own: nothing the context settles
            own_ministry = determiner == "the" and all(t.name == "foreign_ministry" for t in descriptor.targets)
            referred = determiner == "the" and _REFERRED_TO.search(text[max(0, descriptor.start - 40) : descriptor.start])
            if determiner == "our" or ((own_ministry or referred) and turn.speaker_state):
                # "our government"; "the Foreign Ministry" is the speaking one, asked ("Does the
                # Foreign Ministry have any comment?") or speaking of itself; and the body a
                # spokesperson refers questions to is its own state's
                state = turn.speaker_state
            else:
                # A bare head refers within the text's topic: the nearest state named before
                # it, else the first the text names, else the question's first state other
                # than the speaker's.
                ordered = [a for _, a in sorted(text_states)]
                before = [a for start, a in sorted(text_states) if start < descriptor.start]
                asked = [s for s in question_states if s != turn.speaker_state]
                the_countrys = bool(_THE_COUNTRYS.match(lead))
                if the_countrys or any(t.kind == "institution" and t.name == "opposition" for t in descriptor.targets):
                    # a ministry's own state is "our country", and its "the opposition",
                    # "protesters" are another country's
                    before = [a for a in before if a != turn.speaker_state]
                    ordered = [a for a in ordered if a != turn.speaker_state]
                if the_countrys:
                    # "the country's secretary of state" names its state as plainly as "the US
                    # secretary of state" once the text has named it
                    if not before:
                        return
                    state = before[-1]
                    descriptor = replace(descriptor, state=state)
                    form = replace(form, category="composed")
                else:
                    state = before[-1] if before else (ordered[0] if ordered else (asked[0] if asked else None))
        for target in descriptor.targets:
            if target.kind == "institution":
                institution = registry.institutions.get((state, target.name)) if state else None
                if institution is not None and (descriptor.state or institution.id in context or state in context):
                    found.add(institution.id, form)
                if descriptor.state is None and target.name == "government" and state in context:
                    found.add(state, form)  # "the regime" describes the state it governs
                spec = self.roles.institutions[target.name]
                for office in spec.leaders if self.roles.leads(descriptor.head, target.name) else ():
                    people = self._holders(state, office, turn.date, context, related)
                    if descriptor.state is None:  # a bare head also fits whoever in context holds the office
                        people = people + self._holders(None, office, turn.date, context, set())
                    for person in people:
                        if person.id in context:
                            found.add(person.id, form)
                # a listed institution actor in context ("the ruling party" of a user's file)
                for actor_id in context | related:
                    actor = registry.get(actor_id)
                    if actor is not None and actor.institution == target.name and (state is None or actor.state == state):
                        if descriptor.state or actor_id in context:
                            found.add(actor.id, form)
            elif target.kind == "office":
                just_before = text[max(0, descriptor.start - 10) : descriptor.start]
                if _PAST_HOLDER.search(just_before) or _PAST_HOLDER.search(descriptor.text):
                    continue  # "former US ambassador to China J. Stapleton Roy": not whoever holds it now
                holders = self._holders(state, target.name, turn.date, context, related)
                titled = self._titled(state, descriptor.head, turn.date) if target.name in _EXECUTIVE else []
                if titled:
                    first = next(t.name for t in descriptor.targets if t.kind == "office" and t.name in _EXECUTIVE)
                    if target.name != first:
                        continue  # the titled holders are found once, whichever office they hold
                    holders = titled
                if not holders and descriptor.state is None and turn.speaker_state:
                    # "the president" in a ministry's own statement: its own state's
                    holders = self.registry.holders(turn.speaker_state, target.name, turn.date)
                if state is not None:
                    holders = self._accredited(holders, target.name, state, descriptor, turn, text, named_at)
                for person in holders:
                    if descriptor.state and turn.date:
                        found.add(person.id, form)
                    elif person.id in context:
                        found.add(person.id, form)
                    elif state is not None and state == turn.speaker_state and turn.date:
                        # a ministry's own "the president": its own office-holders are always in its context
                        found.add(person.id, form)

    def _accredited(self, holders: list[Actor], office: str, state: str, descriptor: Descriptor, turn: Turn, text: str,
                    named_at: list[tuple[int, str]]) -> list[Actor]:
        """Of a state's many ambassadors, the one the text speaks of.

        "The Chinese ambassador to the ROK" is the one accredited there; without "to", the one
        accredited to a state or body the same sentence names ("the UK summoned the Chinese
        ambassador"), else to the speaking ministry's state (a US statement's "the
        Chinese ambassador" is the one in Washington). None of them when nothing settles it.
        """
        def host(held) -> str:
            actor = self.registry.get(held.host)
            return actor.id if actor else held.host

        hosts = {person.id: {host(o) for o in person.offices_on(turn.date) if o.office == office and o.host}
                 for person in holders}
        if not any(hosts.values()):
            return holders
        after = next(((start, a) for start, a in named_at if start >= descriptor.end), None)
        if after is not None and _ACCREDITED_TO.fullmatch(text, descriptor.end, after[0]):
            wanted = [after[1]]
        elif _ACCREDITED_ELSEWHERE.match(text, descriptor.end):
            return []  # "the Chinese Ambassador to Tajikstan": a post the registry does not know
        else:
            start, end = next(((s, e) for s, e in sentences(text) if s <= descriptor.start < e), (0, len(text)))
            wanted = [a for at, a in named_at if start <= at < end and a != state]
            if turn.speaker_state and turn.speaker_state != state:
                wanted.append(turn.speaker_state)
        for place in dict.fromkeys(wanted):
            chosen = [person for person in holders if place in hosts[person.id]]
            if chosen:
                return chosen
        return []

    def _titled(self, state: str | None, head: str, day: str | None) -> list[Actor]:
        """The state's head of state or of government whose title that day is the head's word:
        Iran's "president" heads its government, its "leader" is the head of state; where no
        title says ("the Chinese leader"), the office decides."""
        words = self.roles.title_words(head)
        if state is None or not day or not words:
            return []
        word = _title_pattern(tuple(words))
        return list(dict.fromkeys(
            actor for office in _EXECUTIVE for actor, held in self.registry.office_holders.get((state, office), [])
            if held.held_on(day) and held.title and word.search(held.title)))

    def _holders(self, state: str | None, office: str, day: str | None, context: set[str], related: set[str]) -> list[Actor]:
        if state is not None:
            return self.registry.holders(state, office, day)
        # a bare office: its holders among the actors in context
        out = []
        for actor_id in context | related:
            actor = self.registry.get(actor_id)
            if actor is not None and any(o.office == office or o.claims == office for o in actor.offices_on(day)):
                out.append(actor)
        return out

    def _states_in(self, found: _Found) -> list[str]:
        firsts = []
        for actor_id, forms in found.forms.items():
            actor = self.registry.get(actor_id)
            if actor is not None and actor.kind == "state" and any(f.cls == "named" for f in forms):
                firsts.append((min(f.start for f in forms), actor_id))
        return [a for _, a in sorted(firsts)]

    def _disambiguate(self, names: dict[str, list[Form]], turn: Turn, context: set[str]) -> dict[str, list[Form]]:
        """One owner for a name several actors share ("Kim", "Rajapaksa", "Montenegro").

        A person keeps a shared name when the context is about them: they are in context,
        or named in full in the same text. Among people alone, one of their state in context
        or in office that day is next best; a name none of these settles names no one.
        """
        owners: dict[tuple[int, int], list[str]] = {}
        for actor_id, forms in names.items():
            for form in forms:
                owners.setdefault((form.start, form.end), []).append(actor_id)
        shared = {span: ids for span, ids in owners.items() if len(ids) > 1}
        if not shared:
            return names
        spans = {a: {(f.start, f.end) for f in forms} for a, forms in names.items()}
        drop: set[tuple[str, tuple[int, int]]] = set()
        context_states = {self.registry.anchor(self.registry.actors[a]) for a in context if a in self.registry.actors}
        for span, ids in shared.items():
            people = [a for a in ids if self.registry.actors[a].kind == "person"]
            if not people:
                # states or bodies sharing a name ("Congolese"): those otherwise named here win
                supported = [a for a in ids if a in context or spans[a] - set(shared)]
                if supported:
                    drop.update((a, span) for a in ids if a not in supported)
                continue
            def score(actor_id: str) -> int:
                actor = self.registry.actors[actor_id]
                supported = actor_id in context or bool(spans[actor_id] - set(shared))
                return 4 * supported + 2 * (actor.state in context_states) + bool(actor.offices_on(turn.date))
            scores = {a: score(a) for a in people}
            others = [a for a in ids if a not in people]
            if others:
                keep = {a for a in people if scores[a] >= 4}
            else:
                best = max(scores.values())
                winners = [a for a, v in scores.items() if v == best]
                keep = set(winners) if best > 0 and len(winners) == 1 else set()
            drop.update((a, span) for a in people if a not in keep)
        out = {}
        for actor_id, forms in names.items():
            kept = [f for f in forms if (actor_id, (f.start, f.end)) not in drop]
            if kept:
                out[actor_id] = kept
        return out

    @cached_property
    def _belonging(self) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
        """state -> the people and bodies of that state; actor -> the groups named after it."""
        by_state: dict[str, list[str]] = {}
        by_name: dict[str, list[str]] = {}
        for actor in self.registry:
            if actor.generated or actor.kind == "state":
                continue
            if actor.state:
                by_state.setdefault(actor.state, []).append(actor.id)
            # groups known by a description that names an actor ("Backers of the Syrian
            # government (Russia, Iran)"), not bodies whose proper name holds one
            if actor.kind in ("group", "organization") and self.matcher.describes_by_name(actor):
                for mentioned in self.matcher.names_within(actor.name) - {actor.id}:
                    by_name.setdefault(mentioned, []).append(actor.id)
        return by_state, by_name

    @cached_property
    def _keywords(self) -> dict[str, frozenset[str]]:
        """The groups and bodies known by a description, with the proper words of their names."""
        out: dict[str, frozenset[str]] = {}
        for actor in self.registry:
            # only groups known by a description ("Parties to the Tigray conflict"): a body
            # with a proper name ("Reporters Without Borders") is in a text when it is named
            if actor.kind in ("group", "organization") and not actor.generated and self.matcher.describes_by_name(actor):
                words = self.phrases.keywords(actor.name)
                if words:
                    out[actor.id] = words
        return out

    def _by_keyword(self, *texts: str) -> set[str]:
        """Groups whose every proper word the texts use: "Korean Peninsula" alone does not
        bring in al-Qaeda in the Arabian Peninsula."""
        words = set()
        for text in texts:
            words.update(w.rsplit("-", 1)[-1] for w in re.findall(r"[A-Z][\w'-]{2,}", fold(text or "")))
        return {actor_id for actor_id, needed in self._keywords.items() if needed <= words}

    def _related(self, context: set[str], by_state: bool = True) -> set[str]:
        """Actors that belong to the context: groups named after it, and (`by_state`) the
        people and bodies of its states."""
        if not context:
            return set()
        of_state, by_name = self._belonging
        related: set[str] = set()
        for actor_id in context:
            actor = self.registry.get(actor_id)
            if actor is None:
                continue
            state = self.registry.anchor(actor)
            if state and by_state:
                related.update(of_state.get(state, ()))
            related.update(by_name.get(actor.id, ()))
        return related - context

    # -- oblique --------------------------------------------------------------------

    def _candidates(self, turn: Turn, q_refs: dict[str, Reference], a_found: _Found, a_named: set[str],
                    phrases: list[Form]) -> list[LinkCandidate]:
        sources = {a: "question" for a in q_refs}
        for a in turn.context:
            sources.setdefault(a, "briefing")
        if not turn.question:
            for a in a_named:
                sources.setdefault(a, "text")
        # People are candidates only when the context raised them, or a phrase names their state
        # ("all parties in Venezuela": its sides, `_sides`). A group or body named
        # after an actor in context, or after a word of the text ("Parties to the Tigray
        # conflict"), is one too; a state's other bodies are not, or every US agency would
        # be a candidate whenever the US is.
        for a in sorted(self._related(set(sources) | a_named, by_state=False) | self._by_keyword(turn.text, turn.question)):
            if self.registry.actors[a].kind in ("group", "organization"):
                sources.setdefault(a, "related")
        topic = self._topic_state(q_refs or a_found.references(), turn.speaker_state)
        firsts = sorted((min(f.start for f in ref.forms), a) for a, ref in q_refs.items() if ref.forms)
        rank = {a: n / max(len(firsts) - 1, 1) for n, (_, a) in enumerate(firsts)}
        places = {}
        # the one foreign state the turn speaks of: "the parties to the conflict" are its sides
        spoken_of = {self.registry.anchor(self.registry.actors[a]) for a in set(q_refs) | a_named
                     if self.registry.actors[a].kind == "state"} - {None, turn.speaker_state}
        for phrase in phrases:
            named = {self.registry.anchor(self.registry.actors[a]) for a in self.matcher.names(phrase.text)}
            if named - {None}:
                places[(phrase.start, phrase.end)] = frozenset(named - {None})
            if phrase.category != "parties":
                continue
            sides_of = named - {None, turn.speaker_state}
            if not sides_of and len(spoken_of) == 1 and _IN_CONFLICT.search(phrase.text):
                sides_of = spoken_of
            for state in sides_of:
                for a in self._sides(state, turn.date):
                    sources.setdefault(a, "related")
        speaking = self._speaking(turn)
        candidates = []
        for actor_id, source in sources.items():
            if a_found.cls(actor_id) != "absent" or actor_id in speaking:
                continue
            actor = self.registry.get(actor_id)
            if actor is None:
                continue
            q_ref = q_refs.get(actor_id)
            candidates.append(LinkCandidate(
                actor, phrases, turn.question or "", turn.text, q_ref.cls if q_ref else "absent",
                q_ref.forms if q_ref else [], source, turn.speaker_state, self.registry.anchor(actor), topic,
                rank.get(actor_id, 1.0), places, self.matcher.describes_by_name(actor), self._veiled_as.get(actor_id)))
        return candidates

    @cached_property
    def _veiled_as(self) -> dict[str, str]:
        """The unknown doers of an act, groups whose very name is a doers' phrase ("Perpetrators of the
        Navalny poisoning"), are veiled only as doers ("those responsible"), never as "our partners".
        Names are English: the English grammar reads them, whatever the text's language."""
        grammar = PhraseGrammar()
        return {actor.id: "perpetrators" for actor in self.registry
                if actor.kind == "group" and not actor.generated and self.matcher.describes_by_name(actor)
                and any(f.category == "perpetrators" for f in grammar.phrases(actor.name))}

    def _sides(self, state: str, day: str | None) -> list[str]:
        """The actors "all parties in <state>" can veil: the state's government, opposition and
        armed forces, and their leaders on the day."""
        sides = [body.id for name in _SIDES if (body := self.registry.institutions.get((state, name))) is not None]
        for office in _SIDE_LEADERS if day else ():
            sides += [p.id for p in self.registry.holders(state, office, day)]
        return sides

    def _speaking(self, turn: Turn) -> set[str]:
        """Who speaks in a ministry's text: its state, government, ministry and armed forces, its
        spokespeople and the leaders and minister it speaks for. A ministry does not veil its own side: the
        question's Xi and Trump are "the two sides" of their call, and only Trump is one the
        answer leaves unnamed (a briefing's title puts its spokesperson in context too)."""
        state = turn.speaker_state
        if not state:
            return set()
        # and the places it counts as its own: China's texts never veil Hong Kong or Taiwan as "other countries"
        voices = {state, *(place for place, claimants in self.registry.claims.items() if state in claimants)}
        for office in _VOICES if turn.date else ():
            voices.update(p.id for p in self.registry.holders(state, office, turn.date))
        for institution in ("government", "foreign_ministry", "military"):
            body = self.registry.institutions.get((state, institution))
            if body is not None:
                voices.add(body.id)
        return voices

    def _topic_state(self, references: dict[str, Reference], speaker: str | None) -> str | None:
        """The state other than the speaker's that most references belong to."""
        weight: dict[str, int] = {}
        for actor_id, reference in references.items():
            actor = self.registry.get(actor_id)
            state = self.registry.anchor(actor) if actor is not None else None
            if state and state != speaker:
                weight[state] = weight.get(state, 0) + len(reference.forms)
        return max(sorted(weight), key=weight.get) if weight else None


