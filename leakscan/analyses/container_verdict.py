"""The verdict on a container: bounded (and why) or flagged (with its growth sites)."""

from __future__ import annotations

import libcst as cst

from leakscan.analyses.container_model import Container, Judgement, Site
from leakscan.analyses.index import children_of


def judge(container: Container) -> Judgement:
    """Decide whether a container is bounded, and why (computed once per container)."""
    if container.judgement is None:
        container.judgement = _judge(container)
    return container.judgement


def _judge(container: Container) -> Judgement:
    if container.bounded is not None:
        slug = "deque-maxlen" if container.bounded == "deque(maxlen)" else "bounded-type"
        return Judgement(slug, container.bounded)
    growth = container.of_kind("grow")
    if not growth:
        return Judgement("never-grows", "never grows after creation")
    if container.lifetime == "instance" and container.creation_phase == "runtime":
        where = _short(container.scope.qualname)
        return Judgement("reset", f"recreated in {where}() while the object runs")
    shrinks = [s for s in container.of_kind("shrink", "reset") if not s.lazy]
    if shrinks:
        site = shrinks[0]
        verb = {"reset": "reset", "shrink": "evicted"}[site.kind]
        if site.how in ("trimmed by slicing", "del [slice]", "slice assignment"):
            verb = "trimmed"
        if site.how == ".clear()":
            verb = "cleared"
        slug = {"evicted": "evicted", "trimmed": "trimmed", "cleared": "cleared", "reset": "reset"}[verb]
        return Judgement(slug, f"{verb} in {_short(site.where)} ({site.how})")
    # Construction runs once per object: bounded for the object's own attributes, but a
    # module or class container filled from __init__ grows with every object created.
    runtime = [
        s for s in growth if s.phase == "runtime" or (s.phase == "init" and container.lifetime != "instance")
    ]
    if runtime and all(s.size_checked for s in runtime):
        return Judgement("size-checked", "grows only under a check of its size")
    runtime = [s for s in runtime if not s.size_checked]
    checks = container.of_kind("check")
    guards = [
        c for c in checks if _stops(c.node) and c.how not in ("periodic size check", "entry size check")
    ]
    if runtime and guards and all(any(_same_function(g, s) for g in guards) for s in runtime):
        return Judgement("size-checked", "a size check stops the growth when it is full")
    if not runtime:
        phases = {s.phase for s in growth}
        if phases == {"import"}:
            return Judgement("filled-at-import", "filled only at import time")
        return Judgement("filled-in-init", "filled only while the object is built")
    if all(s.literal_key for s in runtime):
        return Judgement("literal-keys", "keys come only from literals")
    if all(s.cyclic_key or s.literal_key for s in runtime):
        return Judgement("cyclic-keys", "keys cycle through a fixed range (a ring buffer)")
    escapes = tuple(container.of_kind("escape"))
    warn_only = next((c for c in checks if any(_same_function(c, s) for s in runtime)), None)
    return Judgement(None, "grows and is never shrunk", tuple(runtime), escapes, warn_only)


def _short(qualname: str) -> str:
    return qualname.rsplit(".", 1)[-1]


def _same_function(a: Site, b: Site) -> bool:
    return a.scope.function_scope() is b.scope.function_scope()


def _stops(check: cst.CSTNode) -> bool:
    """Whether the branch of a size check leaves before the growth: return, raise, ..."""
    if not isinstance(check, cst.If):
        return False
    pending: list[cst.CSTNode] = [check.body]
    while pending:
        node = pending.pop()
        if isinstance(node, (cst.Return, cst.Raise, cst.Continue, cst.Break)):
            return True
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        pending.extend(children_of(node))
    return False
