"""The schema of a configured site (crawlers/configs/<name>.yaml), stated once as pydantic models.

Loading validates every key and names the file and the key in its one-line error
("mea.yaml: list.item: missing"). Selectors are CSS unless the file says `selectors:
xpath`; any one can say which it is with `{css: ...}` or `{xpath: ...}`, and each is
compiled at loading, so a typo fails there rather than mid-crawl.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

import parsel
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, ValidationError, model_validator
from pydantic import ValidationInfo, field_validator

from corpus.records import Source
from crawlers.settings import DOWNLOAD_DELAY

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
# More folders of configs, separated like PATH (os.pathsep), for configs kept outside the package.
CONFIG_PATH_ENV = "COMMUNIQUE_CONFIGS"
_PROBE = parsel.Selector(text="<html><body><p>x</p></body></html>")


class ConfigError(ValueError):
    """A config file is unreadable or has a missing, unknown or malformed key."""


class Selector(BaseModel):
    """A CSS or XPath expression, evaluated relative to a parsel selector."""

    model_config = ConfigDict(frozen=True)
    syntax: Literal["css", "xpath"]
    expression: str

    def select(self, node: parsel.Selector) -> parsel.SelectorList:
        return node.css(self.expression) if self.syntax == "css" else node.xpath(self.expression)

    def texts(self, node: parsel.Selector, elements_only: bool = False) -> list[str]:
        """The text of each match: an element's text (a <meta>'s content), or the string an XPath selects."""
        found = []
        for match in self.select(node):
            if isinstance(match.root, str):
                if not elements_only:
                    found.append(match.root)
            elif getattr(match.root, "tag", None) == "meta":
                found.append(match.attrib.get("content", ""))
            else:
                found.append(match.xpath("string()").get(""))
        return found

    def hrefs(self, node: parsel.Selector) -> list[str]:
        return [m.root if isinstance(m.root, str) else m.attrib.get("href", "") for m in self.select(node)]

    def __str__(self) -> str:
        return f"{self.syntax} {self.expression!r}"


def _selector(value: Any, info: ValidationInfo) -> Selector:
    if isinstance(value, dict):
        if len(value) != 1 or next(iter(value)) not in ("css", "xpath"):
            raise ValueError(f"must be a selector string or {{css: ...}} / {{xpath: ...}}, not {value!r}")
        syntax, expression = next(iter(value.items()))
    else:
        syntax, expression = (info.context or {}).get("syntax", "css"), value
    if not isinstance(expression, str) or not expression.strip():
        raise ValueError(f"must be a non-empty selector, not {expression!r}")
    selector = Selector(syntax=syntax, expression=expression.strip())
    try:
        selector.select(_PROBE)
    except Exception as error:  # cssselect.SelectorError, parsel's ValueError for XPath
        raise ValueError(f"bad {syntax} selector {expression!r} ({error})") from None
    return selector


def _regex(value: Any) -> re.Pattern:
    if isinstance(value, re.Pattern):
        return value
    if not isinstance(value, str) or not value:
        raise ValueError(f"must be a regular expression, not {value!r}")
    try:
        return re.compile(value)
    except re.error as error:
        raise ValueError(f"bad regular expression {value!r} ({error})") from None


def _url(value: Any) -> str:
    parts = urlsplit(value) if isinstance(value, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


def _listed(value: Any) -> Any:
    return [value] if isinstance(value, (str, dict)) else value


Sel = Annotated[Selector, BeforeValidator(_selector)]
Regex = Annotated[re.Pattern, BeforeValidator(_regex)]
Url = Annotated[str, BeforeValidator(_url)]
Text = Annotated[str, Field(min_length=1)]


def _group(pattern: re.Pattern | None, name: str, key: str) -> None:
    if pattern is not None and name not in pattern.groupindex and pattern.groups < 1:
        raise ValueError(f"{key}: needs a group: (?P<{name}>...)")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class Pagination(_Strict):
    template: Url | None = None  # a list URL with {page}
    first: int = 1  # the number {page} takes on the first list page
    next: Sel | None = None  # links to further list pages
    max_pages: int = Field(default=1, ge=1)

    @field_validator("template")
    @classmethod
    def _has_page(cls, template):
        if template is not None and "{page}" not in template:
            raise ValueError(f"{template!r} has no {{page}}")
        return template

    @model_validator(mode="before")
    @classmethod
    def _bounded(cls, data):
        if isinstance(data, dict) and data.get("template") and data.get("next"):
            raise ValueError("give a template or a next selector, not both")
        if isinstance(data, dict) and (data.get("template") or data.get("next")) and "max_pages" not in data:
            raise ValueError("max_pages: missing (how many list pages at most)")
        return data


class ArticleUrl(_Strict):
    """Listed links rewritten into the URL to fetch: `match` on the link, `url` filled with its groups."""

    match: Regex
    url: str

    @model_validator(mode="after")
    def _fills(self):
        try:
            sample = self.url.format(*(["0"] * self.match.groups), **dict.fromkeys(self.match.groupindex, "0"))
        except (IndexError, KeyError) as error:
            raise ValueError(f"url: uses {error} that match does not capture") from None
        _url(sample)
        return self

    def rewrite(self, link: str) -> str:
        found = self.match.search(link)
        return self.url.format(*found.groups(), **found.groupdict()) if found else link


class ListSpec(_Strict):
    url: Url | None = None
    urls: list[Url] | None = None
    pagination: Pagination = Pagination()
    item: Sel
    link: Sel
    title: Sel | None = None
    date: Sel | None = None
    article_url: ArticleUrl | None = None

    @model_validator(mode="after")
    def _starts(self):
        if self.url and self.urls:
            raise ValueError("give url or urls, not both")
        if not (self.url or self.urls or self.pagination.template):
            raise ValueError("url: missing (give url, urls, or a pagination.template)")
        return self

    @property
    def first_urls(self) -> tuple[str, ...]:
        if self.url or self.urls:
            return (self.url,) if self.url else tuple(self.urls)
        return (self.pagination.template.replace("{page}", str(self.pagination.first)),)


class ArticleSpec(_Strict):
    body: Sel
    title: Sel | None = None
    date: Sel | None = None
    id: Regex | None = None
    drop: Annotated[list[Sel], BeforeValidator(_listed)] = []
    skip: Annotated[list[Regex], BeforeValidator(_listed)] = []
    spokesperson: Regex | None = None
    kind: Regex | None = None
    default_kind: Text = "briefing"
    footer: Sel | None = None  # what every complete page has after its body

    @model_validator(mode="after")
    def _groups(self):
        _group(self.spokesperson, "name", "spokesperson")
        _group(self.kind, "kind", "kind")
        return self


class TurnSpec(_Strict):
    label: Regex | None = None  # where a speaker label ends; default "Label: text"
    answer: Annotated[list[Regex], BeforeValidator(_listed)] = []
    question: Annotated[list[Regex], BeforeValidator(_listed)] = [re.compile(".")]
    anonymous: Annotated[list[Regex], BeforeValidator(_listed)] = [
        re.compile(r"^(?:Q|Question|Questioner|Reporter|Journalist)$", re.I)
    ]
    speaker: Regex | None = None  # the name in an answer's label
    headings: Sel | None = None  # body elements that are topic headings: kept as notes
    unlabelled: Literal["continue", "answer"] = "continue"
    max_label_words: int = 8

    @model_validator(mode="after")
    def _groups(self):
        if self.label is not None and "label" not in self.label.groupindex:
            raise ValueError("label: needs a group (?P<label>...); the text after the match is the turn")
        _group(self.speaker, "name", "speaker")
        return self


class DateSpec(_Strict):
    dayfirst: StrictBool = False
    yearfirst: StrictBool = False
    pattern: Regex | None = None  # where the date is in a text: group "date", else group 1


class Politeness(_Strict):
    delay: float | None = None

    @field_validator("delay")
    @classmethod
    def _not_below_ours(cls, delay):
        if delay is not None and delay < DOWNLOAD_DELAY:
            raise ValueError(f"{delay:g} s is below the project's {DOWNLOAD_DELAY:g} s: a config may only ask for more")
        return delay


class SiteConfig(_Strict):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    ministry: Text
    country: Text
    language: Text
    homepage: Url | None = None
    layout: Text  # the name of its layout in the corpus; the source's name unless given
    selectors: Literal["css", "xpath"] = "css"
    list: ListSpec
    article: ArticleSpec
    turns: TurnSpec = TurnSpec()
    dates: DateSpec = DateSpec()
    politeness: Politeness = Politeness()
    path: Path = Path()

    @model_validator(mode="before")
    @classmethod
    def _layout_defaults_to_name(cls, data):
        if isinstance(data, dict) and data.get("layout") is None and isinstance(data.get("name"), str):
            data = {**data, "layout": data["name"]}
        return data

    @field_validator("country")
    @classmethod
    def _iso(cls, country):
        if not re.fullmatch(r"[A-Z]{2}", country):
            raise ValueError(f"{country!r} must be a two-letter ISO 3166 code such as IN")
        return country

    @property
    def source(self) -> Source:
        return Source(name=self.name, ministry=self.ministry, country=self.country, language=self.language,
                      homepage=self.homepage)

    @property
    def hosts(self) -> tuple[str, ...]:
        urls = [*self.list.first_urls, self.homepage or "", self.list.pagination.template or ""]
        if self.list.article_url:
            urls.append(self.list.article_url.url)
        return tuple(sorted({urlsplit(url).hostname for url in urls if urlsplit(url).hostname}))


def load_config(path: str | Path) -> SiteConfig:
    """Read and check a config file; every error names the file and the key."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"{path}: cannot be read ({error.strerror or error})") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: is not valid YAML ({' '.join(str(error).split())})") from error
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: (top level): must be a mapping, not {type(data).__name__}")
    syntax = data.get("selectors", "css")
    try:
        config = SiteConfig.model_validate({**data, "path": path}, context={"syntax": syntax})
    except ValidationError as error:
        raise ConfigError(f"{path}: {_first_problem(error)}") from None
    if config.name != path.stem:
        raise ConfigError(f"{path}: name: {config.name!r} differs from the file name: call the file {config.name}.yaml")
    return config


_KINDS = {
    "missing": "missing",
    "string_type": "must be text",
    "bool_type": "must be true or false",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "list_type": "must be a list",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
    "dict_type": "must be a mapping",
}


def _first_problem(error: ValidationError) -> str:
    """One line for the first problem pydantic found: the dotted key, then what is wrong with it."""
    # an unknown key first: a misspelt key is also a missing one
    problem = min(error.errors(), key=lambda found: found["type"] != "extra_forbidden")
    location = [part for part in problem["loc"] if not (isinstance(part, str) and part.startswith("function-"))]
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in location).lstrip(".") or "(top level)"
    kind, value = problem["type"], problem.get("input")
    if kind == "extra_forbidden":
        return f"{key}: unknown key (known here: {', '.join(_known_keys(location[:-1]))})"
    if kind == "value_error":
        message = str(problem["ctx"]["error"])
        inner, _, rest = message.partition(": ")
        # a model's own check may name the key inside it ("max_pages: missing")
        if rest and re.fullmatch(r"[a-z_]+", inner):
            return f"{key}.{inner}: {rest}" if key != "(top level)" else f"{inner}: {rest}"
        return f"{key}: {message}"
    if kind == "literal_error":
        return f"{key}: must be {problem['ctx']['expected']}, not {value!r}"
    if kind == "string_pattern_mismatch":
        return f"{key}: {value!r} must be lower-case letters, digits and _ (it is the source's name)"
    if kind in _KINDS:
        return f"{key}: {_KINDS[kind]}" + ("" if kind == "missing" else f", not {type(value).__name__} {value!r}")
    return f"{key}: {problem['msg']}"


def _known_keys(location: list) -> list[str]:
    model: Any = SiteConfig
    for part in location:
        if isinstance(part, int):
            continue
        annotation = model.model_fields[part].annotation
        model = next((arg for arg in getattr(annotation, "__args__", (annotation,)) if isinstance(arg, type)
                      and issubclass(arg, BaseModel)), annotation)
    return [name for name in model.model_fields if name != "path"]


def config_dirs() -> list[Path]:
    extra = [Path(folder) for folder in os.environ.get(CONFIG_PATH_ENV, "").split(os.pathsep) if folder]
    return [CONFIG_DIR, *extra]


def config_paths() -> dict[str, Path]:
    """Every config file by source name (its file name), crawlers/configs/ first."""
    found: dict[str, Path] = {}
    for folder in config_dirs():
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            if path.stem in found:
                raise ConfigError(f"{path}: source {path.stem!r} is already configured in {found[path.stem]}")
            found[path.stem] = path
    return found
