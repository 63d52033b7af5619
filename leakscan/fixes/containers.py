"""The eviction patch for a flagged container, chosen by its family and how it is used."""

from __future__ import annotations

from leakscan.fixes.common import Flagged
from leakscan.fixes.edits import Proposal
from leakscan.fixes.mappings import mapping_proposal
from leakscan.fixes.sequences import sequence_proposal


def container_proposal(flagged: Flagged) -> Proposal | None:
    if flagged.container.family == "sequence":
        return sequence_proposal(flagged)
    return mapping_proposal(flagged)
