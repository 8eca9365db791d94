"""The actor registry: states, organisations and people from general knowledge, and the user's files.

The defaults are built, not copied from labels:
- states from `pycountry` and `countryinfo` with the corrections of `data/states.yaml`
  (every UN member state, with demonyms and capitals);
- organisations and groups from `data/organizations.yaml`;
- people with their offices and tenures from `data/people.yaml` ("US Secretary of State"
  is whoever held the office on the statement's date);
- the institutions of every state (its government, military, opposition...), generated
  from `data/roles.yaml`, so "the Venezuelan government" has an actor to refer to.
A user's file (`--actors`, YAML like the defaults or the JSON of the labelled sets)
adds actors; an entry whose id, older id or name is already known is merged into that
actor and takes the user's id, so a scholar's ids are the ones reported.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from pathlib import Path

import yaml

from .countries import load_states, slug
from .roles import ROLES_FILE, RoleGrammar
from .text import fold
from .yamlfile import load_yaml

DATA = Path(__file__).parent / "data"
ORGANIZATIONS_FILE = DATA / "organizations.yaml"
PEOPLE_FILE = DATA / "people.yaml"
KINDS = ("person", "state", "organization", "group")


class RegistryError(ValueError):
    """An actor file could not be read, or an actor is unknown."""


@dataclass(frozen=True)
class Office:
    office: str
    title: str | None = None
    state: str | None = None  # the state whose office it is (actor id)
    org: str | None = None  # or the organisation's
    start: str | None = None  # ISO dates, inclusive; None: open
    end: str | None = None
    claims: str | None = None  # a contested claim to this office
    host: str | None = None  # an ambassador's or envoy's: the state or body accredited to (actor id)

    def held_on(self, day: str | date | None) -> bool:
        if not day:
            return True
        if isinstance(day, date):
            day = day.isoformat()
        return (self.start is None or self.start <= day) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    state: str | None = None  # the state a person, body or group belongs to
    institution: str | None = None  # for a state's institution: government, opposition, ...
    offices: tuple[Office, ...] = ()
    members: tuple[str, ...] = ()
    parent: str | None = None
    ids: tuple[str, ...] = ()  # other ids that mean this actor (merged duplicates, older ids)
    demonyms: tuple[str, ...] = ()  # states: adjectival forms, used to compose descriptors
    capitals: tuple[str, ...] = ()  # states: the capital, a metonym of the government
    generated: bool = False  # a state's institution made from roles.yaml, not written by anyone
    source: str = ""

    def offices_on(self, day: str | None) -> list[Office]:
        return [office for office in self.offices if office.held_on(day)]


def actor_fingerprint(actor: Actor) -> str:
    payload = json.dumps([actor.name, actor.kind, list(actor.aliases), list(actor.roles), actor.state,
                          actor.institution, [o.__dict__ for o in actor.offices]], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


@dataclass
class Registry:
    actors: dict[str, Actor] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    id_aliases: dict[str, str] = field(default_factory=dict)
    codes: dict[str, str] = field(default_factory=dict)  # ISO 3166 alpha-2 and alpha-3 -> state id
    claims: dict[str, tuple[str, ...]] = field(default_factory=dict)  # territory id -> the state ids that claim it

    def __getitem__(self, actor_id: str) -> Actor:
        actor = self.get(actor_id)
        if actor is None:
            raise RegistryError(f"unknown actor {actor_id!r}: {self.suggest(actor_id)}")
        return actor

    def get(self, actor_id: str) -> Actor | None:
        return self.actors.get(actor_id) or self.actors.get(self.id_aliases.get(actor_id, ""))

    def __contains__(self, actor_id: str) -> bool:
        return self.get(actor_id) is not None

    def __iter__(self):
        return iter(self.actors.values())

    def __len__(self) -> int:
        return len(self.actors)

    def speaker(self, code: str | None) -> str | None:
        """The actor a ministry speaks for, from its country code ("CN", "USA", "EU")."""
        if not code:
            return None
        code = code.strip()
        found = self.codes.get(code.upper())
        if found is None and code.lower() in self:
            found = code.lower()
        return self.canonical(found) if found and found in self else None

    def canonical(self, actor_id: str) -> str:
        return self[actor_id].id

    def suggest(self, text: str, limit: int = 5) -> str:
        import difflib

        names = {**{a.id: a.id for a in self}, **self.id_aliases}
        close = difflib.get_close_matches(text, list(names), n=limit, cutoff=0.6)
        found = self.search(text)[:limit]
        ids = list(dict.fromkeys([names[c] for c in close] + [a.id for a in found]))[:limit]
        return f"did you mean {', '.join(ids)}?" if ids else "not in the registry (see `communique actors`)"

    def search(self, query: str) -> list[Actor]:
        """Actors whose id, name or a name form contains `query`, diacritics and case folded."""
        needle = fold(query).lower().strip()
        if not needle:
            return list(self)
        def haystack(actor: Actor) -> str:
            return " | ".join([actor.id, *actor.ids, actor.name, *actor.aliases, *actor.roles])
        return [a for a in self if needle in fold(haystack(a)).lower()]

    @property
    def version(self) -> str:
        """A hash of the registry's content: analysis is redone when it changes."""
        return hashlib.sha256(
            json.dumps({k: actor_fingerprint(v) for k, v in sorted(self.actors.items())}, sort_keys=True).encode()
        ).hexdigest()[:16]

    # -- the relations the reader needs --------------------------------------------
    # Derived once from the actors; `forget_derived` drops them while a file is merged in.

    _DERIVED = ("states", "institutions", "office_holders", "state_forms", "grammar")

    def forget_derived(self) -> None:
        for name in self._DERIVED:
            self.__dict__.pop(name, None)

    @cached_property
    def states(self) -> dict[str, Actor]:
        return {a.id: a for a in self if a.kind == "state"}

    @cached_property
    def institutions(self) -> dict[tuple[str, str], Actor]:
        """(state, institution) -> the actor; a user's entry wins over the generated one."""
        found: dict[tuple[str, str], Actor] = {}
        for actor in self:
            if actor.institution and actor.state:
                key = (actor.state, actor.institution)
                if key not in found or found[key].generated:
                    found[key] = actor
        return found

    @cached_property
    def office_holders(self) -> dict[tuple[str | None, str], list[tuple[Actor, Office]]]:
        """(state or org, office) -> [(person, office)]."""
        holders: dict[tuple[str | None, str], list[tuple[Actor, Office]]] = {}
        for actor in self:
            for office in actor.offices:
                where = office.state or office.org
                # a claim to an office ("interim President") is filed under `claimant`, not
                # under the office: "the Venezuelan president" is the one who holds it
                holders.setdefault((where, office.office), []).append((actor, office))
        return holders

    def holders(self, where: str | None, office: str, day: str | None) -> list[Actor]:
        return [actor for actor, held in self.office_holders.get((where, office), []) if held.held_on(day)]

    def anchor(self, actor: Actor) -> str | None:
        """The state an actor belongs to, if any (a state is its own anchor)."""
        if actor.kind == "state":
            return actor.id
        if actor.state:
            return actor.state
        parent = self.get(actor.parent) if actor.parent else None
        return parent.state if parent is not None else None

    @cached_property
    def state_forms(self) -> dict[str, str]:
        """The words that stand for a state inside a descriptor: names, short forms, demonyms."""
        forms: dict[str, str] = {}
        for state in self.states.values():
            for form in (state.name, *state.aliases, *state.demonyms):
                # Metonyms ("White House", "the Kremlin") do not compose, nor official names longer
                # than "the government of the People's Republic of China" writes
                if form and not form.lower().startswith("the ") and len(form.split()) <= 5:
                    forms.setdefault(form, state.id)
        return forms

    @cached_property
    def grammar(self) -> RoleGrammar:
        return RoleGrammar(self.state_forms, ROLES_FILE)


# -- reading the files ---------------------------------------------------------------


def _entries(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RegistryError(f"cannot read actor file {path}: {error.strerror}") from error
    try:
        data = json.loads(text) if path.suffix == ".json" else load_yaml(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise RegistryError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {error}") from error
    if isinstance(data, dict):
        for key in ("actors", "people", "organizations"):
            if isinstance(data.get(key), dict):
                data = data[key]
                break
    if not isinstance(data, dict):
        raise RegistryError(f"{path}: expected a mapping of actor ids to entries")
    return data


def _strings(value, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise RegistryError(f"{where}: expected a list of strings")
    return tuple(v for v in value if v.strip())


def _day(value, where: str) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return value
    raise RegistryError(f"{where}: {value!r} is not a date (YYYY-MM-DD)")


class _Builder:
    """Reads entries into actors, resolving ISO codes to state ids."""

    def __init__(self) -> None:
        self.registry = Registry()
        self.iso3: dict[str, str] = {}
        self.roles = RoleGrammar({}, ROLES_FILE)  # the institutions' vocabulary; state forms come later

    def state_id(self, code, where: str) -> str | None:
        if code in (None, ""):
            return None
        if code in self.iso3:
            return self.iso3[code]
        if code in self.registry:
            return self.registry.canonical(code)
        raise RegistryError(f"{where}: unknown state {code!r} (an ISO 3166 alpha-3 code or a state id)")

    def host_id(self, code) -> str | None:
        # a state's ISO code, else an organisation's id ("un"), kept as written: organisations
        # may be loaded after the people accredited to them
        return self.iso3.get(code, code) if code else None

    def add(self, actor: Actor) -> None:
        if actor.id in self.registry.actors:
            raise RegistryError(f"{actor.source}: actor id {actor.id!r} is defined twice")
        twin = self.registry.actors.get(f"{actor.state}_{actor.institution}") if actor.institution else None
        if twin is not None and twin.generated and not actor.generated:
            # a written entry that is a state's institution ("the State Department") takes the
            # generated actor's place, so the body has one id whichever way a text names it; the
            # generated id stays an alias of it
            del self.registry.actors[twin.id]
            actor = replace(actor, ids=(*actor.ids, twin.id))
            self.registry.forget_derived()
        self.registry.actors[actor.id] = actor
        for other in actor.ids:
            self.registry.id_aliases.setdefault(other, actor.id)

    def add_states(self) -> None:
        claimed = []
        for entry in load_states():
            self.iso3[entry.iso3] = entry.id
            self.registry.codes[entry.iso3] = entry.id
            if entry.iso2:
                self.registry.codes[entry.iso2] = entry.id
            aliases = (entry.name, *entry.official, *entry.aliases, *entry.demonyms, *entry.capitals)
            self.add(Actor(entry.id, entry.name, "state", tuple(dict.fromkeys(aliases)), ids=entry.ids,
                           demonyms=entry.demonyms, capitals=entry.capitals, source="states.yaml"))
            if entry.claimed_by:
                claimed.append(entry)
        for entry in claimed:
            self.registry.claims[entry.id] = tuple(self.iso3[code] for code in entry.claimed_by)

    def add_institutions(self) -> None:
        for state in [a for a in self.registry if a.kind == "state"]:
            for institution in self.roles.institutions.values():
                actor_id = f"{state.id}_{institution.name}"
                if actor_id in self.registry.actors:
                    continue
                self.add(Actor(actor_id, institution.display.format(state=state.name), "organization",
                               state=state.id, institution=institution.name, generated=True, source="roles.yaml"))

    def offices(self, entries, where: str) -> tuple[Office, ...]:
        offices = []
        for number, spec in enumerate(entries or [], 1):
            here = f"{where}, office {number}"
            if not isinstance(spec, dict) or not spec.get("office"):
                raise RegistryError(f"{here}: needs at least `office`")
            start, end = _day(spec.get("from"), here), _day(spec.get("until"), here)
            if start and end and end < start:
                raise RegistryError(f"{here}: ends ({end}) before it starts ({start})")
            offices.append(Office(spec["office"], spec.get("title"), self.state_id(spec.get("country"), here),
                                  spec.get("org"), start, end, spec.get("claims"), self.host_id(spec.get("to"))))
        return tuple(offices)

    def actor(self, actor_id: str, entry, path: Path, default_kind: str) -> Actor:
        where = f"{path}: actor {actor_id!r}"
        if not isinstance(entry, dict) or not entry.get("name"):
            raise RegistryError(f"{where} needs at least a name")
        kind = entry.get("kind", default_kind)
        if kind not in KINDS:
            raise RegistryError(f"{where} has kind {kind!r}; kinds are {', '.join(KINDS)}")
        name = entry["name"]
        aliases = [name, *_strings(entry.get("aliases"), where)]
        surname = entry.get("surname")
        if surname:
            aliases.append(surname)
        state = self.state_id(entry.get("country"), where)
        institution = entry.get("institution")
        if institution is not None and (institution not in self.roles.institutions or state is None
                                        or kind not in ("organization", "group")):
            raise RegistryError(f"{where}: `institution` is one of {', '.join(sorted(self.roles.institutions))}, "
                                f"for a body of the state its `country` gives; got {institution!r}")
        return Actor(
            id=actor_id, name=name, kind=kind,
            aliases=tuple(dict.fromkeys(aliases)),
            roles=_strings(entry.get("roles"), where),
            state=state,
            institution=institution,
            offices=self.offices(entry.get("offices"), where),
            members=tuple(self.state_id(m, where) or m for m in _strings(entry.get("members"), where)),
            parent=entry.get("parent"),
            ids=_strings(entry.get("ids"), where),
            source=path.name,
        )

    def add_file(self, path: Path, default_kind: str) -> None:
        for actor_id, entry in _entries(path).items():
            self.add(self.actor(str(actor_id), entry, path, default_kind))
        self.registry.sources.append(str(path))

    def merge_file(self, path: Path) -> None:
        """A user's file: new actors are added, known ones merged and renamed to the user's id."""
        registry = self.registry
        for actor_id, entry in _entries(path).items():
            actor_id = str(actor_id)
            registry.forget_derived()
            mine = self.actor(actor_id, entry, path, "person")
            known = registry.get(actor_id) or self._same_actor(mine)
            if known is None:
                mine = self._infer_institution(mine)
                registry.actors[actor_id] = mine
                continue
            merged = replace(
                known,
                id=actor_id,
                name=mine.name,
                kind=mine.kind,
                aliases=tuple(dict.fromkeys(known.aliases + mine.aliases)),
                roles=tuple(dict.fromkeys(known.roles + mine.roles)),
                state=mine.state or known.state,
                offices=known.offices + mine.offices,
                ids=tuple(i for i in dict.fromkeys((*known.ids, known.id, *mine.ids)) if i != actor_id),
                generated=False,
                source=f"{known.source} + {path.name}",
            )
            del registry.actors[known.id]
            registry.actors[actor_id] = merged
            for other in merged.ids:
                registry.id_aliases[other] = actor_id
            registry.id_aliases.pop(actor_id, None)
            if known.id != actor_id:
                self._rename(known.id, actor_id)
        registry.forget_derived()
        registry.sources.append(str(path))

    def _rename(self, old: str, new: str) -> None:
        """References to a renamed actor (a person's state, an office's state) follow it."""
        registry = self.registry
        if old in self.iso3.values():
            self.iso3 = {code: (new if sid == old else sid) for code, sid in self.iso3.items()}
            registry.codes = {code: (new if sid == old else sid) for code, sid in registry.codes.items()}
            registry.claims = {(new if place == old else place): tuple(new if sid == old else sid for sid in claimants)
                               for place, claimants in registry.claims.items()}
        for actor_id, actor in list(registry.actors.items()):
            offices = tuple(replace(o, state=new) if o.state == old else o for o in actor.offices)
            if actor.state == old or actor.parent == old or offices != actor.offices:
                registry.actors[actor_id] = replace(
                    actor, state=new if actor.state == old else actor.state,
                    parent=new if actor.parent == old else actor.parent, offices=offices)

    def _same_actor(self, mine: Actor) -> Actor | None:
        """A known actor of the same kind whose name is one of this entry's names, or the reverse."""
        mine_names = {fold(n).lower() for n in (mine.name, *mine.aliases)}
        for actor in self.registry:
            # a group and an organization of one name are one body, filed either way (a user's file
            # may call the Rapid Support Forces an organization, the shipped registry a group)
            if _family(actor.kind) != _family(mine.kind) or actor.generated and mine.kind != "organization":
                continue
            if fold(actor.name).lower() in mine_names or fold(mine.name).lower() in {
                fold(n).lower() for n in actor.aliases
            }:
                return actor
        institution = self._parse_institution(mine)
        if institution is not None:
            return self.registry.institutions.get(institution)
        return None

    def _parse_institution(self, mine: Actor) -> tuple[str, str] | None:
        """("afghanistan", "government") for an entry named "Government of Afghanistan"."""
        if mine.kind not in ("organization", "group"):
            return None
        if mine.institution and mine.state:
            return mine.state, mine.institution
        grammar = self.registry.grammar
        for text in (mine.name, *mine.aliases, *mine.roles):
            descriptor = grammar.parse_name(text)
            if descriptor is None or not descriptor.state:
                continue
            for target in descriptor.targets:
                if target.kind == "institution":
                    return descriptor.state, target.name
        return None

    def _infer_institution(self, mine: Actor) -> Actor:
        """What a user's new entry says of itself: the state institution it is, or the state
        it belongs to when its names and descriptors mention exactly one ("the Canadian
        drug trafficker")."""
        parsed = self._parse_institution(mine)
        if parsed is not None:
            state, institution = parsed
            return replace(mine, state=mine.state or state, institution=institution)
        if mine.state is None and mine.kind != "state":
            states = set()
            for text in (mine.name, *mine.aliases, *mine.roles):
                states.update(self.registry.grammar.states_in(text))
            if len(states) == 1:
                return replace(mine, state=states.pop())
        return mine


def _family(kind: str) -> str:
    return "body" if kind in ("group", "organization") else kind


def load_registry(*extra: str | Path, defaults: bool = True) -> Registry:
    """The default registry, then each user file in turn, merged into it."""
    builder = _Builder()
    if defaults:
        builder.add_states()
        builder.add_institutions()
        for path, kind in ((ORGANIZATIONS_FILE, "organization"), (PEOPLE_FILE, "person")):
            if path.is_file():
                builder.add_file(path, kind)
        builder.registry.sources.insert(0, "states.yaml")
    for path in extra:
        path = Path(path)
        if defaults:
            builder.merge_file(path)
        else:
            builder.add_file(path, "person")
    return builder.registry
