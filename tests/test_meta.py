"""Meta-tests over the registry: the rules keep their promises to users and to each other."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from leakscan import catalogue
from leakscan.registry import all_rules, select_rules
from leakscan.rule import Rule

ROOT = Path(__file__).resolve().parent.parent
RULES = all_rules()
HEADINGS = ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## References")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_metadata(rule: type[Rule]) -> None:
    assert re.fullmatch(r"LK\d{3}", rule.id)
    assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.name)
    assert rule.family in ("containers", "loops", "resources")
    doc = rule.documentation()
    for heading in HEADINGS:
        assert heading in doc, f"{rule.id} docstring lacks {heading!r}"
    assert rule.VALID and rule.INVALID
    assert (ROOT / "fixtures" / rule.id).is_dir(), f"no fixtures/{rule.id}/ folder"


def test_ids_and_names_unique() -> None:
    assert len({r.id for r in RULES}) == len(RULES)
    assert len({r.name for r in RULES}) == len(RULES)


def test_core_catalogue_present() -> None:
    # The catalogue of the product contract: every id present, none extra in the built-in pack.
    assert {r.id for r in RULES} == {
        "LK101",
        "LK102",
        "LK103",
        "LK201",
        "LK202",
        "LK301",
        "LK302",
        "LK401",
        "LK402",
        "LK501",
        "LK502",
    }


def test_select_and_ignore() -> None:
    assert [r.id for r in select_rules(RULES, ["LK1"], [])] == ["LK101", "LK102", "LK103"]
    assert "LK101" not in [r.id for r in select_rules(RULES, [], ["unbounded-mapping"])]


def test_catalogue_is_current() -> None:
    for name, text in catalogue.pages().items():
        page = ROOT / "rules" / name
        assert page.is_file(), f"rules/{name} missing: run `make rules`"
        assert page.read_text(encoding="utf-8") == text, f"rules/{name} is stale: run `make rules`"


# cli -> config, discovery, engine, report;  engine -> analyses, rule API, findings;
# rules -> rule API, analyses;  report -> findings;  analyses never import upward.
FORBIDDEN = {
    "leakscan/engine.py": ("leakscan.cli", "leakscan.report", "rich", "click"),
    "leakscan/runner.py": ("leakscan.cli", "leakscan.report", "rich", "click"),
    "leakscan/findings.py": ("leakscan.", "libcst", "rich", "click"),
    "leakscan/rule.py": ("leakscan.engine", "leakscan.cli", "leakscan.report", "rich", "click"),
    "leakscan/analyses/": (
        "leakscan.rule",
        "leakscan.rules",
        "leakscan.engine",
        "leakscan.cli",
        "leakscan.report",
        "rich",
        "click",
    ),
    "leakscan/rules/": ("leakscan.engine", "leakscan.cli", "leakscan.report", "rich", "click"),
    "leakscan/report/": (
        "leakscan.engine",
        "leakscan.analyses",
        "leakscan.rules",
        "leakscan.cli",
        "libcst",
        "click",
    ),
}


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


@pytest.mark.parametrize("prefix", sorted(FORBIDDEN))
def test_import_arrows(prefix: str) -> None:
    files = sorted(ROOT.glob(prefix + "**/*.py")) if prefix.endswith("/") else [ROOT / prefix]
    assert files
    for file in files:
        for name in _imports(file):
            for banned in FORBIDDEN[prefix]:
                allowed = banned == "leakscan." and name == "leakscan.findings"
                assert allowed or not (name == banned.rstrip(".") or name.startswith(banned)), (
                    f"{file.relative_to(ROOT)} imports {name}"
                )
