"""States for the registry, from two maintained packages and a page of corrections.

`pycountry` gives the ISO 3166-1 codes and official names, `countryinfo` the demonyms,
capitals and alternative spellings; `analysis/data/states.yaml` says which states there
are (UN members, observers, a few territories ministries speak of as parties) and corrects
or completes what the packages give. Native-script and foreign-language spellings are left
out: they would match English words ("Island" is Iceland in Icelandic).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .text import fold
from .yamlfile import load_yaml

STATES_FILE = Path(__file__).parent / "data" / "states.yaml"

# Alternative spellings are kept when they are English state designations.
_ENGLISH_DESIGNATION = re.compile(
    r"\b(?:Republic|Kingdom|State|Federation|Commonwealth|Union|Principality|Sultanate|Emirates|"
    r"Confederation|Grand Duchy|Federal|Democratic|Islamic|Independent|Plurinational|Co-operative)\b"
)
# ...written in English: "Union des Comores" is not.
_FOREIGN_WORD = re.compile(r"\b(?:de|del|da|du|des|la|ya|wa|ng|na|ta|el)\b")


@dataclass(frozen=True)
class StateEntry:
    iso3: str
    iso2: str | None
    id: str
    name: str
    official: tuple[str, ...]
    aliases: tuple[str, ...]
    demonyms: tuple[str, ...]
    capitals: tuple[str, ...]
    ids: tuple[str, ...]
    status: str  # un_member | observer | territory
    claimed_by: tuple[str, ...] = ()  # ISO3 codes of the states that count a territory as their own


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", fold(name).lower().replace("'", "")).strip("_")


def _english(spelling: str) -> bool:
    if not spelling or spelling != spelling.strip() or "," in spelling:
        return False
    if re.fullmatch(r"[A-Z]{2,3}", spelling) or any(ord(c) > 0x24F for c in spelling):
        return False
    return bool(_ENGLISH_DESIGNATION.search(spelling)) and not _FOREIGN_WORD.search(spelling)


def _package_facts(iso3: str) -> dict:
    """What pycountry and countryinfo know of a code; territories they lack get nothing."""
    import pycountry

    facts: dict = {"iso2": None, "name": None, "official": [], "demonyms": [], "capitals": [], "alternatives": []}
    country = pycountry.countries.get(alpha_3=iso3)
    if country is not None:
        facts["iso2"] = country.alpha_2
        facts["name"] = getattr(country, "common_name", None) or country.name
        if getattr(country, "official_name", None):
            facts["official"].append(country.official_name)
    try:
        from countryinfo import CountryInfo

        info = CountryInfo(iso3).info()
    except Exception:  # countryinfo raises its own errors for codes it does not know
        return facts
    facts["name"] = info.get("name") or facts["name"]
    facts["demonyms"] = [d.strip() for d in (info.get("demonym") or "").split(",") if d.strip()]
    capital = (info.get("capital") or "").strip()
    facts["capitals"] = [capital] if capital else []
    facts["alternatives"] = [a for a in info.get("altSpellings") or [] if _english(a)]
    return facts


@lru_cache(maxsize=2)
def not_names(path: Path = STATES_FILE) -> tuple[str, ...]:
    """Place names that hold a state's name without naming the state."""
    return tuple(load_yaml(path.read_text(encoding="utf-8")).get("not_names") or ())


@lru_cache(maxsize=2)
def load_states(path: Path = STATES_FILE) -> tuple[StateEntry, ...]:
    data = load_yaml(path.read_text(encoding="utf-8"))
    corrections = data.get("states") or {}
    statuses = {code: "un_member" for code in data["un_members"]}
    statuses.update({code: "observer" for code in data.get("observers") or []})
    statuses.update({code: "territory" for code in data.get("territories") or []})
    entries = []
    for iso3, status in statuses.items():
        facts = _package_facts(iso3)
        fix = corrections.get(iso3) or {}
        name = fix.get("name") or facts["name"]
        if not name:
            raise ValueError(f"{path}: no name for {iso3}: give one under states.{iso3}.name")
        demonyms = fix["demonyms"] if "demonyms" in fix else facts["demonyms"]
        capitals = fix["capitals"] if "capitals" in fix else facts["capitals"]
        official = [o for o in facts["official"] + facts["alternatives"] if o != name and "," not in o]
        entries.append(StateEntry(
            iso3=iso3,
            iso2=fix.get("iso2") or facts["iso2"],
            id=fix.get("id") or slug(name),
            name=name,
            official=tuple(dict.fromkeys(official)),
            aliases=tuple(dict.fromkeys(fix.get("aliases") or [])),
            demonyms=tuple(dict.fromkeys(demonyms)),
            capitals=tuple(dict.fromkeys(capitals)),
            ids=tuple(fix.get("ids") or []),
            status=status,
            claimed_by=tuple(fix.get("claimed_by") or ()),
        ))
    return tuple(entries)
