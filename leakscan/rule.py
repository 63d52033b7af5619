"""The rule API: what a rule is, what it sees, and what it reports.

A rule is a small class with an id, a name, a severity, a docstring that is its user
manual, and ``VALID``/``INVALID`` examples.  Its ``check`` method asks the shared
analyses on a :class:`FileContext` and calls ``ctx.report(...)`` for each finding and
``ctx.safe(...)`` for each candidate it inspected and judged safe (the census).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar, TypeVar

import libcst as cst

from leakscan.analyses.index import ModuleIndex, build_index
from leakscan.analyses.lifetime import is_test_path
from leakscan.findings import Level
from leakscan.fixes.edits import Proposal

T = TypeVar("T")

FAMILIES = ("containers", "loops", "resources")


@dataclass(frozen=True)
class Valid:
    """Code the rule must not flag."""

    code: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", textwrap.dedent(self.code).lstrip("\n"))


@dataclass(frozen=True)
class Invalid:
    """Code the rule must flag; ``line`` pins the flagged line (1-based) when given."""

    code: str
    line: int | None = None
    fixed: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", textwrap.dedent(self.code).lstrip("\n"))
        if self.fixed is not None:
            object.__setattr__(self, "fixed", textwrap.dedent(self.fixed).lstrip("\n"))


@dataclass(eq=False)
class Report:
    """A finding as a rule emits it: still pointing at syntax nodes."""

    rule: Rule
    node: cst.CSTNode
    symbol: str
    message: str
    severity: Level
    confidence: Level
    suggestion: str = ""
    related: list[tuple[cst.CSTNode, str]] = field(default_factory=list)
    scope: str = ""
    proposal: Proposal | None = None


@dataclass(eq=False)
class Verdict:
    """A census entry as a rule emits it."""

    family: str
    node: cst.CSTNode
    symbol: str
    kind: str
    verdict: str
    detail: str
    flagged: bool = False


class FileContext:
    """What a rule sees of one file: its syntax tree and the shared analyses."""

    def __init__(
        self, path: str, module: cst.Module, *, max_size: int = 1000, selected: frozenset[str] = frozenset()
    ) -> None:
        self.path = path
        self.module = module
        self.max_size = max_size
        self.selected = selected  # ids of the rules in this run, so rules can defer to each other
        self.fix_min_confidence = Level.MEDIUM  # patches are computed for findings this sure
        self.index: ModuleIndex = build_index(module)
        self.reports: list[Report] = []
        self.verdicts: list[Verdict] = []
        self.is_test_file = is_test_path(path)

    def analysis(self, factory: Callable[[ModuleIndex], T]) -> T:
        """Compute an analysis once per file, however many rules ask for it."""
        return self.index.analysis(factory)

    def report(
        self,
        rule: Rule,
        node: cst.CSTNode,
        *,
        symbol: str,
        message: str,
        confidence: Level = Level.HIGH,
        severity: Level | None = None,
        suggestion: str = "",
        related: list[tuple[cst.CSTNode, str]] | None = None,
        kind: str = "",
        proposal: Callable[[], Proposal | None] | None = None,
    ) -> None:
        """``proposal`` builds the patch; it is called only when the finding is sure enough
        to carry one (``fix_min_confidence``), so rules never build patches nobody sees."""
        scope = self.index.scope(node)
        if self.is_test_file and confidence.rank > Level.LOW.rank:
            confidence = Level.LOW
            message += " (in test code, which dies with the test run)"
        patch = (
            proposal() if proposal is not None and confidence.rank >= self.fix_min_confidence.rank else None
        )
        self.reports.append(
            Report(
                rule,
                node,
                symbol,
                message,
                severity or rule.severity,
                confidence,
                suggestion,
                related or [],
                scope.qualname,
                patch,
            )
        )
        self.verdicts.append(Verdict(rule.family, node, symbol, kind, "flagged", message, True))

    def safe(
        self, rule: Rule, node: cst.CSTNode, *, symbol: str, kind: str, verdict: str, detail: str
    ) -> None:
        self.verdicts.append(Verdict(rule.family, node, symbol, kind, verdict, detail))


class Rule:
    """Base class of every rule.  Subclasses set the class variables and ``check``."""

    id: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Level] = Level.MEDIUM
    family: ClassVar[str]
    message: ClassVar[str]
    fix_title: ClassVar[str | None] = None
    since: ClassVar[str] = "0.1.0"
    VALID: ClassVar[list[Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []

    def check(self, ctx: FileContext) -> None:
        raise NotImplementedError

    @classmethod
    def documentation(cls) -> str:
        return textwrap.dedent(cls.__doc__ or "").strip()

    @classmethod
    def summary(cls) -> str:
        """The first paragraph under "What it does", on one line."""
        paragraph: list[str] = []
        for line in cls.documentation().splitlines():
            text = line.strip()
            if text.startswith("#"):
                if paragraph:
                    break
                continue
            if not text:
                if paragraph:
                    break
                continue
            paragraph.append(text)
        return " ".join(paragraph) or cls.message
