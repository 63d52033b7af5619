"""Baselines: record today's findings, then report only what a change adds.

A baseline file is stable, sorted JSON (rule, path, symbol, fingerprint, message per
finding), small enough to review in a pull request.  Matching is by fingerprint, which
has no line numbers, and counts duplicates: two identical findings in the baseline
excuse two, not three.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from leakscan import __version__
from leakscan.findings import Finding

BASELINE_VERSION = 1


class BaselineError(Exception):
    """The baseline file cannot be used; reported as one line, exit 2."""


@dataclass(frozen=True)
class BaselineMatch:
    new: list[Finding]
    baselined: int
    gone: int  # entries in the baseline that no longer match anything


def write(path: Path, findings: Iterable[Finding]) -> int:
    entries = sorted(
        (
            {
                "rule": f.rule,
                "path": f.path,
                "symbol": f.symbol,
                "fingerprint": f.fingerprint,
                "message": f.message,
            }
            for f in findings
        ),
        key=lambda e: (e["path"], e["rule"], e["symbol"], e["fingerprint"]),
    )
    document = {
        "version": BASELINE_VERSION,
        "tool": {"name": "leakscan", "version": __version__},
        "findings": entries,
    }
    text = json.dumps(document, indent=2, sort_keys=True) + "\n"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(path.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.replace(path)
    except OSError as exc:
        raise BaselineError(f"cannot write baseline {path}: {exc.strerror or exc}") from exc
    return len(entries)


def read(path: Path) -> Counter[str]:
    """Fingerprints in the baseline, with their counts."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BaselineError(f"baseline file not found: {path}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise BaselineError(f"cannot read baseline {path}: {exc}") from exc
    except json.JSONDecodeError as exc:
        raise BaselineError(f"baseline {path} is not valid JSON: {exc.msg} (line {exc.lineno})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("findings"), list):
        raise BaselineError(f"baseline {path} is not a leakscan baseline (no findings list)")
    version = document.get("version")
    if not isinstance(version, int) or version > BASELINE_VERSION:
        raise BaselineError(
            f"baseline {path} has version {version!r}; this leakscan reads version {BASELINE_VERSION} "
            "(upgrade leakscan or rewrite the baseline with --write-baseline)"
        )
    prints: Counter[str] = Counter()
    for entry in document["findings"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("fingerprint"), str):
            raise BaselineError(f"baseline {path} has an entry without a fingerprint: {entry!r}")
        prints[entry["fingerprint"]] += 1
    return prints


def apply(findings: Iterable[Finding], known: Counter[str]) -> BaselineMatch:
    remaining = Counter(known)
    new: list[Finding] = []
    baselined = 0
    for finding in findings:
        if remaining[finding.fingerprint] > 0:
            remaining[finding.fingerprint] -= 1
            baselined += 1
        else:
            new.append(finding)
    return BaselineMatch(new, baselined, sum(remaining.values()))
