"""The engine: source bytes in, plain findings out.

It parses a file once, builds the shared index once, runs every selected rule over
it, and turns what the rules reported into frozen data (positions, fingerprints,
suppressions).  It never prints, and one failing file or rule never stops a scan.
"""

from __future__ import annotations

import ast
import hashlib
import re
import signal
import sys
import threading
import tokenize
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import libcst as cst

from leakscan.analyses.positions import Span, spans
from leakscan.findings import CensusEntry, FileError, FileResult, Finding, Fix, Level, Related
from leakscan.fixes.edits import apply_edits, unified_diff
from leakscan.rule import FileContext, Report, Rule

_SUPPRESSION = re.compile(
    r"#\s*(?:noqa(?P<noqa>\s*:\s*[A-Z0-9, ]+)?|leakscan:\s*ignore(?:\[(?P<ids>[A-Z0-9, ]+)\])?)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class EngineOptions:
    """Everything that changes what the engine finds in a file."""

    rules: tuple[type[Rule], ...]
    max_size: int = 1000
    time_budget: float = 0.0  # seconds per file; 0 means none (not part of the cache key)
    # Patches cost a transformation and a code generation each: only for findings shown.
    fix_min_confidence: Level = Level.MEDIUM
    # Findings below this are only counted: no position, fingerprint or patch is computed.
    min_confidence: Level = Level.LOW


def decode(data: bytes) -> tuple[str, str]:
    """Decode source bytes as Python does (PEP 263 cookie, BOM); returns (text, encoding)."""
    encoding, _ = tokenize.detect_encoding(BytesIO(data).readline)
    return data.decode(encoding), encoding


def scan_file(path: Path, display: str, options: EngineOptions) -> FileResult:
    """Read and scan one file; any problem becomes an error entry."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return _error(display, "read", "file disappeared before it could be read")
    except IsADirectoryError:
        return _error(display, "read", "is a directory, not a file")
    except OSError as exc:
        return _error(display, "read", exc.strerror or str(exc))
    return scan_source(data, display, options)


def scan_source(data: bytes | str, display: str, options: EngineOptions) -> FileResult:
    """Scan one file's contents.

    Deeply nested code (a 3,000-part expression, 100-deep blocks) can exhaust Python's
    recursion limit in the parser's code generation or in our walks.  Such a file is
    retried once in a thread with a large stack and a high recursion limit; only if that
    fails too does it become an error entry.
    """
    try:
        with _budget(options.time_budget):
            try:
                return _scan_source(data, display, options)
            except RecursionError:
                pass
            try:
                return _with_deep_stack(lambda: _scan_source(data, display, options))
            except RecursionError:
                return _error(display, "internal", "nested too deeply to analyse")
    except OverBudget:
        return _error(
            display,
            "internal",
            f"gave up after {options.time_budget:g} s (the per-file time budget, --file-timeout)",
        )


class OverBudget(BaseException):
    """A file took longer than the per-file time budget (a BaseException, so that no
    ``except Exception`` around a parser or a rule mistakes it for their failure)."""


@contextmanager
def _budget(seconds: float) -> Iterator[None]:
    """Interrupt the scan of one file after ``seconds`` (main thread, POSIX only)."""
    usable = (
        seconds > 0 and hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    )
    if not usable:
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise OverBudget

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_DEEP_STACK_BYTES = 512 * 1024 * 1024
_DEEP_RECURSION_LIMIT = 200_000


def _with_deep_stack(work: Callable[[], FileResult]) -> FileResult:
    outcome: list[FileResult | BaseException] = []

    def run() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed back to the calling thread
            outcome.append(exc)

    old_limit = sys.getrecursionlimit()
    old_size = threading.stack_size()
    with _DEEP_LOCK:
        try:
            threading.stack_size(_DEEP_STACK_BYTES)
            sys.setrecursionlimit(max(old_limit, _DEEP_RECURSION_LIMIT))
            thread = threading.Thread(target=run, name="leakscan-deep")
            thread.start()
            thread.join()
        finally:
            threading.stack_size(old_size)
            sys.setrecursionlimit(old_limit)
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


_DEEP_LOCK = threading.Lock()


def _scan_source(data: bytes | str, display: str, options: EngineOptions) -> FileResult:
    return analyse(data, display, options).result


@dataclass
class Analysis:
    """A scanned file with what a fixer needs: the tree and each finding's report."""

    result: FileResult
    module: cst.Module | None = None
    reports: dict[str, Report] = field(default_factory=dict)  # fingerprint -> report


def analyse(data: bytes | str, display: str, options: EngineOptions) -> Analysis:
    """Scan one file's contents and keep the syntax tree (for fixes, in-process only)."""
    if isinstance(data, str):
        text, encoding = data, "utf-8"
    else:
        try:
            text, encoding = decode(data)
        except (SyntaxError, UnicodeDecodeError, LookupError) as exc:
            return Analysis(_error(display, "read", f"cannot decode source: {_one_line(exc)}"))
    if "\x00" in text:
        return Analysis(_error(display, "parse", "source contains a NUL byte"))
    lines = text.count("\n") + (1 if text and not text.endswith("\n") else 0)
    if _bracket_depth(text) > _MAX_BRACKET_DEPTH:
        # The native parser can overflow its stack on thousands of nested brackets; CPython
        # itself refuses more than 200, so let it name the problem instead.
        refusal = _python_syntax_error(text, display)
        if refusal is not None:
            return Analysis(_error(display, "parse", refusal[0], refusal[1], lines))
    try:
        module = parse(text, encoding)
    except cst.ParserSyntaxError as exc:
        return Analysis(_error(display, "parse", *_syntax_error(text, display, exc), lines))
    except Exception as exc:  # the parser's own failures on odd input
        return Analysis(_error(display, "parse", f"cannot parse: {_one_line(exc)}", None, lines))
    ctx = FileContext(
        display, module, max_size=options.max_size, selected=frozenset(r.id for r in options.rules)
    )
    ctx.fix_min_confidence = options.fix_min_confidence
    errors: list[FileError] = []
    for rule_class in options.rules:
        rule = rule_class()
        try:
            rule.check(ctx)
        except RecursionError:
            raise  # retried as a whole with a deeper stack
        except Exception as exc:
            errors.append(
                FileError(
                    display, "internal", f"rule {rule.id} failed: {type(exc).__name__}: {_one_line(exc)}"
                )
            )
    reports: dict[str, Report] = {}
    result = _assemble(ctx, text, lines, errors, reports, options.min_confidence)
    return Analysis(result, module, reports)


def parse(text: str, encoding: str = "utf-8") -> cst.Module:
    """``libcst.parse_module`` without re-validating every node the parser builds.

    Each libcst node checks its own invariants when constructed (``__post_init__``), which
    guards trees built by hand; the parser's output satisfies them by construction, and
    skipping the checks makes parsing about 15% faster.  Trees built later (patches) are
    still validated, and a patched file is parsed again before it is written.
    """
    config = cst.PartialParserConfig(encoding=encoding)
    base = cst.CSTNode
    checks = base.__dict__.get("__post_init__")
    if checks is None or threading.current_thread() is not threading.main_thread():
        return cst.parse_module(text, config=config)  # another thread may build nodes meanwhile
    base.__post_init__ = _no_checks  # type: ignore[method-assign]
    try:
        return cst.parse_module(text, config=config)
    finally:
        base.__post_init__ = checks  # type: ignore[method-assign]


def _no_checks(self: cst.CSTNode) -> None:
    return None


def _assemble(
    ctx: FileContext,
    text: str,
    lines: int,
    errors: list[FileError],
    reports: dict[str, Report],
    min_confidence: Level,
) -> FileResult:
    floor = min_confidence.rank
    shown = [r for r in ctx.reports if r.confidence.rank >= floor]
    nodes: list[cst.CSTNode] = [r.node for r in shown]
    for report in shown:
        nodes.extend(node for node, _ in report.related)
    positions = spans(ctx.module, nodes) if nodes else {}
    source_lines = text.splitlines()
    findings: list[Finding] = []
    silenced: list[Finding] = []
    occurrences: dict[str, int] = {}
    fix_floor = ctx.fix_min_confidence.rank
    patches = _Quota(MAX_PATCHES_PER_FILE)
    for report in sorted(shown, key=lambda r: (-r.severity.rank, -r.confidence.rank)):
        span = positions.get(report.node) or Span(1, 1, 1, 1)
        span = _first_line(report.node, span, source_lines)
        related = tuple(
            Related(positions[node].line, positions[node].column, message)
            for node, message in report.related
            if node in positions
        )
        finding = Finding(
            rule=report.rule.id,
            name=report.rule.name,
            severity=report.severity,
            confidence=report.confidence,
            path=ctx.path,
            line=span.line,
            column=span.column,
            end_line=span.end_line,
            end_column=span.end_column,
            symbol=report.symbol,
            message=report.message,
            suggestion=report.suggestion,
            related=tuple(sorted(set(related), key=lambda r: (r.line, r.column))),
            fingerprint=_fingerprint(ctx, report, source_lines, span, occurrences),
            snippet=_snippet(source_lines, span),
            fix=_fix(ctx, report, text) if report.confidence.rank >= fix_floor and patches.take() else None,
        )
        reports[finding.fingerprint] = report
        if _is_suppressed(report.rule.id, source_lines, span.line):
            silenced.append(finding)
        else:
            findings.append(finding)
    lines_by_node = {node: span.line for node, span in positions.items()}
    census = tuple(
        CensusEntry(
            family=v.family,
            path=ctx.path,
            symbol=v.symbol,
            kind=v.kind,
            verdict=v.verdict,
            detail=v.detail,
            line=lines_by_node.get(v.node, 0),
            flagged=v.flagged,
        )
        for v in ctx.verdicts
    )
    findings.sort(key=lambda f: f.sort_key)
    hidden = len(ctx.reports) - len(shown)
    return FileResult(
        ctx.path, lines, tuple(findings), census, tuple(errors), len(silenced), hidden, tuple(silenced)
    )


# Each patch costs a tree transformation and a code generation of the whole file; a file
# with hundreds of findings (a test module at --min-confidence low) would take minutes.
# --fix is not limited by this: it re-analyses after every patch.
MAX_PATCHES_PER_FILE = 20


class _Quota:
    def __init__(self, left: int) -> None:
        self.left = left

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


def _fix(ctx: FileContext, report: Report, old_code: str) -> Fix | None:
    """The report's patch as a diff (``--fix`` re-parses the result before it writes)."""
    proposal = report.proposal
    if proposal is None:
        return None
    try:
        new_code = apply_edits(ctx.module, proposal.edits, ctx.index.parents).code
    except Exception:  # a patch that cannot be applied is no patch (--fix also re-parses)
        return None
    # ``old_code`` is the decoded source, which libcst reproduces exactly: no second codegen.
    if new_code == old_code:
        return None
    diff = unified_diff(ctx.path, old_code, new_code)
    return Fix(proposal.pattern, proposal.applicability, proposal.description, diff)


def _first_line(node: cst.CSTNode, span: Span, source_lines: Sequence[str]) -> Span:
    """A compound statement is shown by its header line, not its whole body."""
    if isinstance(node, cst.BaseCompoundStatement) and span.end_line > span.line:
        text = source_lines[span.line - 1] if span.line <= len(source_lines) else ""
        return Span(span.line, span.column, span.line, len(text.rstrip()) + 1)
    return span


def _fingerprint(
    ctx: FileContext, report: Report, source_lines: Sequence[str], span: Span, occurrences: dict[str, int]
) -> str:
    """Stable across unrelated edits: no line numbers, only what identifies the finding
    (rule, file, enclosing scope, symbol and the flagged line with whitespace collapsed)."""
    text = source_lines[span.line - 1] if 0 < span.line <= len(source_lines) else ""
    code = " ".join(text.split())
    key = "\x1f".join((report.rule.id, ctx.path, report.scope, report.symbol, code))
    count = occurrences.get(key, 0)
    occurrences[key] = count + 1
    return hashlib.sha256(f"{key}\x1f{count}".encode()).hexdigest()[:20]


def _snippet(source_lines: Sequence[str], span: Span) -> str:
    last = min(span.end_line, span.line + 2, len(source_lines))
    return "\n".join(source_lines[span.line - 1 : last])


def _is_suppressed(rule_id: str, source_lines: Sequence[str], line: int) -> bool:
    if not 0 < line <= len(source_lines):
        return False
    text = source_lines[line - 1]
    if "#" not in text:
        return False
    for match in _SUPPRESSION.finditer(text):
        codes = match.group("noqa") or match.group("ids")
        if codes is None:
            return True  # a bare noqa / leakscan: ignore silences every rule on the line
        wanted = {c.strip().upper() for c in codes.lstrip(" :").split(",") if c.strip()}
        if rule_id in wanted:
            return True
    return False


_MAX_BRACKET_DEPTH = 200  # CPython's own limit on nested parentheses
_NOT_BRACKETS = re.compile(r"[^()\[\]{}]+")
_BRACKET_STEP = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


def _bracket_depth(text: str) -> int:
    """An upper-bound guess of the deepest bracket nesting (strings are not excluded)."""
    if text.count("(") + text.count("[") + text.count("{") <= _MAX_BRACKET_DEPTH:
        return 0
    depth = deepest = 0
    for char in _NOT_BRACKETS.sub("", text):
        depth += _BRACKET_STEP[char]
        deepest = max(deepest, depth)
    return deepest


def _python_syntax_error(text: str, display: str) -> tuple[str, int | None] | None:
    try:
        compile(text, display, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as py:
        return f"syntax error: {py.msg}", py.lineno
    except (ValueError, RecursionError, MemoryError):
        return None
    return None


def _syntax_error(text: str, display: str, exc: cst.ParserSyntaxError) -> tuple[str, int | None]:
    """Python's own wording and line when it agrees the file is invalid (only on failure)."""
    python = _python_syntax_error(text, display)
    if python is not None:
        return python[0], python[1] or exc.raw_line
    return f"cannot parse this valid Python (unsupported by the parser): {exc.message}", exc.raw_line


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


def _error(display: str, kind: str, message: str, line: int | None = None, lines: int = 0) -> FileResult:
    return FileResult(display, lines, errors=(FileError(display, kind, message, line),))
