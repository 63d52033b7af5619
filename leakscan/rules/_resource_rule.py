"""Shared behaviour of the resource rules (LK401, LK402): one verdict per opening call."""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import partial
from typing import ClassVar

from leakscan.analyses.index import ModuleIndex
from leakscan.analyses.resources import COMMIT_ONLY_WITH, Resource, ResourceAnalysis, display_name
from leakscan.findings import Level
from leakscan.fixes.edits import Proposal
from leakscan.fixes.resources import context_manager
from leakscan.rule import FileContext, Rule

_SLUGS = {
    "with": "inside-with",
    "finally": "closed-in-finally",
    "caller": "returned",
    "object": "owned-by-object",
    "escape": "handed-off",
    "closed": "closed-at-once",
}


@functools.lru_cache(maxsize=32)
def _analysis_for(openers: frozenset[str]) -> Callable[[ModuleIndex], ResourceAnalysis]:
    """One analysis factory per set of openers, so each is computed once per file."""

    def factory(index: ModuleIndex) -> ResourceAnalysis:
        return ResourceAnalysis(index, openers)

    return factory


class ResourceRule(Rule):
    family = "resources"
    severity = Level.MEDIUM
    openers: ClassVar[frozenset[str]]
    advice: ClassVar[str]

    def check(self, ctx: FileContext) -> None:
        for resource in ctx.analysis(_analysis_for(self.openers)).resources:
            kind = display_name(resource.opener)
            symbol = resource.scope.function_scope().qualname or "<module>"
            if resource.owner is not None:
                verdict = _SLUGS.get(resource.owner, resource.owner)
                ctx.safe(
                    self, resource.call, symbol=symbol, kind=kind, verdict=verdict, detail=resource.detail
                )
                continue
            ctx.report(
                self,
                resource.call,
                symbol=symbol,
                message=resource.detail,
                confidence=Level(resource.leak_confidence),
                proposal=partial(_proposal, ctx, resource),
                suggestion=self.advice,
                kind=kind,
            )


# Openers a plain ``with`` would not close: their context manager only commits
# (database connections), they need ``async with``, or they return a tuple or an object
# that is no context manager at all.
_NO_WITH = COMMIT_ONLY_WITH | frozenset(
    {
        "pymysql.connect",
        "asyncpg.connect",
        "aiohttp.ClientSession",
        "httpx.AsyncClient",
        "asyncio.open_connection",
        "tempfile.mkstemp",
        "ldap.initialize",
    }
)


def _proposal(ctx: FileContext, resource: Resource) -> Proposal | None:
    """A ``with`` block, when the handle is used once or bound and used in one block."""
    if resource.opener in _NO_WITH:
        return None
    if resource.symbol:
        return context_manager(ctx.index, resource.call, resource.symbol)
    if "used once" in resource.detail or "passed straight" in resource.detail:
        return context_manager(ctx.index, resource.call, None)
    return None
