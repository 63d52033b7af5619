"""When does code run: once at import, once per object in ``__init__``, or at run time?

Growth that happens only at import time (module body, class body, functions called
only from there, registration decorators) or only while an object is constructed is
bounded by the program text, not by traffic.  Everything else is run time.
"""

from __future__ import annotations

from typing import Literal

import libcst as cst

from leakscan.analyses.exprs import dotted
from leakscan.analyses.index import ModuleIndex, Scope

Phase = Literal["import", "init", "runtime"]

INIT_METHODS = frozenset({"__init__", "__post_init__", "__new__", "__init_subclass__", "__set_name__"})


class Phases:
    def __init__(self, index: ModuleIndex) -> None:
        self.index = index
        self._memo: dict[Scope, Phase] = {}
        self._made: dict[str, bool] = {}
        self._text: str | None = None

    def of(self, scope: Scope) -> Phase:
        found = self._memo.get(scope)
        if found is None:
            self._memo[scope] = "runtime"  # cycle guard: a recursive helper is run time
            found = self._compute(scope)
            self._memo[scope] = found
        return found

    def never_runs(self, scope: Scope) -> bool:
        """A private module function nothing refers to: no call, no reference, no decorator
        (which may register it), its name in no string (``getattr(mod, "_trim")``,
        ``__all__``).  Code there runs only if another module reaches for a private name."""
        node = scope.node
        if not (
            scope.kind == "function"
            and scope.parent is self.index.root
            and isinstance(node, cst.FunctionDef)
            and scope.name.startswith("_")
            and not scope.name.startswith("__")
            and not node.decorators
        ):
            return False
        if self._module_refs(scope.name) or self.index.attributes.get(scope.name):
            return False
        return scope.name not in self._strings()

    def _strings(self) -> str:
        if self._text is None:
            self._text = "\n".join(s.value for s in self.index.parents if isinstance(s, cst.SimpleString))
        return self._text

    def _compute(self, scope: Scope) -> Phase:
        if scope.kind in ("module", "class"):
            return "import"
        if scope.kind == "comprehension":
            return self.of(scope.parent) if scope.parent is not None else "import"
        if scope.kind == "lambda":
            return "runtime"
        owner = scope.class_scope
        if owner is not None and scope.name in INIT_METHODS:
            # Objects all made at import are built at import: ``REGISTRY.append(self)``.
            return "import" if self.made_at_import(owner.name) else "init"
        callers = self._callers(scope)
        if not callers:
            return "runtime"
        phases = {self.of(caller) if caller is not None else "runtime" for caller in callers}
        if phases == {"import"}:
            return "import"
        if owner is not None and phases <= {"import", "init"}:
            return "init"
        return "runtime"

    def made_at_import(self, name: str, depth: int = 0) -> bool:
        """A class of this module whose objects are all made at import time: ``JOBS =
        [Job(...)]``, ``register_metric("up")`` at module level, a registration decorator
        (subclasses included).  Finitely many objects.  Any other use of the class (a call
        at run time, passed as a factory) may make more."""
        found = self._made.get(name)
        if found is not None:
            return found
        self._made[name] = False  # cycle guard
        self._made[name] = found = name in self.index.classes and depth < 5 and self._made_here(name, depth)
        return found

    def _made_here(self, name: str, depth: int) -> bool:
        made = False
        for use in self.index.names.get(name, ()):
            parent = self.index.parent(use)
            if isinstance(parent, cst.ClassDef) or any(
                isinstance(a, cst.Annotation) for a in self.index.ancestors(use)
            ):
                continue
            if isinstance(parent, cst.Call) and parent.func is use:
                if self.of(self.index.scope(use)) != "import":
                    return False
                made = True
                continue
            holder = self.index.parent(parent) if isinstance(parent, cst.Arg) else None
            if isinstance(holder, cst.ClassDef) and parent in holder.bases:
                # A subclass: its objects run this class's __init__ too.
                if not self.made_at_import(holder.name.value, depth + 1):
                    return False
                continue
            if not (isinstance(holder, cst.Call) and dotted(holder.func) in ("isinstance", "issubclass")):
                return False
        return made

    def _callers(self, scope: Scope) -> list[Scope | None]:
        """Scopes that call ``scope``; None stands for a use we cannot follow."""
        parent = scope.parent
        if parent is None:
            return [None]
        if parent.kind == "module":
            return [self._module_caller(ref) for ref in self._module_refs(scope.name)]
        if parent.kind == "class":
            return self._method_callers(scope, parent)
        # A closure returned by a decorator factory (``@register("x")``) runs when it
        # decorates, at import.  The wrapper a decorator returns does not: it replaces the
        # decorated function and runs when that is called.  Any other closure may be handed
        # around as a callback.
        if self.of(parent) == "import" and self._returned_by(scope, parent) and self._factory(parent):
            return [parent]
        return [None]

    def _returned_by(self, scope: Scope, parent: Scope) -> bool:
        for ref in self.index.names.get(scope.name, ()):
            holder = self.index.parent(ref)
            if isinstance(holder, cst.Return) and self.index.scope(holder).function_scope() is parent:
                return True
        return False

    def _factory(self, scope: Scope) -> bool:
        """``scope`` is called in a decorator line (``@register("x")``): what it returns is
        applied to the decorated function at once."""
        if scope.parent is not self.index.root:
            return False
        for ref in self._module_refs(scope.name):
            call = self.index.parent(ref)
            if (
                isinstance(call, cst.Call)
                and call.func is ref
                and isinstance(self.index.parent(call), cst.Decorator)
            ):
                return True
        return False

    def _module_refs(self, name: str) -> list[cst.Name]:
        refs = []
        for ref in self.index.names.get(name, ()):
            parent = self.index.parent(ref)
            if isinstance(parent, (cst.FunctionDef, cst.ClassDef, cst.Param)) and parent.name is ref:
                continue  # ``def dag(...)``, and ``def run(self, dag: Dag)`` shadowing it
            if isinstance(parent, (cst.AnnAssign, cst.AssignTarget)) and parent.target is ref:
                continue  # ``dag: Dag`` in a dataclass body binds a field, it calls nothing
            if isinstance(parent, cst.Arg) and parent.keyword is ref:
                continue
            if self.index.scope(ref).resolves_to_module(name):
                refs.append(ref)
        return refs

    def _module_caller(self, ref: cst.Name) -> Scope | None:
        parent = self.index.parent(ref)
        if isinstance(parent, cst.Del) or (
            isinstance(parent, cst.Element)
            and isinstance(self.index.parent(self.index.parent(parent) or parent), cst.Del)
        ):
            return self.index.root  # ``del helper`` at import time calls nothing
        if isinstance(parent, cst.Decorator):
            # A registration decorator runs when the decorated definition executes.
            return self.index.scope(parent)
        if isinstance(parent, cst.Call) and parent.func is ref:
            if under_main_guard(self.index, parent):
                return None  # the program's run, not its import: ``if __name__ == "__main__": main()``
            return self.index.scope(parent)
        return None

    def _method_callers(self, scope: Scope, owner: Scope) -> list[Scope | None]:
        callers: list[Scope | None] = []
        for ref in self.index.attributes.get(scope.name, ()):
            base = ref.value
            caller = self.index.scope(ref).function_scope()
            if not (isinstance(base, cst.Name) and caller.class_scope is owner):
                callers.append(None)
                continue
            if base.value != caller.self_name:
                callers.append(None)
                continue
            parent = self.index.parent(ref)
            callers.append(caller if isinstance(parent, cst.Call) and parent.func is ref else None)
        return callers


def under_main_guard(index: ModuleIndex, node: cst.CSTNode) -> bool:
    """``node`` sits under ``if __name__ == "__main__":``."""
    for ancestor in index.ancestors(node):
        if isinstance(ancestor, cst.If):
            test = index.module.code_for_node(ancestor.test)
            if "__name__" in test and "__main__" in test:
                return True
    return False
