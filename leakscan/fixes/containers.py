"""The eviction patch for a flagged container, chosen by its family and how it is used."""

from __future__ import annotations

from collections.abc import Sequence

import libcst as cst

from leakscan.analyses.container_model import Container, Site
from leakscan.analyses.index import ModuleIndex
from leakscan.fixes.edits import Proposal
from leakscan.fixes.mappings import mapping_proposal
from leakscan.fixes.sequences import sequence_proposal


def container_proposal(
    index: ModuleIndex,
    container: Container,
    refs: list[cst.BaseExpression],
    growth: tuple[Site, ...],
    escapes: bool,
    size: int,
    siblings: Sequence[Container] = (),
) -> Proposal | None:
    """``siblings``: the other containers of the file (a cache's timestamps may live in one)."""
    if container.family == "sequence":
        return sequence_proposal(index, container, refs, growth, escapes, size)
    return mapping_proposal(index, container, refs, growth, escapes, size, siblings)
