"""``functools.cache`` / ``lru_cache(maxsize=None)`` -> ``lru_cache(maxsize=NAME)``."""

from __future__ import annotations

import libcst as cst

from leakscan.analyses.index import ModuleIndex, Scope
from leakscan.fixes.common import constant_name
from leakscan.fixes.edits import AddConstant, AddImport, Edit, Proposal, Replace


def bounded_lru_cache(
    index: ModuleIndex, decorator: cst.Decorator, function: Scope, size: int
) -> Proposal | None:
    expr = decorator.decorator
    call = expr if isinstance(expr, cst.Call) else None
    func = call.func if call is not None else expr
    qualified = index.qualified_name(func)
    name = constant_name(function.name, "CACHE_SIZE")
    edits: list[Edit] = []
    if qualified == "functools.cache":
        if isinstance(func, cst.Attribute):
            spelled = f"{index.module.code_for_node(func.value)}.lru_cache"
        elif index.imports.get("lru_cache") == "functools.lru_cache":
            spelled = "lru_cache"
        elif "lru_cache" in index.root.bindings:
            return None
        else:
            spelled = "lru_cache"
            edits.append(AddImport("functools", "lru_cache"))
        new = cst.parse_expression(f"{spelled}(maxsize={name})")
        edits.append(Replace(expr, new))
    elif call is not None:
        args = [
            a.with_changes(value=cst.Name(name))
            if (a.keyword is not None and a.keyword.value == "maxsize") or (a.keyword is None and i == 0)
            else a
            for i, a in enumerate(call.args)
        ]
        edits.append(Replace(call, call.with_changes(args=args)))
    else:
        return None
    if name not in index.root.bindings:
        anchor = function.node
        while index.parent(anchor) is not None and not isinstance(index.parent(anchor), cst.Module):
            anchor = index.parent(anchor)  # type: ignore[assignment]
        if not isinstance(anchor, cst.BaseStatement):
            return None
        edits.append(AddConstant(name, size, before=anchor))
    return Proposal(
        "bounded-lru-cache", "safe", f"bound the cache with lru_cache(maxsize={name})", tuple(edits)
    )
