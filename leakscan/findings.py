"""Plain data that flows from the engine to baselines and renderers.

Everything here is a frozen, slotted dataclass made of strings, ints and tuples,
so results pickle cheaply between processes and renderers never see a syntax tree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Level(str, Enum):
    """Severity (how bad) and confidence (how sure) share one ordered scale."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        return _RANK[self]


_RANK = {Level.LOW: 0, Level.MEDIUM: 1, Level.HIGH: 2}


@dataclass(frozen=True, slots=True)
class Related:
    """A secondary location of a finding, such as a growth site."""

    line: int
    column: int
    message: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A proposed patch for a finding."""

    pattern: str
    applicability: str  # "safe" | "review"
    description: str
    diff: str


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    name: str
    severity: Level
    confidence: Level
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    symbol: str
    message: str
    suggestion: str = ""
    related: tuple[Related, ...] = ()
    fingerprint: str = ""
    snippet: str = ""
    fix: Fix | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.rule)


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What renderers may know of a rule: plain text, no behaviour."""

    id: str
    name: str
    severity: Level
    summary: str
    documentation: str


@dataclass(frozen=True, slots=True)
class FileError:
    """A file that could not be read, parsed or analysed."""

    path: str
    kind: str  # "read" | "parse" | "internal"
    message: str
    line: int | None = None


@dataclass(frozen=True, slots=True)
class CensusEntry:
    """One inspected candidate: a container, loop or resource, and the verdict on it."""

    family: str  # "containers" | "loops" | "resources"
    path: str
    symbol: str
    kind: str  # what it is, e.g. "dict", "deque", "while True", "open()"
    verdict: str  # a reason slug such as "evicted" or "flagged"
    detail: str  # human-readable reason, e.g. "evicted in _evict_oldest"
    line: int = 0
    flagged: bool = False


@dataclass(frozen=True, slots=True)
class FileResult:
    """Everything one file contributed to a scan."""

    path: str
    lines: int = 0
    findings: tuple[Finding, ...] = ()
    census: tuple[CensusEntry, ...] = ()
    errors: tuple[FileError, ...] = ()
    suppressed: int = 0
    hidden: int = 0  # findings below --min-confidence
    silenced: tuple[Finding, ...] = ()  # the suppressed findings themselves


@dataclass(slots=True)
class ScanResult:
    """The whole scan, in deterministic order."""

    files: list[FileResult] = field(default_factory=list)
    duration_s: float = 0.0
    baselined: int = 0

    @property
    def findings(self) -> list[Finding]:
        return sorted((f for r in self.files for f in r.findings), key=lambda f: f.sort_key)

    @property
    def errors(self) -> list[FileError]:
        return sorted((e for r in self.files for e in r.errors), key=lambda e: e.path)

    @property
    def census(self) -> list[CensusEntry]:
        return [c for r in self.files for c in r.census]

    @property
    def files_scanned(self) -> int:
        """Files that were read and parsed (a rule failure still counts as scanned)."""
        return sum(1 for r in self.files if not any(e.kind in ("read", "parse") for e in r.errors))

    @property
    def lines_scanned(self) -> int:
        return sum(r.lines for r in self.files)

    @property
    def suppressed(self) -> int:
        return sum(r.suppressed for r in self.files)

    @property
    def silenced(self) -> list[Finding]:
        return sorted((f for r in self.files for f in r.silenced), key=lambda f: f.sort_key)

    @property
    def hidden(self) -> int:
        return sum(r.hidden for r in self.files)
