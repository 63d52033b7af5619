"""Shared behaviour of the container rules (LK101, LK102): one verdict per container."""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from leakscan.analyses.containers import Container, ContainerAnalysis, Family, Site, judge
from leakscan.analyses.lifetime import (
    long_lived_class,
    module_singleton,
    registration_scope,
    stores_callable,
    traffic_named,
)
from leakscan.findings import Level
from leakscan.rule import FileContext, Rule

_LIFETIME_WORDS = {
    "module": "module-level",
    "class": "class attribute",
    "instance": "instance attribute",
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
        kind = f"{container.kind} ({_LIFETIME_WORDS[container.lifetime]})"
        if verdict.safe is not None:
            ctx.safe(self, container.target, symbol=container.symbol, kind=kind,
                     verdict=verdict.safe, detail=verdict.detail)
            return
        places = sorted({_short(s.where) for s in verdict.growth})
        where = ", ".join(places[:3]) + (" and others" if len(places) > 3 else "")
        verb = "grows" if container.family == "mapping" else "is appended to"
        message = (
            f"{_LIFETIME_WORDS[container.lifetime]} {container.kind} `{container.symbol}` "
            f"{verb} in {where} and nothing ever removes from it"
        )
        confidence, why = _confidence(ctx, container, verdict.growth)
        if verdict.escapes:
            confidence = min(confidence, Level.MEDIUM, key=lambda level: level.rank)
            message += f"; it is also {verdict.escapes[0].how}, which may bound it"
        if why:
            message += f" ({why})"
        related: list[tuple[cst.CSTNode, str]] = [
            (s.node, f"grows here ({s.how})") for s in verdict.growth[:5]
        ]
        related += [(s.node, f"escapes here ({s.how})") for s in verdict.escapes[:2]]
        ctx.report(
            self, container.target, symbol=container.symbol, message=message,
            confidence=confidence, severity=_severity(ctx, container),
            suggestion=self.advice, related=related, kind=kind,
        )


def _confidence(ctx: FileContext, container: Container, growth: tuple[Site, ...]) -> tuple[Level, str]:
    """How sure we are: registries hold configuration; plain objects may be short-lived."""
    if all(registration_scope(s.scope) or stores_callable(s.value) for s in growth):
        if not traffic_named(container.name):
            return Level.LOW, "filled by a registration API, so it likely grows with the program, not its input"
    if container.lifetime != "instance" or container.owner is None:
        return Level.HIGH, ""
    long_lived = long_lived_class(ctx.index, container.owner)
    traffic = traffic_named(container.name)
    if long_lived and traffic:
        return Level.HIGH, ""
    if long_lived or traffic:
        return Level.MEDIUM, ""
    return Level.LOW, "nothing shows that its object lives long"


def _severity(ctx: FileContext, container: Container) -> Level:
    """Module globals and class attributes live as long as the process."""
    if container.lifetime in ("module", "class"):
        return Level.HIGH
    owner = container.owner
    if owner is not None and module_singleton(ctx.index, owner.name):
        return Level.HIGH
    return Level.MEDIUM


def _short(qualname: str) -> str:
    name = qualname.rsplit(".", 1)[-1]
    return "module code" if name == "<module>" else f"{name}()"
