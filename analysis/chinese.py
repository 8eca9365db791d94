"""Naming in Chinese: the reader of `analysis.reading` with Chinese names, descriptors and oblique phrases.

The classes, the context rules and the offsets are those of the English reading: only
what finds forms in a text is Chinese. Chinese has no spaces, so nothing here uses word
boundaries (`\\b` does not fall between CJK characters); forms are matched
leftmost-longest over one alternation, as `analysis.references` does for English.

- Names (`ChineseMatcher`): `data/names_zh.yaml` (people, bodies, states' names in use),
  pycountry's zh_CN translations of every state's ISO 3166 names, and compounds of a
  state's one-character short form: 美方 / 委方 (the US / Venezuelan side, named as "the US
  side" is in English) and 中美 / 中委 before a word of relations (中美关系: China and
  the US). Place names that hold a state form (中美洲, 美洲, 拉美) name no one.
- Descriptors (`ChineseRoleGrammar`): a state form, a modifier, and a head of
  `data/zh_roles.yaml` mapped onto the institutions and offices of `data/roles.yaml`:
  委内瑞拉政府 is the government of Venezuela, and — the government's leaders being its
  head of state and of government — Maduro by role when he is in context.
- Oblique phrases (`ChinesePhraseGrammar`): `data/zh_oblique.yaml` (各方, 有关方面,
  个别国家, 外部势力, 个别人), in the categories of `data/oblique.yaml`, linked by the same
  rules; a question that reports an actor's words (特朗普声明...) makes it a commentator,
  not one of 各方.
"""

from __future__ import annotations

import gettext
import hashlib
import re
from functools import cached_property
from pathlib import Path

from .oblique import OBLIQUE_FILE, PhraseGrammar, RuleLinker, leftmost_longest
from .reading import Reader
from .references import Form, ListedRole, Matcher
from .registry import Actor, Registry
from .roles import Descriptor, Target
from .text import alternation
from .yamlfile import load_yaml

DATA = Path(__file__).parent / "data"
NAMES_FILE = DATA / "names_zh.yaml"
ROLES_FILE = DATA / "zh_roles.yaml"
PHRASES_FILE = DATA / "zh_oblique.yaml"
_CJK = re.compile(r"[\u4e00-\u9fff]")
# A short-form pair names both states only before a word of relations between states.
_RELATIONS = ("关系|两国|双方|合作|之间|贸易|经贸|对话|磋商|会晤|会谈|元首|领导人|外长|战略|友好|建交|协议|协定|摩擦|分歧|"
              "联合|边境|边界|交往|友谊|人文|领事|谈判|争端|博弈|竞争")
_NOT_SIDE = "面案式法向针便舱"  # X方面 / 方案 / 方式 ...: "way", "plan", not "the X side"


def is_chinese(text: str | None) -> bool:
    """Whether a text is written in Chinese: a tenth or more of its characters are CJK ideographs."""
    if not text:
        return False
    return len(_CJK.findall(text)) * 10 >= len(text.strip())


def _load(path: Path) -> dict:
    return load_yaml(path.read_text(encoding="utf-8")) or {}


def _fingerprint(*paths: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _alternation(forms) -> str:
    return alternation(form for form in forms if form)


def pycountry_names(registry: Registry) -> dict[str, list[str]]:
    """state id -> the zh_CN translations of its ISO 3166 name, common name and official name."""
    import pycountry

    try:
        translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["zh_CN"])
    except OSError:
        return {}
    out: dict[str, list[str]] = {}
    for code, state_id in registry.codes.items():
        country = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
        if country is None or state_id not in registry:
            continue
        for english in (country.name, getattr(country, "common_name", None), getattr(country, "official_name", None)):
            chinese = translation.gettext(english) if english else None
            if chinese and chinese != english and is_chinese(chinese):
                out.setdefault(registry.canonical(state_id), []).append(chinese)
    return out


class ChineseNames:
    """Every Chinese name form, and the states' short forms, resolved against a registry."""

    def __init__(self, registry: Registry, path: Path = NAMES_FILE, roles_path: Path = ROLES_FILE):
        data = _load(path)
        self.forms: dict[str, list[str]] = {}
        self.short: dict[str, str] = {}
        self.state_names: dict[str, list[str]] = {}  # state id -> full names (for descriptors)
        self.unknown: list[str] = []  # ids of the file that the registry does not have
        for state_id, names in pycountry_names(registry).items():
            for name in names:
                self._add(name, state_id)
                self.state_names.setdefault(state_id, []).append(name)
        for section in ("states", "people", "organizations"):
            for actor_id, entry in (data.get(section) or {}).items():
                actor = registry.get(str(actor_id))
                if actor is None:
                    self.unknown.append(str(actor_id))
                    continue
                names = entry.get("names", []) if isinstance(entry, dict) else entry
                for name in names or ():
                    self._add(name, actor.id)
                    if actor.kind == "state":
                        self.state_names.setdefault(actor.id, []).append(name)
                if isinstance(entry, dict) and entry.get("short"):
                    self.short[entry["short"]] = actor.id
        self.not_names = tuple(_load(roles_path).get("not_names") or ())

    def _add(self, form: str, actor_id: str) -> None:
        owners = self.forms.setdefault(form, [])
        if actor_id not in owners:
            owners.append(actor_id)


class ChineseTitles:
    """Titles said with a name, before it (所谓“临时总统”瓜伊多) or after it (马杜罗总统)."""

    def __init__(self, roles_path: Path = ROLES_FILE):
        titles = _load(roles_path)["titles"]
        self.before = re.compile(rf"((?:(?:{_alternation(titles['before'])})[“”\"]?)+)$")
        self.after = re.compile(rf"^[“”\"]?({_alternation(titles['after'])})")

    def of(self, text: str, start: int, end: int) -> str | None:
        before = self.before.search(text[max(0, start - 12) : start])
        after = self.after.match(text[end : end + 8])
        parts = [re.sub(r"[“”\"]", "", m.group(1)) for m in (before, after) if m]
        return " ... ".join(parts) if parts else None


class ChineseMatcher:
    """`analysis.references.Matcher`'s part in the reading, for Chinese text.

    `names` finds names; the English matcher answers what concerns actors' English names
    (which bodies are named after whom), the same in every language.
    """

    def __init__(self, registry: Registry, names: ChineseNames | None = None, english: Matcher | None = None):
        self.registry = registry
        self.lexicon = names or ChineseNames(registry)
        self.english = english or Matcher(registry)
        self.titles = ChineseTitles()

    @cached_property
    def pattern(self) -> re.Pattern:
        shorts = "".join(sorted(self.lexicon.short))
        forms = _alternation([*self.lexicon.forms, *self.lexicon.not_names])
        return re.compile(
            rf"(?P<pair>(?P<a>[{shorts}])(?P<b>[{shorts}])(?=(?:两国)?(?:{_RELATIONS})))"
            rf"|(?P<form>{forms})"
            rf"|(?P<side>[{shorts}])方(?![{_NOT_SIDE}])"
        )

    def names(self, text: str) -> dict[str, list[Form]]:
        found: dict[str, list[Form]] = {}
        for match in self.pattern.finditer(text):
            if match.group("pair"):
                for group in ("a", "b"):
                    start, end = match.span(group)
                    self._add(found, self.lexicon.short[match.group(group)], Form(text[start:end], start, end, "named"))
                continue
            start, end = match.span()
            owners = self.lexicon.forms.get(match.group(), []) if match.group("form") else [self.lexicon.short[match.group("side")]]
            for actor_id in owners:
                kind = self.registry.actors[actor_id].kind
                title = self.titles.of(text, start, end) if kind == "person" else None
                self._add(found, actor_id, Form(text[start:end], start, end, "named", title))
        return found

    @staticmethod
    def _add(found: dict, actor_id: str, form: Form) -> None:
        if form not in found.setdefault(actor_id, []):
            found[actor_id].append(form)

    def listed_roles(self, text: str) -> list[ListedRole]:
        return []  # descriptors an actor's entry lists are English phrases

    def names_within(self, name: str) -> set[str]:
        return self.english.names_within(name)

    def describes_by_name(self, actor: Actor) -> bool:
        return self.english.describes_by_name(actor)


class ChineseRoleGrammar:
    """Chinese descriptors, with the institution and office targets of the English vocabulary."""

    def __init__(self, registry: Registry, names: ChineseNames, path: Path = ROLES_FILE):
        data = _load(path)
        english = registry.grammar
        self.institutions = english.institutions
        self.head_targets: dict[str, list[Target]] = {}
        self.not_leaders: dict[str, set[str]] = {}
        for name, spec in data["institutions"].items():
            for head in spec["heads"]:
                self.head_targets.setdefault(head, []).append(Target("institution", name))
            self.not_leaders[name] = set(spec.get("not_leaders") or ())
        for office, heads in data["offices"].items():
            for head in heads:
                self.head_targets.setdefault(head, []).append(Target("office", office))
        self.state_heads = {
            registry.codes.get(code, code): {head: (Target("institution", name),) for head, name in heads.items()}
            for code, heads in (data.get("state_heads") or {}).items()
        }
        self.titles_in_english = {head: tuple(words) for head, words in (data.get("title_words") or {}).items()}
        self.short_heads = tuple(data.get("short_heads") or ())
        self.modifiers = tuple(data.get("modifiers") or ())
        self.names = names
        self.state_forms = {form: state for state, forms in names.state_names.items() for form in forms}
        self.generic_heads = ("反对派", "反对派领导人", "当局", "政权")

    @cached_property
    def composed_pattern(self) -> re.Pattern:
        modifiers = f"(?:{_alternation(self.modifiers)})?"
        return re.compile(
            rf"(?P<state>{_alternation(self.state_forms)}){modifiers}(?P<head>{_alternation(self.head_targets)})"
            rf"|(?P<short>[{''.join(self.names.short)}]){modifiers}(?P<shead>{_alternation(self.short_heads)})"
        )

    @cached_property
    def generic_pattern(self) -> re.Pattern:
        return re.compile(f"(?P<head>{_alternation(self.generic_heads)})")

    def targets(self, head: str) -> tuple[Target, ...]:
        return tuple(self.head_targets.get(head, ()))

    def descriptors(self, text: str) -> list[Descriptor]:
        found: list[Descriptor] = []
        taken: list[tuple[int, int]] = []
        for match in self.composed_pattern.finditer(text):
            head = match.group("head") or match.group("shead")
            state_form = match.group("state") or match.group("short")
            state = self.state_forms.get(state_form) or self.names.short.get(state_form)
            start, end = match.span()
            targets = self.state_heads.get(state, {}).get(head) or self.targets(head)
            found.append(Descriptor(text[start:end], start, end, head, targets, state, state_form,
                                    head_span=match.span("head") if match.group("head") else match.span("shead")))
            taken.append((start, end))
        for match in self.generic_pattern.finditer(text):
            start, end = match.span()
            if any(s <= start < e or s < end <= e for s, e in taken):
                continue
            head = match.group("head")
            found.append(Descriptor(text[start:end], start, end, head, self.targets(head), None,
                                    head_span=match.span("head")))
        return sorted(found, key=lambda d: d.start)

    def title_words(self, head: str) -> tuple[str, ...]:
        """The English title words of a head (总统: President), to match the registry's titles."""
        return self.titles_in_english.get(head, ())

    def leads(self, head: str, institution: str) -> bool:
        return head not in self.not_leaders.get(institution, set())

    def is_bare(self, phrase: str) -> bool:
        return phrase in self.head_targets

    def states_in(self, text: str) -> list[str]:
        return [self.state_forms[m.group("state")] for m in self.composed_pattern.finditer(text) if m.group("state")]


class ChinesePhraseGrammar(PhraseGrammar):
    """Oblique candidate phrases of diplomatic Chinese, in the English grammar's categories."""

    def __init__(self, path: Path = PHRASES_FILE, english: Path = OBLIQUE_FILE):
        super().__init__(english)  # the categories' kinds, and the keywords of actors' English names
        data = _load(path)
        self.zh_categories = [(name, re.compile("|".join(f"(?:{p})" for p in patterns)))
                              for name, patterns in data["categories"].items()]
        unknown = [name for name, _ in self.zh_categories if name not in self.kinds]
        if unknown:
            raise ValueError(f"{path}: categories {', '.join(unknown)} are not those of {english}")

    def phrases(self, text: str) -> list[Form]:
        return leftmost_longest([Form(text[m.start():m.end()], m.start(), m.end(), "oblique", category=name)
                                 for name, pattern in self.zh_categories for m in pattern.finditer(text)])


class ChineseRuleLinker(RuleLinker):
    """The English rules, all of them; a question reports an actor's words in Chinese by a verb after its name."""

    method = "oblique-rules"

    def __init__(self, grammar: ChinesePhraseGrammar, reported_speech: tuple[str, ...]):
        super().__init__(grammar)
        verbs = _alternation(reported_speech)
        self.reporting = re.compile(rf"^[^，。；？！]{{0,12}}?(?:{verbs})")

    def is_reported_speaker(self, question: str, forms: list[Form]) -> bool:
        return any(self.reporting.match(question[form.end : form.end + 30]) for form in forms)


class ChineseReader(Reader):
    """`Reader` over Chinese turns: the same classes, context rules and offsets."""

    def __init__(self, registry: Registry, english: Matcher | None = None):
        names = ChineseNames(registry)
        grammar = ChinesePhraseGrammar()
        roles = _load(ROLES_FILE)
        super().__init__(registry, linker=ChineseRuleLinker(grammar, tuple(roles.get("reported_speech") or ())),
                         grammar=grammar, matcher=ChineseMatcher(registry, names, english))
        self.roles = ChineseRoleGrammar(registry, names)
        self.fingerprint = _fingerprint(Path(__file__), NAMES_FILE, ROLES_FILE, PHRASES_FILE)

    @cached_property
    def version(self) -> str:
        """The English reading's version (its rules are this reading's) and the Chinese forms'."""
        return f"{Reader.version.func(self)}/zh-{self.fingerprint}"
