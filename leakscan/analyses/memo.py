"""Memoization decorators: ``functools.cache`` and ``lru_cache`` on functions and methods."""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from leakscan.analyses.exprs import call_arg, is_none
from leakscan.analyses.index import ModuleIndex, Scope
from leakscan.analyses.lifetime import made_once

_CACHES = frozenset({"functools.cache", "functools.lru_cache"})


@dataclass(eq=False)
class Memo:
    decorator: cst.Decorator
    function: Scope
    kind: str  # "cache" | "lru_cache"
    unbounded: bool
    arguments: int  # parameters that become part of the key (self/cls excluded)
    # A method of a class with one object or a few for the whole process (``FONTS =
    # FontRegistry()``, one ``Collector`` built by ``main()``): the ``self`` the cache keeps
    # live as long as the process anyway.
    owner_made_at_import: bool = False

    @property
    def is_instance_method(self) -> bool:
        return self.function.self_name is not None


class MemoAnalysis:
    def __init__(self, index: ModuleIndex) -> None:
        self.memos: list[Memo] = []
        for scope in index.scopes:
            if scope.kind != "function":
                continue
            for decorator in scope.decorators:
                memo = self._memo(index, decorator, scope)
                if memo is not None:
                    owner = scope.class_scope
                    memo.owner_made_at_import = (
                        memo.is_instance_method and owner is not None and made_once(index, owner.name)
                    )
                    self.memos.append(memo)

    def _memo(self, index: ModuleIndex, decorator: cst.Decorator, scope: Scope) -> Memo | None:
        expr = decorator.decorator
        call = expr if isinstance(expr, cst.Call) else None
        name = index.qualified_name(call.func if call is not None else expr)
        if name not in _CACHES:
            return None
        kind = name.rsplit(".", 1)[1]
        if kind == "cache":
            unbounded = True
        elif call is None:
            unbounded = False  # @lru_cache: maxsize=128
        else:
            maxsize = call_arg(call, 0, "maxsize")
            unbounded = maxsize is not None and is_none(maxsize)
        node = scope.node
        assert isinstance(node, cst.FunctionDef)
        params = node.params
        count = len(params.posonly_params) + len(params.params) + len(params.kwonly_params)
        count += isinstance(params.star_arg, cst.Param) + isinstance(params.star_kwarg, cst.Param)
        if scope.self_name is not None or scope.cls_name is not None:
            count -= 1
        return Memo(decorator, scope, kind, unbounded, count)
