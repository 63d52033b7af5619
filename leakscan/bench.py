"""``make bench``: leakscan against the libcst parse floor (and peers), in one run.

Every figure comes from a fresh subprocess measured in the same run on the same files,
so the ratios hold on a shared, noisy machine where absolute seconds do not.  Peak RSS
is that of the largest process (``wait4``).

    python -m leakscan.bench [PATH] [--jobs N]

PATH defaults to this interpreter's standard library without ``test/`` and ``idlelib/``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from leakscan.discovery import Discovery

_FLOOR = """
import sys, libcst
from multiprocessing import Pool
from leakscan.engine import decode, parse as trusted

TRUSTED = sys.argv[3] == "trusted"

def parse(path):
    try:
        data = open(path, "rb").read()
        text = decode(data)[0]
        trusted(text) if TRUSTED else libcst.parse_module(text)
    except Exception:
        pass

if __name__ == "__main__":
    files = open(sys.argv[1]).read().split("\\0")
    jobs = int(sys.argv[2])
    if jobs == 1:
        for f in files:
            parse(f)
    else:
        with Pool(jobs) as pool:
            pool.map(parse, sorted(files, key=lambda f: -len(open(f, "rb").read())), chunksize=1)
"""


@dataclass
class Row:
    name: str
    seconds: float
    rss_mb: float
    lines: int
    floor: float | None = None
    note: str = ""


def measure(command: list[str], cwd: Path | None = None, *, ours: bool = True) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) of the largest process, and the exit code."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if ours and process.returncode not in (0, 1):  # 1 is "findings"; anything else did not measure a scan
        raise SystemExit(f"bench: {' '.join(command[:6])} ... exited with {process.returncode}")
    return seconds, usage.ru_maxrss / 1024, process.returncode


def default_tree() -> tuple[Path, list[str]]:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    return stdlib, ["/test/", "/idlelib/", "/site-packages/"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("path", nargs="?", help="tree to measure (default: the standard library)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args(argv)
    if args.path:
        root, exclude = Path(args.path), list[str]()
    else:
        root, exclude = default_tree()
    targets = Discovery(exclude=exclude, respect_gitignore=False).files([str(root)])
    files = [str(t.path) for t in targets]
    lines = sum(Path(f).read_bytes().count(b"\n") for f in files)
    jobs = args.jobs
    python = sys.executable
    leakscan = [python, "-m", "leakscan", "--format", "json", "--no-progress", "--no-gitignore"]
    leakscan += [arg for pattern in exclude for arg in ("--exclude", pattern)]
    print(f"tree: {root} ({len(files)} files, {lines} lines), {jobs} jobs, python {sys.version.split()[0]}")

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as scratch:
        listing = Path(scratch) / "files"
        listing.write_text("\0".join(files))
        floor_script = Path(scratch) / "floor.py"
        floor_script.write_text(_FLOOR)
        cache = Path(scratch) / "cache"

        floor1, rss, _ = measure([python, str(floor_script), str(listing), "1", "plain"])
        rows.append(Row("libcst parse floor, 1 process", floor1, rss, lines))
        floor_n, rss, _ = measure([python, str(floor_script), str(listing), str(jobs), "plain"])
        rows.append(Row(f"libcst parse floor, {jobs} processes", floor_n, rss, lines))
        # leakscan skips libcst's per-node re-validation of parser output (engine.parse);
        # this row shows how much of the gap to the floor that alone accounts for.
        own_n, rss, _ = measure([python, str(floor_script), str(listing), str(jobs), "trusted"])
        rows.append(Row(f"leakscan's parse only, {jobs} processes", own_n, rss, lines, floor_n))

        secs, rss, _ = measure([*leakscan, "--no-cache", "-j", "1", str(root)])
        rows.append(Row("leakscan cold, 1 job", secs, rss, lines, floor1))
        cold1 = secs
        secs, rss, _ = measure([*leakscan, "--no-cache", "-j", str(jobs), str(root)])
        rows.append(
            Row(
                f"leakscan cold, {jobs} jobs", secs, rss, lines, floor_n, f"{secs / own_n:.2f}x its own parse"
            )
        )
        cold_n = secs
        measure([*leakscan, "--cache-dir", str(cache), "-j", str(jobs), str(root)])  # fill
        secs, rss, _ = measure([*leakscan, "--cache-dir", str(cache), "-j", str(jobs), str(root)])
        rows.append(
            Row("leakscan warm (cache filled)", secs, rss, lines, note=f"{secs / cold_n:.1%} of cold")
        )
        warm = secs
        small = sorted(files, key=lambda f: Path(f).stat().st_size)[len(files) // 2 : len(files) // 2 + 5]
        small_lines = sum(Path(f).read_bytes().count(b"\n") for f in small)
        secs, rss, _ = measure([python, "-m", "leakscan", "--no-cache", "-q", "--no-progress", *small])
        rows.append(Row("pre-commit: 5 files, incl. interpreter start", secs, rss, small_lines))
        precommit = secs

        found = shutil.which("pylint")
        pylint = [found] if found else _module_tool(python, "pylint")
        if pylint:
            checks = "consider-using-with,method-cache-max-size-none,dangerous-default-value"
            command = [*pylint, "--disable=all", f"--enable={checks}", f"-j{jobs}", "--recursive=y", *files]
            secs, rss, _ = measure(command, ours=False)
            rows.append(Row(f"pylint ({checks}), -j{jobs}", secs, rss, lines))
        ruff = shutil.which("ruff")
        if ruff:
            command = [ruff, "check", "--no-cache", "--select", "SIM115,B006,B019", "--exit-zero", str(root)]
            secs, rss, _ = measure(command, ours=False)
            rows.append(Row("ruff (SIM115, B006, B019), cold", secs, rss, lines))

    _print(rows)
    print()
    pylint_row = next((r for r in rows if r.name.startswith("pylint")), None)
    _target("cold, all jobs <= 1.3x the parse floor", cold_n / floor_n, 1.3, "x")
    _target("two jobs >= 1.8x faster than one", cold1 / cold_n, 1.8, "x", higher=True)
    _target("warm < 5% of cold", warm / cold_n * 100, 5, "%")
    _target("pre-commit case < 0.6 s", precommit, 0.6, " s")
    _target("peak RSS < 250 MB", max(r.rss_mb for r in rows if r.name.startswith("leakscan")), 250, " MB")
    # The floor holds one file's tree at a time; staying near it means memory does not
    # grow with the number of files, only with the largest one.
    cold1_row = next(r for r in rows if r.name == "leakscan cold, 1 job")
    _target("peak RSS of 1 job within 1.2x of the parse floor's", cold1_row.rss_mb / rows[0].rss_mb, 1.2, "x")
    if pylint_row is not None:
        _target("at least 4x faster than pylint", pylint_row.seconds / cold_n, 4, "x", higher=True)
    return 0


def _module_tool(python: str, module: str) -> list[str] | None:
    probe = subprocess.run([python, "-c", f"import {module}"], capture_output=True, check=False)
    return [python, "-m", module] if probe.returncode == 0 else None


def _print(rows: list[Row]) -> None:
    header = f"{'run':<52} {'wall s':>8} {'lines/s':>10} {'peak RSS MB':>12} {'x floor':>8}  note"
    print(header)
    print("-" * len(header))
    for row in rows:
        rate = f"{row.lines / row.seconds:,.0f}" if row.lines else ""
        ratio = f"{row.seconds / row.floor:.2f}" if row.floor else ""
        print(f"{row.name:<52} {row.seconds:>8.2f} {rate:>10} {row.rss_mb:>12.0f} {ratio:>8}  {row.note}")


def _target(name: str, value: float, limit: float, unit: str, *, higher: bool = False) -> None:
    met = value >= limit if higher else value <= limit
    print(f"[{'met' if met else 'MISSED'}] {name}: {value:.2f}{unit}")


if __name__ == "__main__":
    sys.exit(main())
