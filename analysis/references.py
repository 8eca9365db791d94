"""How a text refers to each actor: named, role, oblique or absent, with the exact forms.

Pure functions over text and the registry. Names and role phrases are found lexically
(one pass of a combined pattern per text: leftmost-longest, so "Latin America" is not a
mention of America). Oblique phrases ("some countries", "all relevant parties") name no
one; which actors they point at is decided from the question: see `analysis.oblique`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import yaml

from .registry import Actor, Registry
from .text import fold

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
    category: str | None = None  # for oblique phrases: parties, states, persons
    # A role phrase with no name in it ("the opposition", "Former President") identifies an
    # actor only when the context is already about that actor.
    generic: bool = False


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


@dataclass(frozen=True)
class ObliqueCategory:
    name: str
    kinds: frozenset[str]
    pattern: re.Pattern


class Lexicon:
    def __init__(self, path: str | Path = DEFAULT_LEXICON):
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        self.oblique = [
            ObliqueCategory(
                name,
                frozenset(spec["kinds"]),
                re.compile("|".join(f"(?:{p})" for p in spec["patterns"]), re.I),
            )
            for name, spec in data["oblique"].items()
        ]
        titles = data["titles"]
        before = "|".join(sorted(titles["before"], key=len, reverse=True))
        self.title_before = re.compile(rf"((?:(?:{before})\s*[\"']?\s*)+)$", re.I)
        after = "|".join(titles["after"])
        self.title_after = re.compile(rf"^(?:'s)?\s+({after})\b", re.I)

    def oblique_forms(self, text: str) -> list[Form]:
        folded = fold(text)
        forms = []
        for category in self.oblique:
            for match in category.pattern.finditer(folded):
                start, end = match.span()
                while start < end and folded[start].isspace():
                    start += 1
                if end > start:
                    forms.append(Form(text[start:end], start, end, "oblique", category=category.name))
        return sorted(forms, key=lambda form: form.start)

    def kinds_of(self, form: Form) -> frozenset[str]:
        return next(category.kinds for category in self.oblique if category.name == form.category)

    def title_of(self, folded: str, start: int, end: int) -> str | None:
        before = self.title_before.search(folded[max(0, start - 60) : start])
        after = self.title_after.match(folded[end : end + 30])
        parts = []
        if before:
            parts.append(" ".join(before.group(1).replace('"', " ").split()))
        if after:
            parts.append(after.group(1))
        return " ... ".join(parts) if parts else None


class Matcher:
    """Every actor's names and role phrases compiled into two patterns, built once per registry."""

    def __init__(self, registry: Registry, lexicon: Lexicon):
        self.registry = registry
        self.lexicon = lexicon
        self.alias_owners: dict[str, list[str]] = {}
        self.role_owners: dict[str, list[str]] = {}
        self.generic_roles: set[str] = set()
        spellings: dict[str, list[str]] = {}
        for actor in registry:
            for alias in actor.aliases:
                key = fold(alias).strip()
                if key and actor.id not in self.alias_owners.get(key, []):
                    self.alias_owners.setdefault(key, []).append(actor.id)
            for role in actor.roles:
                key = _role_key(role)
                if key and actor.id not in self.role_owners.get(key, []):
                    self.role_owners.setdefault(key, []).append(actor.id)
                    spellings.setdefault(key, []).append(fold(role))

        for key, written in spellings.items():
            if not any(self.alias_pattern.search(spelling) for spelling in written):
                self.generic_roles.add(key)

    @cached_property
    def alias_pattern(self) -> re.Pattern:
        forms = sorted(self.alias_owners, key=len, reverse=True)
        return re.compile(r"(?<!\w)(?:" + "|".join(map(re.escape, forms)) + r")(?!\w)")

    @cached_property
    def role_pattern(self) -> re.Pattern:
        forms = sorted(self.role_owners, key=len, reverse=True)
        return re.compile(r"(?<![\w-])(?:(?:the|a|an)\s+)?(" + "|".join(map(re.escape, forms)) + r")(?![\w-])", re.I)

    def lexical_forms(self, text: str) -> dict[str, list[Form]]:
        """Named and role forms per actor id, in text order."""
        folded = fold(text)
        found: dict[str, list[Form]] = {}
        if self.alias_owners:
            for match in self.alias_pattern.finditer(folded):
                self._add_names(text, folded, match, found, people_only=False)
                # A person's name inside another actor's longer name still names the person
                # ("Maduro" in "the Maduro regime"), where "America" in "Latin America" does not.
                start, end = match.span()
                position = start
                # endpos end - 1 at the start keeps the outer name itself from matching again
                while inner := self.alias_pattern.search(folded, position, end - 1 if position == start else end):
                    self._add_names(text, folded, inner, found, people_only=True)
                    position = inner.end()
        if self.role_owners:
            for match in self.role_pattern.finditer(folded):
                start, end = match.span()
                key = _role_key(match.group(1))
                for actor_id in self.role_owners[key]:
                    found.setdefault(actor_id, []).append(
                        Form(text[start:end], start, end, "role", generic=key in self.generic_roles)
                    )
        for forms in found.values():
            forms.sort(key=lambda form: form.start)
        return found


    def _add_names(self, text: str, folded: str, match: re.Match, found: dict, people_only: bool) -> None:
        start, end = match.span()
        title = self.lexicon.title_of(folded, start, end)
        for actor_id in self.alias_owners[match.group()]:
            kind = self.registry[actor_id].kind
            if people_only and kind != "person":
                continue
            # Titles qualify people ("interim President Guaido", "the Maduro regime"), not states.
            form = Form(text[start:end], start, end, "named", title if kind == "person" else None)
            if form not in found.get(actor_id, []):
                found.setdefault(actor_id, []).append(form)


def _role_key(role: str) -> str:
    return re.sub(r"^(?:the|a|an)\s+", "", " ".join(fold(role).split()), flags=re.I).lower()


def lexical_reference(actor: Actor, forms: list[Form], in_context: bool = False) -> Reference:
    """Named if a name appears, else role; generic role phrases count only `in_context`."""
    named = [form for form in forms if form.cls == "named"]
    if named:
        return Reference(actor.id, "named", named)
    roles = [form for form in forms if form.cls == "role" and (in_context or not form.generic)]
    if roles:
        return Reference(actor.id, "role", roles)
    return Reference(actor.id, "absent")


def strongest(*classes: str) -> str:
    return max(classes, key=STRENGTH.__getitem__)
