"""Shared behaviour of the container rules (LK101, LK102): one verdict per container."""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from leakscan.analyses.containers import Container, ContainerAnalysis, Family, judge
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
        confidence = Level.HIGH
        if verdict.escapes:
            confidence = Level.MEDIUM
            message += f"; it is also {verdict.escapes[0].how}, which may bound it"
        related: list[tuple[cst.CSTNode, str]] = [
            (s.node, f"grows here ({s.how})") for s in verdict.growth[:5]
        ]
        related += [(s.node, f"escapes here ({s.how})") for s in verdict.escapes[:2]]
        ctx.report(
            self, container.target, symbol=container.symbol, message=message,
            confidence=confidence, severity=_severity(ctx, container),
            suggestion=self.advice, related=related, kind=kind,
        )


def _severity(ctx: FileContext, container: Container) -> Level:
    """Module globals and class attributes live as long as the process."""
    if container.lifetime in ("module", "class"):
        return Level.HIGH
    owner = container.owner
    if owner is not None and _is_module_singleton(ctx, owner.name):
        return Level.HIGH
    return Level.MEDIUM


def _is_module_singleton(ctx: FileContext, class_name: str) -> bool:
    for assign in ctx.index.assigns:
        value = assign.value
        if (
            ctx.index.scope_of[assign].kind == "module"
            and isinstance(value, cst.Call)
            and isinstance(value.func, cst.Name)
            and value.func.value == class_name
        ):
            return True
    return False


def _short(qualname: str) -> str:
    name = qualname.rsplit(".", 1)[-1]
    return "module code" if name == "<module>" else f"{name}()"
