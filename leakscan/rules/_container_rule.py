"""Shared behaviour of the container rules (LK101, LK102): one verdict per container."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

import libcst as cst

from leakscan.analyses.containers import Container, ContainerAnalysis, Family, Judgement, Site, judge
from leakscan.analyses.exprs import contains
from leakscan.analyses.finite_types import FiniteTypes, generated_class
from leakscan.analyses.key_domain import KeyDomains
from leakscan.analyses.lifetime import long_lived_class, module_singleton
from leakscan.analyses.loops import LoopAnalysis
from leakscan.analyses.names import (
    caller_named,
    data_named,
    registration_scope,
    stores_callable,
    traffic_named,
    warn_once_named,
)
from leakscan.findings import Level
from leakscan.fixes.common import Flagged
from leakscan.fixes.containers import container_proposal
from leakscan.fixes.edits import Proposal
from leakscan.rule import FileContext, Rule

_QUEUE_KINDS = frozenset(
    {"Queue", "LifoQueue", "PriorityQueue", "SimpleQueue", "asyncio.Queue", "multiprocessing.Queue"}
)
LIFETIME_WORDS = {
    "module": "module-level",
    "class": "class attribute",
    "instance": "instance attribute",
    "closure": "closure",
}


class ContainerRule(Rule):
    family = "containers"
    severity = Level.HIGH
    container_family: ClassVar[Family]
    advice: ClassVar[str]

    def check(self, ctx: FileContext) -> None:
        analysis = ctx.analysis(ContainerAnalysis)
        for container in analysis.containers:
            if container.family == self.container_family:
                self.decide(ctx, container)

    def decide(self, ctx: FileContext, container: Container) -> None:
        verdict = judge(container)
        if verdict.warn_only is not None and self.id != "LK103" and "LK103" in ctx.selected:
            return  # one container, one finding: LK103 reports the check that bounds nothing
        kind = f"{container.kind} ({LIFETIME_WORDS[container.lifetime]})"
        if verdict.safe is not None:
            ctx.safe(
                self,
                container.target,
                symbol=container.symbol,
                kind=kind,
                verdict=verdict.safe,
                detail=verdict.detail,
            )
            return
        places = sorted({_short(s.where) for s in verdict.growth})
        where = ", ".join(places[:3]) + (" and others" if len(places) > 3 else "")
        verb = "grows" if container.family == "mapping" else "is appended to"
        message = (
            f"{LIFETIME_WORDS[container.lifetime]} {container.kind} `{container.symbol}` "
            f"{verb} in {where} and nothing ever removes from it"
        )
        confidence, why = confidence_for(ctx, container, verdict.growth)
        if verdict.escapes:
            confidence = _lower(confidence)
            message += f"; it is also {verdict.escapes[0].how}, which may bound it"
        if why:
            message += f" ({why})"
        related: list[tuple[cst.CSTNode, str]] = [
            (s.node, f"grows here ({s.how})") for s in verdict.growth[:5]
        ]
        if verdict.warn_only is not None:
            message += "; its size check does not stop the growth"
            related.append((verdict.warn_only.node, "size check whose branch bounds nothing"))
        related += [(s.node, f"escapes here ({s.how})") for s in verdict.escapes[:2]]

        ctx.report(
            self,
            container.target,
            symbol=container.symbol,
            message=message,
            confidence=confidence,
            severity=severity_for(ctx, container),
            suggestion=self.advice,
            related=related,
            kind=kind,
            proposal=partial(proposal_for, ctx, container, verdict),
        )


def confidence_for(ctx: FileContext, container: Container, growth: tuple[Site, ...]) -> tuple[Level, str]:
    """How sure we are: registries hold configuration; plain objects may be short-lived."""
    if container.kind in _QUEUE_KINDS and not container.name.startswith("_"):
        return Level.LOW, "a public queue is usually consumed elsewhere"
    if all(registration_scope(s.scope) or (stores_callable(s.value) and _registers(s)) for s in growth):
        return Level.LOW, "filled by a registration API, so it grows with the program, not its input"
    domains = ctx.analysis(KeyDomains)
    declared = ctx.index.parent(container.target)
    if isinstance(declared, cst.AnnAssign) and ctx.analysis(FiniteTypes).key_type_of(
        declared.annotation.annotation
    ):
        return Level.LOW, "declared with keys of a type that has finitely many values"
    # A key from a finite domain bounds a mapping; a list grows on every append whatever it holds.
    if container.family == "mapping" and all(
        domains.program_bounded(s.key) and not s.value_grows for s in growth
    ):
        return (
            Level.LOW,
            "what it holds comes from the program itself (types, modules, constants), not its input",
        )
    if container.family == "mapping" and all(
        generated_class(ctx.index, s.value, s.scope.function_scope()) for s in growth
    ):
        return Level.LOW, "it stores a class generated per key: one per kind of thing the program handles"
    if (
        container.kind == "set"
        and warn_once_named(container.name)
        and not any(data_named(s.key) for s in growth)
    ):
        return Level.LOW, "a warn-once registry: one entry per distinct warning"
    if container.lifetime == "closure":
        if container.creation_phase == "import":
            return Level.HIGH, ""  # a decorator: the closure lives as long as what it decorates
        return Level.LOW, "nothing shows that the function keeping it outlives a request"
    if container.lifetime != "instance" or container.owner is None:
        return Level.HIGH, ""
    endless = {
        loop.scope.function_scope()
        for loop in ctx.analysis(LoopAnalysis).loops
        if not loop.exits and not loop.yields
    }
    # A size check on the container shows its author expects it to fill up over a long life.
    checked = bool(container.of_kind("check"))
    # Keyed by who calls (``self._rate[user_id]``): the object serves many users, so it
    # outlives any one request.
    serves_many = container.family == "mapping" and any(caller_named(s.key) for s in growth)
    if not checked and not serves_many and not long_lived_class(ctx.index, container.owner, endless):
        return Level.LOW, "nothing shows that its object outlives a request"
    return (Level.HIGH if traffic_named(container.name) else Level.MEDIUM), ""


def _registers(site: Site) -> bool:
    """A function that does nothing but store the callable it is given (``def on(fn):
    HOOKS.append(fn); return fn``, ``add_handler(self, key, handler)``), not a handler that
    also keeps a callback per message (``on_message(self, msg, callback)``)."""
    node = site.scope.function_scope().node
    if not isinstance(node, cst.FunctionDef) or not isinstance(node.body, cst.IndentedBlock):
        return False
    for statement in node.body.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            return False
        for small in statement.body:
            docstring = isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString)
            returned = isinstance(small, cst.Return) and isinstance(small.value, cst.Name)
            stores = contains(small, site.node)
            if not (docstring or returned or stores):
                return False
    return True


def severity_for(ctx: FileContext, container: Container) -> Level:
    """Module globals and class attributes live as long as the process."""
    if container.lifetime in ("module", "class") or (
        container.lifetime == "closure" and container.creation_phase == "import"
    ):
        return Level.HIGH
    owner = container.owner
    if owner is not None and module_singleton(ctx.index, owner.name):
        return Level.HIGH
    return Level.MEDIUM


def _short(qualname: str) -> str:
    name = qualname.rsplit(".", 1)[-1]
    return "module code" if name == "<module>" else f"{name}()"


def _lower(level: Level) -> Level:
    return {Level.HIGH: Level.MEDIUM, Level.MEDIUM: Level.LOW, Level.LOW: Level.LOW}[level]


def proposal_for(ctx: FileContext, container: Container, verdict: Judgement) -> Proposal | None:
    """The eviction patch for a flagged container, if a correct one exists."""
    if container.lifetime == "closure":
        return None  # the shapes of decorators vary too much for one safe patch
    analysis = ctx.analysis(ContainerAnalysis)
    if container.owner is not None:
        related = analysis.related_classes(container.owner)
        if any(s.scope.function_scope().class_scope not in related for s in verdict.growth):
            return None  # grown from another class (``self.stats.rejected.append``): no ``self.MAX``
    flagged = Flagged(
        ctx.index,
        container,
        analysis.references(container),
        verdict.growth,
        bool(verdict.escapes),
        ctx.max_size,
        analysis.containers,
    )
    return container_proposal(flagged)
