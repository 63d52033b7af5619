"""Loop facts: which ``while True`` loops can end, and how.

An exit is a ``break`` of this loop (not of a nested loop), a ``return`` or ``raise``
that is not inside a nested function, or a call that ends the process
(``sys.exit()``, ``os._exit()``, ...).  A loop that yields hands control to its
consumer, so it is a generator, not an endless loop of the process.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from leakscan.analyses.exprs import is_true
from leakscan.analyses.index import ModuleIndex, Scope, iter_children

_PROCESS_EXITS = frozenset(
    {
        "sys.exit",
        "builtins.exit",
        "builtins.quit",
        "os._exit",
        "os.abort",
        "os.kill",
        "os.execv",
        "os.execve",
        "os.execvp",
        "os.execl",
        "os.execlp",
    }
)
_NESTED_SCOPES = (cst.FunctionDef, cst.ClassDef, cst.Lambda)
_LOOPS = (cst.For, cst.While)


@dataclass(eq=False)
class Loop:
    node: cst.While
    scope: Scope
    exits: list[tuple[cst.CSTNode, str]] = field(default_factory=list)
    yields: bool = False
    awaits: bool = False
    catches_interrupt: bool = False
    caught_by: str | None = None  # an enclosing ``except X`` that ends the loop by exception

    @property
    def where(self) -> str:
        return self.scope.function_scope().qualname or "<module>"


class LoopAnalysis:
    def __init__(self, index: ModuleIndex) -> None:
        self.index = index
        self.loops: list[Loop] = []
        for node in index.whiles:
            if is_true(node.test):
                loop = Loop(node, index.scope_of[node])
                self._scan(loop, node.body, depth=0)
                loop.caught_by = self._enclosing_handler(node)
                self.loops.append(loop)

    def _scan(self, loop: Loop, node: cst.CSTNode, depth: int) -> None:
        for child in iter_children(node):
            if isinstance(child, _NESTED_SCOPES):
                continue
            if isinstance(child, cst.Break) and depth == 0:
                loop.exits.append((child, "break"))
            elif isinstance(child, cst.Return):
                loop.exits.append((child, "return"))
            elif isinstance(child, cst.Raise):
                if not self._caught_inside(child, loop.node):
                    loop.exits.append((child, "raise"))
            elif isinstance(child, (cst.Yield,)):
                loop.yields = True
            elif isinstance(child, cst.Await):
                loop.awaits = True
            elif isinstance(child, cst.Call):
                if self.index.qualified_name(child.func) in _PROCESS_EXITS:
                    loop.exits.append((child, "exits the process"))
            elif isinstance(child, cst.ExceptHandler) and _catches_interrupt(child):
                loop.catches_interrupt = True
            if isinstance(child, _LOOPS):
                # A nested loop's break ends only that loop; its else clause is ours.
                self._scan(loop, child.body, depth + 1)
                if child.orelse is not None:
                    self._scan(loop, child.orelse, depth)
                self._scan_header(loop, child)
                continue
            self._scan(loop, child, depth)

    def _scan_header(self, loop: Loop, node: cst.For | cst.While) -> None:
        header = node.iter if isinstance(node, cst.For) else node.test
        self._scan(loop, header, 0)

    def _caught_inside(self, raise_: cst.Raise, loop: cst.CSTNode) -> bool:
        """``raise X`` inside a ``try`` of the same loop that catches X does not end the loop."""
        raised = raise_.exc
        if isinstance(raised, cst.Call):
            raised = raised.func
        name = raised.attr.value if isinstance(raised, cst.Attribute) else getattr(raised, "value", None)
        child: cst.CSTNode = raise_
        for ancestor in self.index.ancestors(raise_):
            if ancestor is loop:
                return False
            if isinstance(ancestor, cst.Try) and child is ancestor.body:
                for handler in ancestor.handlers:
                    caught = _handler_names(handler)
                    if caught is None or (name is not None and (name in caught or caught & _CATCH_ALL)):
                        return True
            child = ancestor
        return False

    def _enclosing_handler(self, node: cst.CSTNode) -> str | None:
        """The exception an enclosing ``try`` of the same function catches, if any."""
        child = node
        for ancestor in self.index.ancestors(node):
            if isinstance(ancestor, _NESTED_SCOPES):
                return None
            if isinstance(ancestor, cst.Try) and child is ancestor.body and ancestor.handlers:
                handler = ancestor.handlers[0]
                return self.index.module.code_for_node(handler.type) if handler.type else "any exception"
            child = ancestor
        return None


def _catches_interrupt(handler: cst.ExceptHandler) -> bool:
    kind = handler.type
    if kind is None:
        return True
    names = [el.value for el in kind.elements] if isinstance(kind, cst.Tuple) else [kind]
    for name in names:
        text = name.attr.value if isinstance(name, cst.Attribute) else getattr(name, "value", "")
        if text in ("KeyboardInterrupt", "BaseException", "SystemExit"):
            return True
    return False


_CATCH_ALL = frozenset({"Exception", "BaseException"})


def _handler_names(handler: cst.ExceptHandler) -> set[str] | None:
    """The names an ``except`` clause catches; None for a bare ``except:``."""
    kind = handler.type
    if kind is None:
        return None
    items = [el.value for el in kind.elements] if isinstance(kind, cst.Tuple) else [kind]
    return {
        item.attr.value if isinstance(item, cst.Attribute) else getattr(item, "value", "") for item in items
    }
