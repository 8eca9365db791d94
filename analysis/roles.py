"""Descriptors composed from a state and an institution or office, not listed per actor.

"the Venezuelan government", "Venezuela's government", "the government of Venezuela",
"the US Secretary of State", "Belarusian protesters": a state form (name, short form or
demonym, possessive or not) joined to a head word of `analysis/data/roles.yaml`, in
either order. Bare heads ("the government", "the president") are generic: whom they
describe is decided from the context, in `analysis.reading`.

Pure functions over text: what a composed descriptor refers to (the state's institution,
the holder of an office on a date) is resolved against the registry by the reader.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from .text import alternation, fold
from .yamlfile import load_yaml

# after a bare head, an "of" says whose it is, or that it is no institution at all ("the leadership of
# Director-General Tedros", "the state of emergency", "the establishment of diplomatic relations"),
# and "in" or "from" a place that is no state says where ("the government in Xinjiang"): not the
# nearest state's (a state's own "the government of Venezuela" is composed)
_OF_COMPLEMENT = re.compile(r"\s+(?:of\s|(?:in|from)\s+(?:the\s+)?[A-Z])")
# "the State Council", "the People's Republic of China", "the Spokesperson's Office": a capitalised
# head inside a longer proper name (an acronym's possessive is the body's own: "the MFA's
# Department of Arms Control")
_PART_OF_A_NAME = re.compile(r"(?:(?:'|’)s)?\s+[A-Z]")
# a capitalised word just before a capitalised head: "Civil Aviation Administration of China"
_NAME_BEFORE = re.compile(r"(?<![.!?]\s)(?<!^)\b(?!The\b)[A-Z][\w'-]*\s+$")

# a head with no article after "change of", "form of"... is the thing, not an actor: "unconstitutional
# change of government in Venezuela", "the system of government in Hong Kong"
_ABSTRACT_OF = re.compile(
    r"\b(?i:changes?|forms?|systems?|types?|kinds?|levels?|branches|branch|models?|seat|formation)\s+of\s+$")

ROLES_FILE = Path(__file__).parent / "data" / "roles.yaml"


@dataclass(frozen=True)
class Target:
    """What a head word describes: an institution of a state, an office, or a state's people."""

    kind: str  # institution | office | people
    name: str  # government, opposition, ... | head_of_state, foreign_minister, ... | people


@dataclass(frozen=True)
class Descriptor:
    """One composed or generic descriptor found in a text."""

    text: str
    start: int
    end: int
    head: str
    targets: tuple[Target, ...]
    state: str | None  # the state id it is composed with; None for a bare head
    state_form: str | None = None
    determiner: str | None = None  # a second head's, which it shares with the first ("the country's government and opposition")
    head_span: tuple[int, int] | None = None  # where the head word stands in the text, when it is not the whole


@dataclass(frozen=True)
class Institution:
    name: str
    heads: tuple[str, ...]
    leaders: tuple[str, ...]
    display: str
    not_leaders: tuple[str, ...] = ()  # heads that speak for the state, not for its leader
    unarticled: tuple[str, ...] = ()  # heads that describe people without an article
    staff: tuple[str, ...] = ()  # its offices other than its leaders' ("the spokesperson of the State Department")


class RoleGrammar:
    """The institution and office vocabulary, compiled against the registry's state forms."""

    def __init__(self, state_forms: dict[str, str], path: str | Path = ROLES_FILE):
        data = load_yaml(Path(path).read_text(encoding="utf-8"))
        self.institutions = {
            name: Institution(name, tuple(spec["heads"]), tuple(spec.get("leaders") or ()), spec["name"],
                              tuple(spec.get("not_leaders") or ()), tuple(spec.get("unarticled") or ()),
                              tuple(spec.get("staff") or ()))
            for name, spec in data["institutions"].items()
        }
        self.offices = {name: tuple(heads) for name, heads in data["offices"].items()}
        self.head_targets: dict[str, list[Target]] = {}
        for institution in self.institutions.values():
            for head in institution.heads:
                self._add(head, Target("institution", institution.name))
        for office, heads in self.offices.items():
            for head in heads:
                self._add(head, Target("office", office))
        for head in data.get("people_heads") or ():
            self._add(head, Target("people", "people"))
        # state form (as written, diacritics folded) -> state id
        self.state_forms = {fold(form): state for form, state in state_forms.items() if form}

    def _add(self, head: str, target: Target) -> None:
        key = " ".join(head.lower().split())
        if target not in self.head_targets.setdefault(key, []):
            self.head_targets[key].append(target)

    @cached_property
    def _heads(self) -> str:
        return alternation(self.head_targets, space=r"\s+")

    @cached_property
    def _states(self) -> str:
        return alternation(self.state_forms)

    @cached_property
    def composed_pattern(self) -> re.Pattern:
        # State forms are case-sensitive ("US" is not "us"); heads are not ("Government").
        state_first = (
            rf"(?:(?i:the)\s+)?(?P<state1>{self._states})(?:'s|')?\s+"
            rf"(?:(?i:current|then|new|former|incumbent|interim|transitional|legitimate|elected|de facto|"
            rf"federal|national|central|top|senior)\s+)?(?P<head1>(?i:{self._heads}))"
            rf"(?:\s+(?i:and)\s+(?P<also1>(?i:{self._heads})))?"
        )
        head_first = (
            rf"(?:(?i:the)\s+)?(?P<head2>(?i:{self._heads}))(?:\s+(?i:and)\s+(?P<also2>(?i:{self._heads})))?"
            # "the spokesperson of China's Commerce Ministry" is the ministry's, not China's; a head
            # after the state ("the leader of the Venezuelan opposition") is settled in `descriptors`
            rf"\s+(?i:of|in|from)\s+(?:(?i:the)\s+)?(?P<state2>{self._states})(?!['’])"
            rf"(?:(?=\s+(?P<after2>(?i:{self._heads}))(?![\w-])))?"
        )
        return re.compile(rf"(?<![\w-])(?:{head_first}|{state_first})(?![\w-])")

    @cached_property
    def generic_pattern(self) -> re.Pattern:
        unarticled = "|".join(
            re.escape(h).replace(r"\ ", r"\s+") for i in self.institutions.values() for h in i.unarticled
        ) or "(?!)"
        return re.compile(
            rf"(?<![\w-])(?:(?P<determiner>(?i:the|its|their|our|your|his|her|(?:the|that|this)\s+country(?:'|’)s))\s+"
            rf"(?P<head>(?i:{self._heads}))(?:\s+(?i:and)\s+(?P<also>(?i:{self._heads})))?"
            rf"|(?:(?i:peaceful|young|female|male|unarmed|violent|many|some)\s+)?(?P<bare>(?i:{unarticled})))(?![\w-])"
        )

    def targets(self, head: str) -> tuple[Target, ...]:
        return tuple(self.head_targets.get(" ".join(head.lower().split()), ()))

    def title_words(self, head: str) -> tuple[str, ...]:
        """The words of an office-holder's title that this head means ("president")."""
        return (" ".join(head.split()),)

    def descriptors(self, text: str) -> list[Descriptor]:
        """Composed descriptors, then bare heads outside them, in text order."""
        folded = fold(text)
        found: list[Descriptor] = []
        taken: list[tuple[int, int]] = []
        settled_to = 0
        for match in self.composed_pattern.finditer(folded):
            if match.start() < settled_to:
                continue
            match = self._settled(match, folded)
            if match is None:
                continue
            settled_to = match.end()
            head = match.group("head1") or match.group("head2")
            state_form = match.group("state1") or match.group("state2")
            state = self.state_forms[state_form]
            head_span = match.span("head1") if match.group("head1") else match.span("head2")
            if match.group("also1"):  # "the Venezuelan government and opposition"
                parts = [(match.start(), match.end("head1"), head, head_span),
                         (*match.span("also1"), match.group("also1"), match.span("also1"))]
            elif match.group("also2"):  # "the government and opposition in Venezuela"
                parts = [(match.start(), match.end("head2"), head, head_span),
                         (match.start("also2"), match.end(), match.group("also2"), match.span("also2"))]
            else:
                parts = [(match.start(), match.end(), head, head_span)]
            for start, end, word, span in parts:
                found.append(Descriptor(text[start:end], start, end, word.lower(), self.targets(word), state, state_form,
                                        head_span=span))
            taken.append(match.span())
        for match in self.generic_pattern.finditer(folded):
            head = match.group("head") or match.group("bare")
            if _OF_COMPLEMENT.match(folded, match.end()) or (head.istitle() and _PART_OF_A_NAME.match(folded, match.end())):
                continue
            head_span = match.span("head") if match.group("head") else match.span("bare")
            parts = [(match.start(), match.end("head") if match.group("also") else match.end(), head, None, head_span)]
            if match.group("also"):
                parts.append((*match.span("also"), match.group("also"), " ".join(match.group("determiner").split()),
                              match.span("also")))
            for start, end, word, determiner, span in parts:
                if not any(s <= start < e or s < end <= e for s, e in taken):
                    found.append(Descriptor(text[start:end], start, end, word.lower(), self.targets(word), None,
                                            determiner=determiner, head_span=span))
        return sorted(found, key=lambda d: d.start)

    def _settled(self, match: re.Match, folded: str) -> re.Match | None:
        """A composed match as the text means it. "The Civil Aviation Administration of China", "the
        Chinese State Councilor": a capitalised institution head inside a longer proper name is no
        institution. "The spokesperson of the US State Department" is the ministry's spokesperson,
        but "the leader of the Venezuelan opposition" leads the opposition, not Venezuela: a head
        before "of the <state> <institution>" composes only when the institution has that office;
        otherwise the state composes with the institution after it. "Change of government in
        Venezuela" is no government at all."""
        head = match.group("head1") or match.group("head2")
        if match.group("head2") and match.start() == match.start("head2") and _ABSTRACT_OF.search(folded, 0, match.start()):
            return None
        institution_heads = [t for t in self.targets(head) if t.kind == "institution"]
        if head.istitle() and institution_heads:
            if match.group("head1") and _PART_OF_A_NAME.match(folded, match.end("head1")):
                return None
            if match.group("head2") and _NAME_BEFORE.search(folded, 0, match.start()):
                return None
        after = match.group("after2")
        if after and not match.group("also2"):
            offices = {t.name for t in self.targets(head) if t.kind == "office"}
            staffed = {o for t in self.targets(after) if t.kind == "institution"
                       for o in (*self.institutions[t.name].leaders, *self.institutions[t.name].staff)}
            if not offices & staffed:
                inner = self.composed_pattern.match(folded, match.start("state2"))
                return self._settled(inner, folded) if inner is not None and inner.group("state1") else None
        return match

    @cached_property
    def state_pattern(self) -> re.Pattern:
        return re.compile(rf"(?<![\w-])(?:{self._states})(?![\w-])")

    def states_in(self, text: str) -> list[str]:
        """The states a text names by a state form, in order, without repeats."""
        return list(dict.fromkeys(self.state_forms[m.group()] for m in self.state_pattern.finditer(fold(text))))

    def leads(self, head: str, institution: str) -> bool:
        """Whether a head of `institution` also describes its leaders ("government" yes, "side" no)."""
        return " ".join(head.lower().split()) not in self.institutions[institution].not_leaders

    def is_bare(self, phrase: str) -> bool:
        """True for a head alone, with at most an article or possessive: "the government", "its leader"."""
        words = re.sub(r"^(?:the|a|an|its|their|our|your|his|her)\s+", "", " ".join(fold(phrase).split()), flags=re.I)
        return words.lower() in self.head_targets

    def parse_name(self, name: str) -> Descriptor | None:
        """A composed descriptor that is the whole of `name` ("Government of Afghanistan")."""
        folded = fold(name).strip()
        match = self.composed_pattern.fullmatch(folded)
        if not match:
            return None
        head = match.group("head1") or match.group("head2")
        state_form = match.group("state1") or match.group("state2")
        return Descriptor(name, 0, len(name), head.lower(), self.targets(head), self.state_forms[state_form], state_form)
