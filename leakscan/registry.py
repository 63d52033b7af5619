"""Find rules: every installed rule pack (entry-point group ``leakscan.rules``).

A pack is a module or package; every public submodule is imported and every concrete
:class:`~leakscan.rule.Rule` subclass in it becomes a rule, so adding a rule file
needs no metadata edit.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from importlib.metadata import entry_points
from types import ModuleType

from leakscan.rule import Rule

ENTRY_POINT_GROUP = "leakscan.rules"
_BUILTIN_PACK = "leakscan.rules"


class RegistryError(Exception):
    """A rule pack could not be loaded or declares a bad rule."""


def _rules_in(module: ModuleType) -> list[type[Rule]]:
    found: list[type[Rule]] = []
    modules = [module]
    if hasattr(module, "__path__"):
        for info in pkgutil.iter_modules(module.__path__, module.__name__ + "."):
            if info.name.rsplit(".", 1)[-1].startswith("_"):
                continue
            modules.append(importlib.import_module(info.name))
    for mod in modules:
        for _, obj in inspect.getmembers(mod, inspect.isclass):
            if issubclass(obj, Rule) and obj.__module__ == mod.__name__ and hasattr(obj, "id"):
                found.append(obj)
    return found


def load_pack(name: str) -> list[type[Rule]]:
    try:
        module = importlib.import_module(name)
    except Exception as exc:  # a broken plugin must not look like our crash
        raise RegistryError(f"cannot import rule pack {name!r}: {exc}") from exc
    return _rules_in(module)


def all_rules(plugins: list[str] | None = None) -> list[type[Rule]]:
    """Every rule from every installed pack (and the ``--plugin`` modules the user named),
    sorted by id; ids must be unique.  Nothing else is ever imported."""
    packs = {ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    packs.add(_BUILTIN_PACK)  # an uninstalled checkout still has its own rules
    packs.update(plugins or ())
    rules: dict[str, type[Rule]] = {}
    for pack in sorted(packs):
        for rule in load_pack(pack):
            existing = rules.get(rule.id)
            if existing is not None and existing is not rule:
                raise RegistryError(
                    f"rule id {rule.id} is declared twice: {existing.__module__} and {rule.__module__}"
                )
            rules[rule.id] = rule
    return [rules[key] for key in sorted(rules)]


def select_rules(
    rules: list[type[Rule]], select: list[str] | None, ignore: list[str] | None
) -> list[type[Rule]]:
    """Apply ``--select``/``--ignore``: ids, id prefixes (``LK1``) or names."""

    def matches(rule: type[Rule], code: str) -> bool:
        code = code.strip()
        return rule.id.startswith(code.upper()) or rule.name == code.lower() or code.upper() == "ALL"

    chosen = [r for r in rules if not select or any(matches(r, c) for c in select)]
    return [r for r in chosen if not ignore or not any(matches(r, c) for c in ignore)]


def unknown_codes(rules: list[type[Rule]], codes: list[str]) -> list[str]:
    known = [c for c in codes if c.strip().upper() == "ALL"]
    return [
        c
        for c in codes
        if c not in known
        and not any(r.id.startswith(c.strip().upper()) or r.name == c.strip().lower() for r in rules)
    ]
