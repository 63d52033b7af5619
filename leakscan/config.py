"""Configuration: ``[tool.leakscan]`` in the nearest ``pyproject.toml`` or ``leakscan.toml``.

The command line overrides the file.  Unknown keys and wrong types are errors that
name the file, the key and what was expected (exit code 2).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]

import click

from leakscan.findings import Level

FORMATS = ("text", "concise", "json", "sarif", "github")


class ConfigError(click.ClickException):
    """A problem with the configuration or the arguments; reported as one line, exit 2."""

    exit_code = 2


@dataclass
class Options:
    paths: list[str] = field(default_factory=lambda: ["."])
    format: str = "text"
    output: str | None = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    extend_exclude: list[str] = field(default_factory=list)
    respect_gitignore: bool = True
    fail_on: Level = Level.LOW
    min_confidence: Level = Level.MEDIUM
    max_size: int = 1000
    quiet: bool = False
    progress: bool = True
    color: bool | None = None
    config_file: str | None = None
    jobs: int = 0
    cache: bool = True
    cache_dir: str | None = None
    baseline: str | None = None
    write_baseline: str | None = None
    new_since: str | None = None
    shard: tuple[int, int] | None = None
    show_suppressed: bool = False
    fix: bool = False
    unsafe_fixes: bool = False
    diff: bool = False
    file_timeout: float = 120.0
    plugins: list[str] = field(default_factory=list)
    per_file_ignores: dict[str, list[str]] = field(default_factory=dict)


# key -> (attribute, expected type description, validator)
def _str_list(value: Any) -> list[str] | None:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return list(value)
    return None


def _level(value: Any) -> Level | None:
    try:
        return Level(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _positive_int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _path(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _ignores_map(value: Any) -> dict[str, list[str]] | None:
    if not isinstance(value, dict):
        return None
    result: dict[str, list[str]] = {}
    for pattern, codes in value.items():
        listed = _str_list(codes)
        if listed is None:
            return None
        result[str(pattern)] = listed
    return result


def _seconds(value: Any) -> float | None:
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and value >= 0
    return float(value) if ok else None


def _bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


_KEYS: dict[str, tuple[str, str, Any]] = {
    "select": ("select", "a list of rule ids", _str_list),
    "ignore": ("ignore", "a list of rule ids", _str_list),
    "exclude": ("exclude", "a list of glob patterns", _str_list),
    "extend-exclude": ("extend_exclude", "a list of glob patterns", _str_list),
    "fail-on": ("fail_on", "one of low, medium, high", _level),
    "min-confidence": ("min_confidence", "one of low, medium, high", _level),
    "max-size": ("max_size", "a positive integer", _positive_int),
    "respect-gitignore": ("respect_gitignore", "true or false", _bool),
    "baseline": ("baseline", "a path to a baseline file", _path),
    "file-timeout": ("file_timeout", "a number of seconds (0 for none)", _seconds),
    "per-file-ignores": ("per_file_ignores", "a table of glob = [rule ids]", _ignores_map),
}


def find_config(paths: Iterable[str]) -> Path | None:
    """The nearest ``pyproject.toml`` with a ``[tool.leakscan]`` table, or ``leakscan.toml``,
    searching up from the first scanned path."""
    first = next(iter(paths), ".")
    start = Path(first).resolve()
    if not start.is_dir():
        start = start.parent
    for folder in (start, *start.parents):
        candidate = folder / "leakscan.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _has_tool_table(candidate):
            return candidate
    return None


def _has_tool_table(path: Path) -> bool:
    try:
        return "leakscan" in _read_toml(path).get("tool", {})
    except ConfigError:
        return True  # let the loader report the broken file


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data: dict[str, Any] = tomllib.load(handle)
            return data
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc


def load_table(path: Path) -> dict[str, Any]:
    """The leakscan settings in ``path``; a ``leakscan.toml`` may use a top-level table."""
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("leakscan", {})
    else:
        table = data.get("tool", {}).get("leakscan", data)
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [tool.leakscan] must be a table")
    return table


def apply_file(options: Options, path: Path, explicit: set[str]) -> None:
    """Apply a configuration file's settings, except those given on the command line."""
    table = load_table(path)
    for key, value in table.items():
        spec = _KEYS.get(key)
        if spec is None:
            known = ", ".join(sorted(_KEYS))
            raise ConfigError(f"{path}: unknown key {key!r} in [tool.leakscan] (known keys: {known})")
        attribute, expected, convert = spec
        converted = convert(value)
        if converted is None:
            raise ConfigError(f"{path}: {key} must be {expected}, got {value!r}")
        if attribute not in explicit:
            setattr(options, attribute, converted)
