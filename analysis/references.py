"""Names and listed descriptors of actors in a text, with their exact offsets.

Pure functions over text and the registry. Every actor's names are compiled into one
pattern, matched once per text, leftmost-longest, so "Latin America" is not a mention of
America while "Maduro" inside "the Maduro regime" still names him. Descriptors an actor's
entry lists ("the opposition leader", "peaceful protesters") are matched the same way;
whether such a descriptor refers to the actor in a given text is the reader's decision
(`analysis.reading`), as is everything composed from a state and an institution.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from functools import cached_property
from pathlib import Path

from .registry import Actor, Registry
from .text import alternation, fold
from .yamlfile import load_yaml

CLASSES = ("named", "role", "oblique", "absent")
STRENGTH = {name: rank for rank, name in enumerate(reversed(CLASSES))}  # absent 0 .. named 3
DEFAULT_LEXICON = Path(__file__).parent / "data" / "lexicon.yaml"


@dataclass(frozen=True)
class Form:
    """One reference in a text: the exact words, where they are, and the title used with a name."""

    text: str
    start: int
    end: int
    cls: str
    title: str | None = None
    category: str | None = None  # oblique phrases: their category; roles: how they were found


@dataclass
class Reference:
    actor: str
    cls: str
    forms: list[Form] = field(default_factory=list)
    method: str = "lexical"
    score: float | None = None

    @property
    def title(self) -> str | None:
        return next((form.title for form in self.forms if form.title), None)


def strongest(*classes: str) -> str:
    return max(classes, key=STRENGTH.__getitem__)


class Titles:
    """Words that stand with a name and say how the speaker regards its bearer."""

    def __init__(self, path: str | Path = DEFAULT_LEXICON):
        titles = load_yaml(Path(path).read_text(encoding="utf-8"))["titles"]
        before = "|".join(sorted(titles["before"], key=len, reverse=True))
        # "Secretary of Treasury", "Special Representative for North Korea": a title and what it is of
        of = r"(?-i:\s+(?:of|for)\s+(?:the\s+)?[A-Z][\w'-]*(?:\s+(?:and\s+)?[A-Z][\w'-]*)*)?"
        self.before = re.compile(rf"(?<!\w)((?:(?:{before}){of}\s*[\"']?\s*)+)$", re.I)
        after = "|".join(titles["after"])
        self.after = re.compile(rf"^(?:'s)?\s+({after})\b", re.I)

    def of(self, folded: str, start: int, end: int) -> str | None:
        before = self.before.search(folded[max(0, start - 60) : start])
        after = self.after.match(folded[end : end + 30])
        parts = []
        if before:
            parts.append(" ".join(before.group(1).replace('"', " ").split()))
        if after:
            parts.append(after.group(1))
        return " ... ".join(parts) if parts else None


@dataclass(frozen=True)
class ListedRole:
    """A descriptor an actor's entry lists, found in a text."""

    form: Form
    actor: str
    identifying: bool  # refers to the actor wherever it appears; else only in its context


class Matcher:
    """Every actor's names and listed descriptors compiled into two patterns, built once per registry."""

    def __init__(self, registry: Registry, titles: Titles | None = None):
        self.registry = registry
        self.titles = titles or Titles()
        self.alias_owners: dict[str, list[str]] = {}
        self.role_owners: dict[str, list[tuple[str, bool]]] = {}
        self.describing: set[tuple[str, str]] = set()  # (alias, actor) pairs that describe, not name
        self.surnames: dict[tuple[str, str], bool] = {}  # (bare surname, person) -> written first
        self.given: dict[str, frozenset[str]] = {}  # person -> the other words of their names
        self.after_surname: dict[str, frozenset[str]] = {}  # person -> words their names put after the surname
        for actor in registry:
            for alias in actor.aliases:
                key = fold(alias).strip()
                if actor.kind == "person" and " " not in key and len(actor.name.split()) > 1 and key in fold(actor.name).split():
                    self.surnames[(key, actor.id)] = fold(actor.name).startswith(key + " ")
                    self.given[actor.id] = frozenset(
                        w.lower() for name in (actor.name, *actor.aliases) for w in re.findall(r"[A-Za-z]+", fold(name))
                    ) - {key.lower()}
                    self.after_surname[actor.id] = frozenset(
                        words[i + 1].lower() for name in (actor.name, *actor.aliases)
                        for words in [re.findall(r"[A-Za-z][\w'-]*", fold(name))]
                        for i, w in enumerate(words[:-1]) if w == key
                    )
                # "The international community" is written "the international community" mid-sentence
                variants = [key, "the" + key[3:]] if key.startswith("The ") else [key]
                for key in variants:
                    if key and actor.id not in self.alias_owners.get(key, []):
                        self.alias_owners.setdefault(key, []).append(actor.id)
                        if self._describes(actor, alias):
                            self.describing.add((key, actor.id))
        # names made only of institution words ("Congress"): any body's, so they are checked where they stand
        self.generic_names = frozenset(key for key in self.alias_owners if _generic(key))
        # Names of places that hold a state's name ("Latin America") match as themselves,
        # leftmost-longest, and name no one.
        from .countries import load_states, not_names

        for place in not_names():
            self.alias_owners.setdefault(fold(place), [])
        # a state's own names ("Papua New Guinea"): what they hold inside names no one else
        self.place_names = {fold(n) for a in registry if a.kind == "state" for n in (a.name, *a.capitals)}
        self.place_names |= {fold(n) for state in load_states() for n in (state.name, *state.official)}
        for actor in registry:
            for role in actor.roles:
                key = _role_key(role)
                if key and actor.id not in [a for a, _ in self.role_owners.get(key, [])]:
                    self.role_owners.setdefault(key, []).append((actor.id, self._identifying(actor, role)))

    def _describes(self, actor: Actor, alias: str) -> bool:
        """A body's or group's "name" without a proper word in it ("15-man team", "the
        international community") describes it: a role, not a name. Anything with a
        capitalised word ("the Myanmar military", "Chinese enterprises") names, as the
        labelling rules have it for demonyms."""
        if actor.kind not in ("organization", "group"):
            return False
        words = re.findall(r"[^\W\d_][\w'-]*", re.sub(r"^(?:the|a|an)\s+", "", alias.strip(), flags=re.I))
        return bool(words) and not any(w[0].isupper() for w in words)

    def describes_by_name(self, actor: Actor) -> bool:
        """Whether an actor's name is a description ("Parties to the Tigray conflict") rather than a proper name."""
        words = re.findall(r"[^\W\d_][\w'-]*", re.sub(r"\(.*?\)", "", actor.name))
        return any(w[0].islower() and len(w) > 3 for w in words)

    def _identifying(self, actor: Actor, role: str) -> bool:
        """Whether a listed descriptor refers to its actor wherever it appears.

        People are described by roles that fit others too ("the opposition leader", "the US
        side" for a Vice President), and a bare institution or office ("the government",
        "the president") fits any state's: those need the context to be about the actor.
        Other descriptors a scholar lists for a body or group ("rioters", "the Hong Kong
        police") are taken as written.
        """
        grammar = self.registry.grammar
        if grammar.is_bare(role):
            return False
        if actor.kind == "person":
            composed = grammar.parse_name(role)
            # "the US side", "American officials": the state speaking, not this person
            if composed is not None and not any(grammar.leads(composed.head, t.name) for t in composed.targets
                                                if t.kind == "institution"):
                return False
        return True

    @cached_property
    def alias_pattern(self) -> re.Pattern | None:
        if not self.alias_owners:
            return None
        return re.compile(r"(?<!\w)(?:" + alternation(self.alias_owners) + r")(?!\w)")

    @cached_property
    def role_pattern(self) -> re.Pattern | None:
        if not self.role_owners:
            return None
        body = alternation(self.role_owners, space=r"\s+")
        return re.compile(r"(?<![\w-])(?:(?:the|a|an)\s+)?(" + body + r")(?![\w-])", re.I)

    def names(self, text: str) -> dict[str, list[Form]]:
        """Named forms per actor id, in text order."""
        folded = fold(text)
        found: dict[str, list[Form]] = {}
        if self.alias_pattern is None:
            return found
        for match in self.alias_pattern.finditer(folded):
            owners = self.alias_owners[match.group()]
            self._add_names(text, folded, match, found, inner=False)
            # A person's or a state's name inside a body's longer name still names them
            # ("Maduro" in "the Maduro regime", Venezuela in "the National Electoral Council of
            # Venezuela"), where "America" in "Latin America" or "Guinea" in "Papua New Guinea"
            # does not.
            if not owners or match.group() in self.place_names:
                continue
            start, end = match.span()
            position = start
            while inner := self.alias_pattern.search(folded, position, end - 1 if position == start else end):
                # the search stops short of the end: "Ma" inside "May" is not a word of it
                if not _within_word(folded, inner.start(), inner.end()):
                    self._add_names(text, folded, inner, found, inner=True)
                position = inner.end()
        for forms in found.values():
            forms.sort(key=lambda form: form.start)
        return found

    def names_within(self, name: str) -> set[str]:
        """Actors named inside a longer name, the whole name itself left out:
        "Backers of the Syrian government (Russia, Iran)" -> Syria, Russia, Iran."""
        if self.alias_pattern is None:
            return set()
        folded = fold(name)
        found = set()
        for start, end in ((0, len(folded) - 1), (1, len(folded))):
            for match in self.alias_pattern.finditer(folded, start, end):
                found.update(self.alias_owners[match.group()])
        return found

    def listed_roles(self, text: str) -> list[ListedRole]:
        folded = fold(text)
        found = []
        if self.role_pattern is None:
            return found
        for match in self.role_pattern.finditer(folded):
            start, end = match.span()
            for actor_id, identifying in self.role_owners[_role_key(match.group(1))]:
                found.append(ListedRole(Form(text[start:end], start, end, "role", category="listed"), actor_id, identifying))
        return found

    def _add_names(self, text: str, folded: str, match: re.Match, found: dict, inner: bool) -> None:
        start, end = match.span()
        title = self.titles.of(folded, start, end)
        for actor_id in self.alias_owners[match.group()]:
            kind = self.registry.actors[actor_id].kind
            if inner and kind not in ("person", "state"):
                continue
            if (match.group(), actor_id) in self.surnames and not _bare_surname_names(
                folded, match, self.surnames[(match.group(), actor_id)], self.given[actor_id], titled=bool(title),
                after=self.after_surname[actor_id]
            ):
                continue
            if kind in ("organization", "group") and match.group() in self.generic_names and not self._own_generic_name(
                folded, start, end, actor_id
            ):
                continue
            # Titles qualify people ("interim President Guaido", "the Maduro regime"), not states.
            cls = "role" if (match.group(), actor_id) in self.describing else "named"
            form = Form(text[start:end], start, end, cls, title if kind == "person" else None,
                        category="listed" if cls == "role" else None)
            if form not in found.get(actor_id, []):
                found.setdefault(actor_id, []).append(form)

    def _own_generic_name(self, folded: str, start: int, end: int, actor_id: str) -> bool:
        """Whether a name made of institution words ("Congress", "National Assembly") is the
        body's own here, not the end of another's ("the Mobile World Congress", "the 19th CPC
        National Congress", "the Cambodian National Assembly") nor followed by whose it is ("the
        Senate of Pakistan"). The body's own state may stand before it ("the Venezuelan National
        Assembly")."""
        if _OF_A_NAME.match(folded, end) or _CAPITAL_AFTER.match(folded, end):
            return False  # "the Senate of Pakistan", "the National Assembly Election"
        before = _WORD_BEFORE.search(folded, 0, start)
        if before is None or not before.group(1)[0].isupper():
            return True
        if before.group(1) == "The" and _opens_sentence(folded, before.start(1)):
            return True  # a sentence's opening article
        state = self.registry.state_forms.get(before.group(1))
        return state is not None and state == self.registry.anchor(self.registry.actors[actor_id])


# the words of a body's name that could be any body's: a name of these alone is generic
_GENERIC_WORDS = frozenset("""national assembly congress senate council security state house representatives parliament
    federal supreme court constituent legislative electoral standing committee central commission military general
    foreign ministry office department affairs defense defence justice treasury commerce bureau agency service
    intelligence police army forces armed navy party front union of the and for""".split())
_WORD_BEFORE = re.compile(r"([\w'-]+)\s+$")
_OF_A_NAME = re.compile(r"\s+of\s+(?:the\s+)?[A-Z]")
_CAPITAL_AFTER = re.compile(r"\s+[A-Z][a-z]")


def _generic(alias: str) -> bool:
    return all(word in _GENERIC_WORDS for word in alias.lower().split())


def _within_word(folded: str, start: int, end: int) -> bool:
    return (start > 0 and folded[start - 1].isalnum()) or (end < len(folded) and folded[end].isalnum())


# English words that open sentences and are also surnames ("He said", "May I ask")
_SENTENCE_WORDS = frozenset({"He", "She", "We", "It", "May", "Can", "Will", "So", "An", "As", "No", "Long"})
# what follows a leader's surname without making it another person's name ("the Moon Administration")
_AFTER_NAME = re.compile(r"\s+(?:Administration|Government|Cabinet|Doctrine|Era|Regime|Family|Camp)\b")
_MONTHS = frozenset(calendar.month_name[1:])
CALENDAR_WORDS = _MONTHS | frozenset(calendar.day_name)  # capitalised for a date: "Trump Monday said"
# capitalised words just before (a title would have been read as one): for a surname written first
# another person's name ("Liu He", "Wang Yang") or a sentence's opening ("Yesterday He"); for one
# written last, the bearer's given names in some spelling ("Rodrigo Roa Duterte", "Nicholas
# Maduro") or another name ("the Basic Law", "the Rule of Law", "Ueli Maurer")
_NAMES_BEFORE = re.compile(r"(?<![\w'-])((?:[A-Z][a-z'-]+(?:-[A-Z][a-z'-]+)*\s+(?:of\s+(?:the\s+)?)?){1,4})$")
# a surname after "the" with no noun of its own after it is a word of a title or a thing: "the
# Law on Safeguarding National Security", "the first man on the Moon 50 years ago" (not "the
# Trump administration")
_THE_BEFORE = re.compile(r"\bthe\s+$", re.I)
_NO_NOUN_AFTER = re.compile(r"\s*(?:[,.;:)!?]|$)|\s+(?:\d|(?:of|on|for|and|or|will|shall|would|is|was|has|to|in|that|which)\b)")
# a capitalised word right after a surname
_NAME_AFTER = re.compile(r"\s([A-Z][a-z][\w'-]*)")
_GERMAN = re.compile(r"\b(?:der|das|des|dem|und|nicht|ist|einer?|eines)\b")
_DATE_BEFORE = re.compile(r"\b(?:in|on|since|until|by|from|to|of|early|late|mid|last|next|this|between|and)\s+$", re.I)


def _bare_surname_names(folded: str, match: re.Match, written_first: bool, given: frozenset[str] = frozenset(),
                        titled: bool = False, after: frozenset[str] = frozenset()) -> bool:
    """Whether a surname standing alone names its bearer here (a title before it vouches for
    it, unless another given name follows it).

    Surnames are also words and other people's names: "He said" opens a sentence with a
    pronoun that the text writes "he" elsewhere; "Ma Zhaoxu" and "Yang Jun" are other
    people where the surname comes first; "in May 2019" is a month.
    """
    start, end = match.span()
    word = match.group()
    if re.match(r"-[a-z]", folded[end : end + 2]):
        return False  # a word of a compound: "Law-enforcement"
    if _THE_BEFORE.search(folded[max(0, start - 4) : start]) and _NO_NOUN_AFTER.match(folded[end : end + 8]):
        return False
    # the rest of someone else's name, title or not: "Spokesperson Wang Wenbin" is not Wang Yi, "Chairman
    # Kim Jong Un" not Jim Yong Kim; after a surname written last, the bearer's own later names
    # ("Maduro Moros") and dates ("Pompeo Tuesday") are not
    following = None if _AFTER_NAME.match(folded[end : end + 20]) else _NAME_AFTER.match(folded[end : end + 40])
    if following and (written_first or (following.group(1).lower() not in after
                                        and following.group(1) not in CALENDAR_WORDS)):
        return False
    if titled:
        return True
    if word in _MONTHS and (re.match(r"\s*\d", folded[end : end + 3]) or _DATE_BEFORE.search(folded[max(0, start - 12) : start])):
        return False
    before = _NAMES_BEFORE.search(folded[max(0, start - 60) : start])
    if before and (written_first or not any(_like_one_of(w.lower(), given) for w in before.group(1).split())) and (
        len(_GERMAN.findall(folded)) < 3  # German capitalises its nouns: "des israelischen Finanzministers Smotrich"
    ):
        return False  # the end of another name: "Vice Premier Liu He", "Kyung Yup Kim", "the Basic Law"
    return not (_opens_sentence(folded, start) and (word in _SENTENCE_WORDS or _as_word(word, folded)))


def _opens_sentence(folded: str, at: int) -> bool:
    return not folded[:at].strip() or re.search(r"[.!?:;\"\u201c(]\s*$", folded[max(0, at - 4) : at]) is not None


def _like_one_of(word: str, names: frozenset[str]) -> bool:
    """A spelling of one of `names`: "nicholas" of "nicolas", not "yup" of "yong"."""
    return any(SequenceMatcher(None, word, name).ratio() >= 0.75 for name in names)


def _as_word(surname: str, folded: str) -> bool:
    """The text also writes the surname as a common word ("law", "he")."""
    return re.search(rf"(?<!\w){re.escape(surname.lower())}(?!\w)", folded) is not None


def _role_key(role: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", " ".join(fold(role).split()), flags=re.I).lower()
