"""The command line: flags in, an Options object, a scan, a report, an exit code.

Exit codes: 0 when nothing at or above ``--fail-on`` was found, 1 when something was
(or a file could not be read or parsed: a gate must not pass on code it could not
see), 2 for usage and configuration errors, always as one line on stderr.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from leakscan import __version__
from leakscan.config import FORMATS, ConfigError, Options, apply_file, find_config
from leakscan.findings import Level

_LEVELS = click.Choice([level.value for level in Level], case_sensitive=False)


def _codes(values: Sequence[str]) -> list[str]:
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


@click.command(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Exit codes: 0 nothing at or above --fail-on; 1 findings, or files that could not be "
    "read or parsed; 2 usage or configuration error.  Configure in [tool.leakscan] of "
    "pyproject.toml or in leakscan.toml.",
)
@click.argument("paths", nargs=-1, type=click.Path())
@click.option(
    "--format", "format_", type=click.Choice(FORMATS), default=None, help="Report format.  [default: text]"
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True),
    default=None,
    help="Write the report to FILE instead of standard output.",
)
@click.option(
    "--select",
    multiple=True,
    metavar="CODES",
    help="Only these rules: ids (LK101), prefixes (LK1) or names; comma-separated.",
)
@click.option("--ignore", multiple=True, metavar="CODES", help="Skip these rules (same forms as --select).")
@click.option(
    "--exclude",
    multiple=True,
    metavar="GLOB",
    help="Skip files and folders matching GLOB (gitignore syntax); repeatable.",
)
@click.option("--no-gitignore", is_flag=True, help="Do not honour .gitignore files.")
@click.option(
    "--fail-on",
    type=_LEVELS,
    default=None,
    help="Lowest severity that makes the exit code 1.  [default: low]",
)
@click.option(
    "--min-confidence",
    type=_LEVELS,
    default=None,
    help="Hide findings less certain than this.  [default: medium]",
)
@click.option(
    "--max-size",
    type=click.IntRange(min=1),
    default=None,
    help="Bound used in suggested patches.  [default: 1000]",
)
@click.option(
    "--config",
    "config_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Read settings from this TOML file instead of searching for one.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=None,
    help="Worker processes; 0 means one per core.  [default: 0]",
)
@click.option("--no-cache", is_flag=True, help="Neither read nor write the result cache.")
@click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Where to keep the result cache.  [default: $LEAKSCAN_CACHE_DIR or .leakscan_cache]",
)
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    default=None,
    help="Report and fail only on findings not recorded in this baseline file.",
)
@click.option(
    "--write-baseline",
    type=click.Path(dir_okay=False),
    default=None,
    help="Record today's findings in FILE (then exit 0).",
)
@click.option(
    "--new-since",
    metavar="REF",
    default=None,
    help="Report only findings that are not present at git revision REF.",
)
@click.option(
    "--shard",
    metavar="K/N",
    default=None,
    help="Scan only the K-th of N deterministic shares of the files (for CI matrices).",
)
@click.option("--show-suppressed", is_flag=True, help="Also list findings silenced by comments.")
@click.option("--fix", is_flag=True, help="Apply the safe patches to the files, then report what is left.")
@click.option("--unsafe-fixes", is_flag=True, help="With --fix, also apply the patches marked for review.")
@click.option("--diff", is_flag=True, help="Print every patch as one unified diff and change nothing.")
@click.option(
    "--file-timeout",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="Give up on a file after this long and report it as an error; 0 for no limit.  [default: 120]",
)
@click.option(
    "--plugin",
    "plugins",
    multiple=True,
    metavar="MODULE",
    help="Also load rules from this importable module or package (besides installed rule packs).",
)
@click.option("--list-rules", is_flag=True, help="List the rules and exit.")
@click.option("--explain", metavar="RULE", default=None, help="Print a rule's documentation and exit.")
@click.option("--quiet", "-q", is_flag=True, help="Print only findings, errors and the totals line.")
@click.option("--no-progress", is_flag=True, help="Never show a progress bar.")
@click.option("--color/--no-color", default=None, help="Force colour on or off.  [default: auto]")
@click.version_option(__version__, "--version", prog_name="leakscan", message="%(prog)s %(version)s")
def command(
    paths: tuple[str, ...],
    format_: str | None,
    output: str | None,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    exclude: tuple[str, ...],
    no_gitignore: bool,
    fail_on: str | None,
    min_confidence: str | None,
    max_size: int | None,
    config_file: str | None,
    jobs: int | None,
    no_cache: bool,
    cache_dir: str | None,
    baseline: str | None,
    write_baseline: str | None,
    new_since: str | None,
    shard: str | None,
    show_suppressed: bool,
    fix: bool,
    unsafe_fixes: bool,
    diff: bool,
    file_timeout: float | None,
    plugins: tuple[str, ...],
    list_rules: bool,
    explain: str | None,
    quiet: bool,
    no_progress: bool,
    color: bool | None,
) -> None:
    """Find unbounded memory growth and leaked resources in Python code.

    PATHS are files or folders to scan (default: the current folder).  Folders are
    searched for .py and .pyi files, honouring .gitignore and the exclude settings;
    a file named explicitly is always scanned.
    """
    from leakscan.registry import RegistryError, all_rules

    try:
        rules = all_rules(list(plugins))
    except RegistryError as exc:
        raise ConfigError(str(exc)) from exc
    if list_rules:
        _list_rules(rules)
        return
    if explain is not None:
        _explain(rules, explain)
        return
    options = Options(paths=list(paths) or ["."])
    explicit: set[str] = set()

    def given(attribute: str, value: Any) -> None:
        if value is not None and value != () and value is not False:
            setattr(options, attribute, value)
            explicit.add(attribute)

    given("format", format_)
    given("output", output)
    given("select", _codes(select) or None)
    given("ignore", _codes(ignore) or None)
    given("exclude", list(exclude) or None)
    if no_gitignore:
        given("respect_gitignore", False)
        options.respect_gitignore = False
    given("fail_on", Level(fail_on.lower()) if fail_on else None)
    given("min_confidence", Level(min_confidence.lower()) if min_confidence else None)
    given("max_size", max_size)
    given("quiet", quiet or None)
    given("jobs", jobs)
    given("cache_dir", cache_dir)
    given("baseline", baseline)
    given("write_baseline", write_baseline)
    given("new_since", new_since)
    given("shard", _shard(shard) if shard else None)
    given("show_suppressed", show_suppressed or None)
    given("fix", fix or None)
    given("unsafe_fixes", unsafe_fixes or None)
    given("diff", diff or None)
    given("file_timeout", file_timeout)
    if fix and diff:
        raise ConfigError("--fix and --diff exclude each other: --diff only shows the patches")
    if unsafe_fixes and not (fix or diff):
        raise ConfigError("--unsafe-fixes needs --fix")
    if no_cache:
        options.cache = False
    options.progress = not no_progress
    options.color = color

    config_path = Path(config_file) if config_file else find_config(options.paths)
    if config_file and not Path(config_file).is_file():
        raise ConfigError(f"configuration file not found: {config_file}")
    if config_path is not None:
        apply_file(options, config_path, explicit)
        options.config_file = str(config_path)
    from leakscan.app import run

    sys.exit(run(options, rules))


def _shard(text: str) -> tuple[int, int]:
    try:
        k, n = (int(part) for part in text.split("/"))
    except ValueError:
        raise ConfigError(f"--shard: expected K/N such as 1/4, got {text!r}") from None
    if n < 1 or not 1 <= k <= n:
        raise ConfigError(f"--shard: K must be between 1 and N, got {text!r}")
    return (k, n)


def _list_rules(rules: list[Any]) -> None:
    width = max(len(r.name) for r in rules)
    for rule in rules:
        click.echo(f"{rule.id}  {rule.name:<{width}}  {rule.severity.value:<6}  {rule.message}")


def _explain(rules: list[Any], code: str) -> None:
    for rule in rules:
        if rule.id == code.upper() or rule.name == code.lower():
            click.echo(f"{rule.id} {rule.name} (severity: {rule.severity.value})\n")
            click.echo(rule.documentation())
            return
    raise ConfigError(f"--explain: unknown rule {code!r} (see --list-rules)")


def _fail(message: str) -> NoReturn:
    click.echo(f"leakscan: error: {message}", err=True)
    sys.exit(2)


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwinds like Ctrl-C: pools stop, temporary files are removed


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: usage and configuration errors become one line and exit code 2."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        command.main(
            args=list(argv) if argv is not None else None, prog_name="leakscan", standalone_mode=False
        )
    except click.exceptions.NoArgsIsHelpError as exc:  # pragma: no cover - not enabled
        _fail(str(exc))
    except click.UsageError as exc:
        _fail(exc.format_message().splitlines()[0] if exc.format_message() else str(exc))
    except click.exceptions.Abort:
        click.echo("leakscan: interrupted", err=True)
        sys.exit(130)
    except ConfigError as exc:
        _fail(str(exc))
    except click.ClickException as exc:
        _fail(exc.format_message())
    except BrokenPipeError:
        sys.exit(1)
    except Exception as exc:  # a bug in leakscan itself: one line, not a traceback
        if os.environ.get("LEAKSCAN_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set LEAKSCAN_DEBUG=1 for details)")
