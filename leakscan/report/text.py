"""``--format text``: the human report (rich).

Summary table, then each finding with its code and growth sites, then the census of
what was inspected and why the rest was judged safe, errors, and a totals line.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import IO

from rich.console import Console
from rich.markup import escape
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from leakscan.findings import CensusEntry, Finding, ScanResult
from leakscan.report import FAMILIES, census

_SEVERITY_STYLE = {"high": "bold red", "medium": "yellow", "low": "cyan"}
_FAMILY_TITLES = {
    "containers": "long-lived containers",
    "loops": "`while True` loops",
    "resources": "opened files and resources",
}
_LIST_LIMIT = 25  # list safe items one by one up to this many per family


def render(
    result: ScanResult,
    stream: IO[str],
    *,
    color: bool | None,
    quiet: bool = False,
    show_suppressed: bool = False,
) -> None:
    console = Console(
        file=stream,
        force_terminal=color,
        no_color=color is False,
        width=None if color else 120,
        highlight=False,
        soft_wrap=False,
    )
    findings = result.findings
    if findings and not quiet:
        _summary_table(console, findings)
        _details(console, findings)
    elif findings:
        for f in findings:
            console.print(f"{escape(f.path)}:{f.line}:{f.column}: {f.rule} {escape(f.message)}")
    if show_suppressed and result.silenced:
        console.print(f"[bold]Suppressed[/bold] ({len(result.silenced)}), silenced by comments:")
        for f in result.silenced:
            console.print(f"  {escape(f.path)}:{f.line}:{f.column}: {f.rule} {escape(f.message)}")
        console.print()
    if not quiet:
        _census(console, result)
    _errors(console, result)
    _totals(console, result, findings)


def _summary_table(console: Console, findings: list[Finding]) -> None:
    table = Table(title="leakscan findings", title_justify="left", show_lines=False, expand=False)
    table.add_column("File", overflow="fold")
    table.add_column("Line", justify="right")
    table.add_column("Rule")
    table.add_column("Issue", overflow="fold")
    table.add_column("Suggested fix", overflow="fold")
    table.add_column("Impact\n(sev/conf)")
    for f in findings:
        impact = Text(f.severity.value, style=_SEVERITY_STYLE[f.severity.value])
        impact.append(f" / {f.confidence.value}", style="dim")
        table.add_row(f.path, str(f.line), f.rule, f.symbol, f.suggestion, impact)
    console.print(table)


def _details(console: Console, findings: list[Finding]) -> None:
    console.print()
    for f in findings:
        header = Text()
        header.append(f"{f.path}:{f.line}:{f.column}", style="bold")
        header.append(f"  {f.rule} {f.name}  ")
        header.append(f.severity.value, style=_SEVERITY_STYLE[f.severity.value])
        header.append(f" severity, {f.confidence.value} confidence", style="dim")
        console.print(header)
        console.print(f"  {escape(f.message)}")
        width = len(str(f.line + f.snippet.count("\n")))
        for offset, code in enumerate(f.snippet.splitlines()):
            console.print(Text(f"  {f.line + offset:>{width}} | {code}", style="dim"))
        for related in f.related:
            console.print(f"    line {related.line}: {escape(related.message)}")
        if f.suggestion:
            console.print(f"  [green]suggestion:[/green] {escape(f.suggestion)}")
        if f.fix is not None:
            console.print(
                f"  [green]patch[/green] ({f.fix.pattern}, {f.fix.applicability}): "
                f"{escape(f.fix.description)}"
            )
            console.print(
                Syntax(f.fix.diff.rstrip("\n"), "diff", theme="ansi_dark", background_color="default")
            )
        console.print()


def _census(console: Console, result: ScanResult) -> None:
    entries = result.census
    if not entries:
        return
    table = census(result)
    console.print("[bold]Census[/bold]: what was checked and why the rest is safe")
    by_family: dict[str, list[CensusEntry]] = defaultdict(list)
    for entry in entries:
        by_family[entry.family].append(entry)
    for family in FAMILIES:
        counts = table[family]
        if not counts["inspected"]:
            continue
        console.print(
            f"  {_FAMILY_TITLES[family]}: {counts['inspected']} inspected, "
            f"{counts['flagged']} flagged, {counts['inspected'] - counts['flagged']} safe"
        )
        safe = [e for e in by_family[family] if not e.flagged]
        if len(safe) <= _LIST_LIMIT:
            for entry in sorted(safe, key=lambda e: (e.path, e.line, e.symbol)):
                where = f"{entry.path}:{entry.line}" if entry.line else entry.path
                console.print(
                    f"    [green]safe[/green] {escape(where)}  {escape(entry.symbol)} "
                    f"[dim]{escape(entry.kind)}[/dim]: {escape(entry.detail)}"
                )
        else:
            reasons = Counter(e.verdict for e in safe)
            for reason, count in reasons.most_common():
                console.print(f"    [green]safe[/green] {count:>5}  {escape(reason)}")
    console.print()


def _errors(console: Console, result: ScanResult) -> None:
    errors = result.errors
    if not errors:
        return
    console.print(f"[bold red]{len(errors)} file(s) could not be fully scanned[/bold red]")
    for error in errors:
        where = f"{error.path}:{error.line}" if error.line else error.path
        console.print(f"  {escape(where)}: {error.kind} error: {escape(error.message)}")
    console.print()


def _totals(console: Console, result: ScanResult, findings: list[Finding]) -> None:
    by_severity = Counter(f.severity.value for f in findings)
    parts = [f"{by_severity[s]} {s}" for s in ("high", "medium", "low") if by_severity[s]]
    text = f"Found {len(findings)} finding(s)"
    if parts:
        text += f" ({', '.join(parts)})"
    text += f" in {result.files_scanned} file(s), {result.lines_scanned} lines, {result.duration_s:.2f}s"
    extras = []
    fixable = [f for f in findings if f.fix is not None]
    if fixable:
        safe = sum(1 for f in fixable if f.fix is not None and f.fix.applicability == "safe")
        extras.append(f"{len(fixable)} fixable ({safe} with --fix, the rest with --unsafe-fixes)")
    if result.errors:
        extras.append(f"{len(result.errors)} error(s)")
    if result.suppressed:
        extras.append(f"{result.suppressed} suppressed")
    if result.hidden:
        extras.append(f"{result.hidden} below --min-confidence")
    if result.baselined:
        extras.append(f"{result.baselined} baselined")
    if extras:
        text += "; " + ", ".join(extras)
    style = "bold red" if findings or result.errors else "bold green"
    console.print(Text(text + ".", style=style))
