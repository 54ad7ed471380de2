"""Actors and their aliases: from an actors YAML file, ``--actor`` options, or Python values.

Aliases are normalised like article text (``segment.normalize_text``) with runs of whitespace
collapsed, so an alias written with a curly apostrophe or a double space still matches. Two
actors may not share an alias: the match would be ambiguous. Aliases are compared by the key
the matcher uses (``mentions.alias_key``), so "the Kremlin" and "The Kremlin" also clash.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from .errors import ConfigError
from .segment import normalize_text
from .targets import Target, as_target

TOP_LEVEL_KEYS = ("target", "actors")
ACTOR_ITEM_KEYS = ("name", "aliases")


@dataclass(frozen=True)
class Actor:
    """A named actor; ``aliases`` are the strings searched for (the name itself if none given)."""

    name: str
    aliases: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        aliases = tuple(self.aliases) if not isinstance(self.aliases, str) else (self.aliases,)
        object.__setattr__(self, "aliases", aliases or (self.name,))


@dataclass
class ActorsSpec:
    """The content of an actors file: the actors and, optionally, the stance target (with its aliases)."""

    actors: list[Actor]
    target: Target | None = None


def normalize_alias(alias: str) -> str:
    """Alias in the same canonical form as ``segment.normalize_text`` output, whitespace collapsed."""
    return " ".join(normalize_text(alias).split())


def alias_key(alias: str) -> str:
    """The identity the matcher gives an alias (see ``mentions``): the first letter of a
    non-acronym alias may be capitalised in text, so it is lower-cased here."""
    if is_acronym(alias) or not alias:
        return alias
    return alias[0].lower() + alias[1:]


def is_acronym(alias: str) -> bool:
    """All-caps aliases ("US", "NATO", "U.S.") are matched case-sensitively."""
    return any(c.isalpha() for c in alias) and not any(c.islower() for c in alias)


def build_actors(actors: Mapping[str, Sequence[str] | None] | Sequence[Actor | str]) -> list[Actor]:
    """Validate and normalise actors given as {name: [aliases]} or a list of Actor / names."""
    items: list[tuple[object, object]]
    if isinstance(actors, Mapping):
        items = list(actors.items())
    elif isinstance(actors, Sequence) and not isinstance(actors, (str, bytes)):
        items = []
        for i, a in enumerate(actors):
            if isinstance(a, Actor):
                items.append((a.name, list(a.aliases)))
            elif isinstance(a, str):
                items.append((a, None))
            else:
                raise ConfigError(f"actors[{i}]: expected an actor name or Actor, got {type(a).__name__}")
    else:
        raise ConfigError("actors: must be a mapping of name -> list of aliases, or a list of names")
    if not items:
        raise ConfigError("actors: at least one actor is required")

    result: list[Actor] = []
    names: set[str] = set()
    owner: dict[str, tuple[str, str]] = {}  # alias key -> (actor name, alias)
    for raw_name, raw_aliases in items:
        if not isinstance(raw_name, str) or not normalize_alias(raw_name):
            raise ConfigError(f"actors: actor name {raw_name!r} must be a non-empty string")
        name = normalize_alias(raw_name)
        if name in names:
            raise ConfigError(f"actors.{name}: actor listed twice")
        names.add(name)
        aliases = _aliases(name, raw_aliases)
        for alias in aliases:
            key = alias_key(alias)
            if key in owner and owner[key][0] != name:
                other, other_alias = owner[key]
                raise ConfigError(
                    f"actors.{name}: alias {alias!r} is also an alias of {other}"
                    + (f" ({other_alias!r})" if other_alias != alias else "")
                    + f"; an alias must belong to one actor ({other} and {name})"
                )
            owner[key] = (name, alias)
        result.append(Actor(name, aliases))
    return result


def _aliases(name: str, raw: object) -> tuple[str, ...]:
    if raw is None:
        return (name,)
    if isinstance(raw, str):
        raw = [raw]
    if not isinstance(raw, (list, tuple)):
        raise ConfigError(f"actors.{name}: aliases must be a list of strings, got {type(raw).__name__}")
    if not raw:
        return (name,)
    out: list[str] = []
    for i, alias in enumerate(raw):
        if not isinstance(alias, str):
            hint = " (quote it in YAML)" if isinstance(alias, (bool, int, float)) else ""
            raise ConfigError(f"actors.{name}[{i}]: alias must be a string, got {alias!r}{hint}")
        alias = normalize_alias(alias)
        if not alias:
            raise ConfigError(f"actors.{name}[{i}]: empty alias")
        if alias not in out:
            out.append(alias)
    return tuple(out)


def load_actors_file(path: str | os.PathLike) -> ActorsSpec:
    """Read an actors YAML file (``yaml.safe_load`` only); errors name the file and key path."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"{p}: no such actors file")
    if p.is_dir():
        raise ConfigError(f"{p}: is a directory, not an actors file")
    try:
        text = p.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{p}: actors file is not UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{p}: cannot read actors file ({exc.strerror or exc})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        ctx, ctx_mark = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if ctx and ctx_mark is not None and ctx_mark is not mark:
            problem += f" ({ctx} started at line {ctx_mark.line + 1})"
        raise ConfigError(f"{p}: malformed YAML{where}: {problem}") from None
    try:
        return parse_actors_data(data)
    except ConfigError as exc:
        raise ConfigError(f"{p}: {exc}") from None


def parse_actors_data(data: object) -> ActorsSpec:
    """Validate the parsed YAML of an actors file (see ``load_actors_file``)."""
    if data is None:
        raise ConfigError("actors file is empty (expected keys: actors, target)")
    if not isinstance(data, Mapping):
        raise ConfigError(f"expected a mapping with keys actors, target; got {type(data).__name__}")
    for key in data:
        if key not in TOP_LEVEL_KEYS:
            raise ConfigError(f"{key}: unknown key (allowed: {', '.join(TOP_LEVEL_KEYS)})")
    target = data.get("target")
    if "target" in data and not isinstance(target, (str, Mapping)):
        raise ConfigError("target: must be a non-empty string or a mapping with name and aliases")
    target = as_target(target, "target") if "target" in data else None
    if "actors" not in data:
        raise ConfigError("actors: missing (expected a mapping of name -> list of aliases)")
    raw = data["actors"]
    if raw is None or (isinstance(raw, (Mapping, list)) and not raw):
        raise ConfigError("actors: at least one actor is required")
    if isinstance(raw, Mapping):
        actors = build_actors(raw)
    elif isinstance(raw, list):
        actors = build_actors(_actor_list(raw))
    else:
        raise ConfigError("actors: must be a mapping of name -> list of aliases")
    if target is not None:
        check_target_aliases(target, actors)
    return ActorsSpec(actors=actors, target=target)


def check_target_aliases(target: Target, actors: Sequence[Actor]) -> None:
    """Refuse a target phrase that is also an actor alias: the same words cannot be both who and what."""
    owner = {alias_key(normalize_alias(a)).lower(): actor.name for actor in actors for a in actor.aliases}
    for i, phrase in enumerate(target.phrases):
        hit = owner.get(alias_key(normalize_alias(phrase)).lower())
        if hit is not None:
            where = "target.name" if i == 0 else f"target.aliases[{i - 1}]"
            raise ConfigError(f"{where}: {phrase!r} is also an alias of actor {hit}; a phrase is either the target or an actor")


def _actor_list(raw: list) -> dict[object, object]:
    """``actors:`` as a list of names or {name:, aliases:} maps -> {name: aliases}."""
    out: dict[object, object] = {}
    for i, item in enumerate(raw):
        if isinstance(item, str):
            name, aliases = item, None
        elif isinstance(item, Mapping):
            for key in item:
                if key not in ACTOR_ITEM_KEYS:
                    raise ConfigError(f"actors[{i}].{key}: unknown key (allowed: {', '.join(ACTOR_ITEM_KEYS)})")
            if "name" not in item:
                raise ConfigError(f"actors[{i}]: missing 'name'")
            name, aliases = item["name"], item.get("aliases")
        else:
            raise ConfigError(f"actors[{i}]: expected a name or a mapping with name and aliases")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"actors[{i}].name: must be a non-empty string")
        if name in out:
            raise ConfigError(f"actors.{name}: actor listed twice")
        out[name] = aliases
    return out


def parse_actor_option(spec: str) -> Actor:
    """Parse a CLI ``--actor`` value: "Russia=Russia,Russian,Moscow" or "NATO" (name is the alias)."""
    if not spec or not spec.strip():
        raise ConfigError("--actor: empty value (expected NAME or NAME=ALIAS,ALIAS,...)")
    if "=" in spec:
        name, _, rest = spec.partition("=")
        if not name.strip():
            raise ConfigError(f"--actor {spec!r}: empty actor name before '='")
        if not rest.strip():
            raise ConfigError(f"--actor {spec!r}: no aliases after '='")
        parts = rest.split(",")
        for i, part in enumerate(parts):
            if not part.strip():
                raise ConfigError(f"--actor {spec!r}: empty alias at position {i + 1}")
        aliases: list[str] | None = parts
    else:
        name, aliases = spec, None
    try:
        return build_actors({name: aliases})[0]
    except ConfigError as exc:
        raise ConfigError(f"--actor {spec!r}: {exc}") from None
