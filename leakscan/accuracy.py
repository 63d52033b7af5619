"""``make accuracy``: precision, recall and F1 on the labeled benchmark in fixtures/accuracy.

``labels.csv`` lists every candidate a reviewer would consider (file, line, family,
``leak`` or ``safe``, why).  A finding counts as a true positive when a ``leak`` label of
its rule sits on its line; any other finding is a false positive (on a ``safe`` label or
on an unlabeled line); a ``leak`` label nobody reported is a false negative.  Scans use
the defaults a user gets (``--min-confidence medium``).

    python -m leakscan.accuracy [FOLDER] [--min-confidence LEVEL] [--verbose]
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from leakscan.engine import EngineOptions, scan_file
from leakscan.findings import Level
from leakscan.registry import all_rules

DEFAULT_FOLDER = Path(__file__).resolve().parent.parent / "fixtures" / "accuracy"


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def evaluate(folder: Path, min_confidence: Level = Level.MEDIUM) -> dict[str, Score]:
    labels: dict[tuple[str, int, str], tuple[str, str]] = {}
    with (folder / "labels.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            labels[(row["file"], int(row["line"]), row["family"])] = (row["label"], row["why"])
    options = EngineOptions(rules=tuple(all_rules()))
    scores: dict[str, Score] = defaultdict(Score)
    reported: set[tuple[str, int, str]] = set()
    for path in sorted(folder.glob("*.py")):
        result = scan_file(path, path.name, options)
        for error in result.errors:
            print(f"error: {error.path}: {error.kind}: {error.message}", file=sys.stderr)
        for finding in result.findings:
            if finding.confidence.rank < min_confidence.rank:
                continue
            key = (path.name, finding.line, finding.rule)
            if key in reported:
                continue
            reported.add(key)
            label = labels.get(key)
            if label is not None and label[0] == "leak":
                scores[finding.rule].tp += 1
            else:
                scores[finding.rule].fp += 1
                why = label[1] if label else "unlabeled line"
                scores[finding.rule].false_alarms.append(
                    f"{path.name}:{finding.line} ({why}): {finding.message}"
                )
    for (name, line, family), (verdict, why) in sorted(labels.items()):
        if verdict == "leak" and (name, line, family) not in reported:
            scores[family].fn += 1
            scores[family].misses.append(f"{name}:{line} ({why})")
    return dict(sorted(scores.items()))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", nargs="?", type=Path, default=DEFAULT_FOLDER)
    parser.add_argument("--min-confidence", default="medium", choices=[level.value for level in Level])
    parser.add_argument("--verbose", "-v", action="store_true", help="list every miss and false alarm")
    args = parser.parse_args(argv)
    scores = evaluate(args.folder, Level(args.min_confidence))
    total = Score()
    print(f"{'family':<8} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>10} {'recall':>8} {'F1':>6}")
    for family, score in scores.items():
        total.tp += score.tp
        total.fp += score.fp
        total.fn += score.fn
        print(
            f"{family:<8} {score.tp:>4} {score.fp:>4} {score.fn:>4} "
            f"{score.precision:>10.2f} {score.recall:>8.2f} {score.f1:>6.2f}"
        )
    print(
        f"{'overall':<8} {total.tp:>4} {total.fp:>4} {total.fn:>4} "
        f"{total.precision:>10.2f} {total.recall:>8.2f} {total.f1:>6.2f}"
    )
    if args.verbose:
        for family, score in scores.items():
            for line in score.false_alarms:
                print(f"FP {family} {line}")
            for line in score.misses:
                print(f"FN {family} {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
