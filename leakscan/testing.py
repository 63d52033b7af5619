"""The test harness for rules, public so third-party rule packs test themselves the same way.

Usage in a pack's tests::

    from leakscan.testing import example_cases, check_example

    @pytest.mark.parametrize("case", example_cases([MyRule]), ids=str)
    def test_examples(case):
        check_example(case)
"""

from __future__ import annotations

from dataclasses import dataclass

from leakscan.engine import EngineOptions, analyse, scan_source
from leakscan.findings import FileResult, Level
from leakscan.fixes.edits import apply_edits
from leakscan.rule import Invalid, Rule, Valid


@dataclass(frozen=True)
class ExampleCase:
    rule: type[Rule]
    kind: str  # "VALID" | "INVALID"
    number: int
    example: Valid | Invalid

    def __str__(self) -> str:
        return f"{self.rule.id}-{self.kind}-{self.number}"


def example_cases(rules: list[type[Rule]]) -> list[ExampleCase]:
    cases: list[ExampleCase] = []
    for rule in rules:
        cases += [ExampleCase(rule, "VALID", n, ex) for n, ex in enumerate(rule.VALID, 1)]
        cases += [ExampleCase(rule, "INVALID", n, ex) for n, ex in enumerate(rule.INVALID, 1)]
    return cases


def run_rule(rule: type[Rule], code: str, path: str = "example.py") -> FileResult:
    """Scan ``code`` with one rule, at every confidence."""
    return scan_source(code.encode("utf-8"), path, EngineOptions(rules=(rule,)))


def check_example(case: ExampleCase) -> None:
    result = run_rule(case.rule, case.example.code)
    assert not result.errors, f"{case}: errors {result.errors}"
    found = [f for f in result.findings if f.rule == case.rule.id]
    if case.kind == "VALID":
        # VALID means silent at the default --min-confidence (medium).
        shown = [f for f in found if f.confidence.rank >= Level.MEDIUM.rank]
        assert not shown, f"{case}: unexpected finding(s): {[(f.line, f.message) for f in shown]}"
        return
    assert found, f"{case}: expected a {case.rule.id} finding, got none"
    shown = [f for f in found if f.confidence.rank >= Level.MEDIUM.rank]
    assert shown, f"{case}: flagged only below the default --min-confidence: {found}"
    example = case.example
    if isinstance(example, Invalid) and example.line is not None:
        lines = [f.line for f in found]
        assert example.line in lines, f"{case}: expected line {example.line}, got {lines}"
    if isinstance(example, Invalid) and example.fixed is not None:
        fixed = apply_fixes(case.rule, example.code)
        assert fixed == example.fixed, f"{case}: the patched code differs:\n{fixed}"
        again = run_rule(case.rule, fixed)
        assert not [f for f in again.findings if f.confidence.rank >= Level.MEDIUM.rank], (
            f"{case}: still flagged after the fix"
        )


def apply_fixes(rule: type[Rule], code: str, *, unsafe: bool = True) -> str:
    """Apply every patch ``rule`` proposes for ``code``, one at a time; the patched code."""
    options = EngineOptions(rules=(rule,))
    data = code.encode("utf-8")
    for _ in range(20):
        analysis = analyse(data, "example.py", options)
        pending = [
            f
            for f in analysis.result.findings
            if f.fix is not None and (unsafe or f.fix.applicability == "safe")
        ]
        if not pending or analysis.module is None:
            break
        report = analysis.reports[pending[0].fingerprint]
        assert report.proposal is not None
        data = apply_edits(analysis.module, report.proposal.edits).bytes
    return data.decode("utf-8")
