"""The actor registry: defaults shipped as YAML, extended or overridden by the user's file."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import yaml

DEFAULT_REGISTRY = Path(__file__).parent / "data" / "actors.yaml"
KINDS = ("person", "state", "organization", "group")


class RegistryError(ValueError):
    """An actor file could not be read."""


@dataclass(frozen=True)
class Actor:
    id: str
    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()


@dataclass
class Registry:
    actors: dict[str, Actor] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)

    def __getitem__(self, actor_id: str) -> Actor:
        try:
            return self.actors[actor_id]
        except KeyError:
            raise RegistryError(
                f"unknown actor {actor_id!r}: not in the registry ({', '.join(self.sources)})"
            ) from None

    def __contains__(self, actor_id: str) -> bool:
        return actor_id in self.actors

    def __iter__(self):
        return iter(self.actors.values())

    def __len__(self) -> int:
        return len(self.actors)

    @property
    def version(self) -> str:
        """A hash of the registry's content: analysis is redone for actors whose entry changed."""
        return hashlib.sha256(
            json.dumps({k: actor_fingerprint(v) for k, v in sorted(self.actors.items())}, sort_keys=True).encode()
        ).hexdigest()[:16]


def actor_fingerprint(actor: Actor) -> str:
    payload = json.dumps([actor.name, actor.kind, list(actor.aliases), list(actor.roles)], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _entries(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RegistryError(f"cannot read actor file {path}: {error.strerror}") from error
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise RegistryError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {error}") from error
    if isinstance(data, dict) and isinstance(data.get("actors"), dict):
        data = data["actors"]
    if not isinstance(data, dict):
        raise RegistryError(f"{path}: expected a mapping of actor ids to entries")
    return data


def _actor(actor_id: str, entry, path: Path) -> Actor:
    if not isinstance(entry, dict) or not entry.get("name"):
        raise RegistryError(f"{path}: actor {actor_id!r} needs at least a name")
    kind = entry.get("kind", "person")
    if kind not in KINDS:
        raise RegistryError(f"{path}: actor {actor_id!r} has kind {kind!r}; kinds are {', '.join(KINDS)}")
    aliases = tuple(entry.get("aliases") or ()) or (entry["name"],)
    return Actor(actor_id, entry["name"], kind, aliases, tuple(entry.get("roles") or ()))


def load_registry(*extra: str | Path, defaults: bool = True) -> Registry:
    """The default registry, then each file in turn: an entry replaces the actor of the same id."""
    registry = Registry()
    paths = ([DEFAULT_REGISTRY] if defaults else []) + [Path(p) for p in extra]
    for path in paths:
        for actor_id, entry in _entries(path).items():
            registry.actors[actor_id] = _actor(actor_id, entry, path)
        registry.sources.append(str(path))
    return registry
