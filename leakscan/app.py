"""One scan, start to finish: options in, a rendered report and an exit code out.

    options -> rules -> discovery (+ shard) -> runner (cache, pool) -> per-file ignores
            -> baseline / --new-since -> renderer -> exit code

The command line builds the options; this module runs them.  It prints nothing but the
report (and one-line notes on stderr) and raises ConfigError for anything that should
end with exit code 2.
"""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import click
import pathspec

from leakscan.config import ConfigError, Options
from leakscan.discovery import Discovery, Target
from leakscan.engine import EngineOptions, scan_source
from leakscan.findings import FileResult, RuleInfo, ScanResult
from leakscan.registry import select_rules, unknown_codes
from leakscan.rule import Rule
from leakscan.runner import RunOptions, options_key, scan_targets


def run(options: Options, known: list[type[Rule]]) -> int:
    rules = _rules(options, known)
    discovery = Discovery(
        exclude=[*options.exclude, *options.extend_exclude], respect_gitignore=options.respect_gitignore
    )
    try:
        targets = discovery.files(options.paths)
    except FileNotFoundError as exc:
        raise ConfigError(f"path does not exist: {exc.args[0]}") from exc
    problems = discovery.problems
    if options.shard is not None:
        targets = [t for t in targets if in_shard(t.display, *options.shard)]
        problems = [p for p in problems if in_shard(p[0], *options.shard)]
    known_prints = _baseline_prints(options)  # read before scanning: a bad file fails fast
    if not targets and not problems:
        click.echo("leakscan: no Python files found to scan.", err=True)
        return 0
    engine_options = EngineOptions(
        rules=tuple(rules),
        max_size=options.max_size,
        time_budget=options.file_timeout,
        fix_min_confidence=options.min_confidence,
        min_confidence=options.min_confidence,
    )
    result = _scan(options, targets, engine_options, problems, progress=True)
    if options.write_baseline:
        from leakscan import baseline

        try:
            count = baseline.write(Path(options.write_baseline), result.findings)
        except baseline.BaselineError as exc:
            raise ConfigError(str(exc)) from exc
        click.echo(f"leakscan: wrote {count} finding(s) to {options.write_baseline}", err=True)
        return 0
    if options.diff or options.fix:
        patches = _patches(options, targets, engine_options, result)
        if options.diff:
            sys.stdout.write("".join(p.diff() for p in patches if p.changed))
            return _exit_code(options, result)
        _write_patches(options, patches)
        result = _scan(options, targets, engine_options, problems, progress=False)  # what is left
    gone = 0
    if options.new_since:
        known_prints = _prints_at_revision(options, targets, engine_options, result)
    if known_prints is not None:
        result, gone = _apply_baseline(result, known_prints)
    _render(options, result, [_info(r) for r in rules])
    if gone and options.format in ("text", "concise"):
        click.echo(
            f"leakscan: {gone} baselined finding(s) are gone; tighten the baseline with --write-baseline",
            err=True,
        )
    return _exit_code(options, result)


def _exit_code(options: Options, result: ScanResult) -> int:
    """1 for anything at or above --fail-on, or a file that could not be scanned; else 0."""
    failing = [f for f in result.findings if f.severity.rank >= options.fail_on.rank]
    return 1 if failing or result.errors else 0


def _scan(
    options: Options,
    targets: list[Target],
    engine_options: EngineOptions,
    problems: list[tuple[str, str]],
    *,
    progress: bool,
) -> ScanResult:
    """Scan the targets (cache, pool) and apply ``per-file-ignores``."""
    run = RunOptions(
        jobs=options.jobs, min_confidence=options.min_confidence, cache=_cache(options, engine_options)
    )
    result = scan_targets(
        targets,
        engine_options,
        run,
        problems=problems,
        progress=_progress(options, len(targets)) if progress else None,
    )
    if options.per_file_ignores:
        result.files = [_per_file_ignores(r, options.per_file_ignores) for r in result.files]
    return result


def _patches(
    options: Options, targets: list[Target], engine_options: EngineOptions, result: ScanResult
) -> list[Any]:
    """One patch per file that has fixable findings among those reported."""
    from leakscan.fixer import plan

    wanted: dict[str, set[str]] = {}
    for finding in result.findings:
        if finding.fix is not None and (
            options.unsafe_fixes or options.diff or finding.fix.applicability == "safe"
        ):
            wanted.setdefault(finding.path, set()).add(finding.fingerprint)
    by_display = {t.display: t for t in targets}
    patches = []
    for display in sorted(wanted):
        target = by_display.get(display)
        if target is None:
            continue
        patch = plan(
            target.path,
            display,
            engine_options,
            wanted[display],
            unsafe=options.unsafe_fixes or options.diff,
            min_confidence=options.min_confidence,
        )
        if patch is not None and patch.changed:
            patches.append(patch)
    return patches


def _write_patches(options: Options, patches: list[Any]) -> None:
    from leakscan.fixer import WriteRefused, write

    roots = [Path(p) if Path(p).is_dir() else Path(p).parent for p in options.paths]
    fixed = files = 0
    for patch in patches:
        try:
            write(patch, roots)
        except WriteRefused as exc:
            click.echo(f"leakscan: {exc}", err=True)
            continue
        except OSError as exc:
            click.echo(f"leakscan: {patch.display}: cannot write: {exc.strerror or exc}", err=True)
            continue
        fixed += len(patch.fixed)
        files += 1
    click.echo(f"leakscan: fixed {fixed} finding(s) in {files} file(s)", err=True)


def in_shard(display: str, k: int, n: int) -> bool:
    """Deterministic across machines and runs: a hash of the path, not of the process."""
    digest = hashlib.sha1(display.encode("utf-8", "surrogateescape")).digest()
    return int.from_bytes(digest[:8], "big") % n == k - 1


def _rules(options: Options, known: list[type[Rule]]) -> list[type[Rule]]:
    for codes, flag in ((options.select, "--select"), (options.ignore, "--ignore")):
        unknown = unknown_codes(known, codes)
        if unknown:
            raise ConfigError(f"{flag}: unknown rule {', '.join(unknown)} (see --list-rules)")
    for pattern, codes in options.per_file_ignores.items():
        unknown = unknown_codes(known, codes)
        if unknown:
            raise ConfigError(f"per-file-ignores {pattern!r}: unknown rule {', '.join(unknown)}")
    rules = select_rules(known, options.select, options.ignore)
    if not rules:
        raise ConfigError("no rules selected: --select and --ignore leave nothing to run")
    return rules


def _cache(options: Options, engine_options: EngineOptions) -> Any:
    if not options.cache:
        return None
    from leakscan.cache import ResultCache, default_cache_dir

    folder = Path(options.cache_dir) if options.cache_dir else default_cache_dir()
    return ResultCache(folder, options_key(engine_options))


def _per_file_ignores(result: FileResult, table: dict[str, list[str]]) -> FileResult:
    ignored: set[str] = set()
    for pattern, codes in table.items():
        if pathspec.GitIgnoreSpec.from_lines([pattern]).match_file(result.path):
            ignored.update(code.upper() for code in codes)
    if not ignored:
        return result
    kept = tuple(f for f in result.findings if not any(f.rule.startswith(code) for code in ignored))
    return replace(result, findings=kept, suppressed=result.suppressed + len(result.findings) - len(kept))


def _baseline_prints(options: Options) -> Counter[str] | None:
    if not options.baseline or options.write_baseline:
        return None
    from leakscan import baseline

    try:
        return baseline.read(Path(options.baseline))
    except baseline.BaselineError as exc:
        raise ConfigError(str(exc)) from exc


def _prints_at_revision(
    options: Options, targets: list[Target], engine_options: EngineOptions, result: ScanResult
) -> Counter[str]:
    """Fingerprints of the findings that already existed at ``--new-since REF``."""
    from leakscan.gitrev import GitError, Revision

    try:
        revision = Revision(options.new_since or "HEAD")
    except GitError as exc:
        raise ConfigError(str(exc)) from exc
    by_path = {t.display: t for t in targets}
    prints: Counter[str] = Counter()
    for file_result in result.files:
        target = by_path.get(file_result.path)
        if target is None:
            continue
        if not revision.is_changed(target.path):
            prints.update(f.fingerprint for f in file_result.findings)
            continue
        old = revision.read(target.path)
        if old is None:
            continue  # a new file: everything in it is new
        before = scan_source(old, target.display, engine_options)
        prints.update(
            f.fingerprint for f in before.findings if f.confidence.rank >= options.min_confidence.rank
        )
    return prints


def _apply_baseline(result: ScanResult, known: Counter[str]) -> tuple[ScanResult, int]:
    from leakscan import baseline

    match = baseline.apply(result.findings, known)
    new = {id(f) for f in match.new}
    files = [replace(r, findings=tuple(f for f in r.findings if id(f) in new)) for r in result.files]
    return ScanResult(files=files, duration_s=result.duration_s, baselined=match.baselined), match.gone


def _info(rule: type[Rule]) -> RuleInfo:
    return RuleInfo(rule.id, rule.name, rule.severity, rule.summary(), rule.documentation())


def _render(options: Options, result: ScanResult, rules: list[RuleInfo]) -> None:
    stream: IO[str]
    if options.output:
        try:
            stream = open(options.output, "w", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise ConfigError(f"cannot write {options.output}: {exc.strerror or exc}") from exc
    else:
        stream = sys.stdout
    try:
        if options.format == "json":
            from leakscan.report import json_report

            stream.write(json_report.render(result, show_suppressed=options.show_suppressed))
        elif options.format == "concise":
            from leakscan.report import concise

            stream.write(concise.render(result))
        elif options.format == "sarif":
            from leakscan.report import sarif

            stream.write(sarif.render(result, rules))
        elif options.format == "github":
            from leakscan.report import github

            stream.write(github.render(result))
        else:
            from leakscan.report import text

            color = options.color if options.color is not None else (None if stream.isatty() else False)
            text.render(
                result, stream, color=color, quiet=options.quiet, show_suppressed=options.show_suppressed
            )
    finally:
        if stream is not sys.stdout:
            stream.close()


def _progress(options: Options, total: int) -> Any:
    if not options.progress or options.quiet or total < 20 or not sys.stderr.isatty():
        return None
    from leakscan.report.progress import ProgressBar

    return ProgressBar()
