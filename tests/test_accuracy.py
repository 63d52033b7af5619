"""The labeled benchmark (fixtures/accuracy): the precision and recall targets hold.

Part of the set was written by reviewers who saw only the product contract, never the
analysis; each part was scored blind before it was used to improve the analysis.
"""

from __future__ import annotations

from leakscan.accuracy import DEFAULT_FOLDER, evaluate


def test_precision_and_recall_targets_hold_on_the_labeled_set() -> None:
    scores = evaluate(DEFAULT_FOLDER)
    tp = sum(s.tp for s in scores.values())
    fp = sum(s.fp for s in scores.values())
    fn = sum(s.fn for s in scores.values())
    assert tp + fn >= 600, "the labeled set lost its leaks"
    assert tp / (tp + fp) >= 0.95
    assert tp / (tp + fn) >= 0.90
    weak = {family: round(s.precision, 2) for family, s in scores.items() if s.precision < 0.85}
    assert not weak, f"families below 0.85 precision: {weak}"
