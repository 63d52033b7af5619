"""LK501 mutable-default-accumulator."""

from __future__ import annotations

import libcst as cst

from leakscan.analyses.containers import GROW_METHODS, SHRINK_METHODS, constructor_of
from leakscan.analyses.exprs import all_params, is_literal, subscript_key
from leakscan.analyses.finite_types import generated_class
from leakscan.analyses.index import ModuleIndex, Scope
from leakscan.analyses.key_checks import collection
from leakscan.analyses.key_domain import KeyDomains
from leakscan.findings import Level
from leakscan.rule import FileContext, Invalid, Rule, Valid


class MutableDefaultAccumulator(Rule):
    """
    ## What it does
    Flags a mutable default argument (`[]`, `{}`, `set()`, ...) that the function grows:
    `seen.append(x)`, `cache[k] = v`, `items += [x]`.

    ## Why is this bad?
    A default value is created once, when the `def` runs, and shared by every call that
    does not pass the argument. Whatever the function adds stays there: the default
    becomes a hidden module-level container that grows with every call, for the life of
    the process (and leaks data between callers).

    A default that is only read, or rebound before it is changed (`items = items + [x]`,
    `items = list(items)`), is fine.

    ## Example
    ```python
    def remember(event, seen=[]):
        seen.append(event)
        return len(seen)
    ```

    ## Use instead
    ```python
    def remember(event, seen=None):
        if seen is None:
            seen = []
        seen.append(event)
        return len(seen)
    ```

    ## References
    - [Python FAQ: why are default values shared between objects?](https://docs.python.org/3/faq/programming.html#why-are-default-values-shared-between-objects)
    """

    id = "LK501"
    name = "mutable-default-accumulator"
    family = "containers"
    severity = Level.MEDIUM
    message = "mutable default argument grows across calls"

    VALID = [
        Valid(
            """
            import time

            def claims_for(user_id, claims={}):
                claims["sub"] = user_id  # three fixed keys: the shared dict never grows
                claims["iat"] = int(time.time())
                claims.update({"iss": "gateway"})
                return dict(claims)
            """
        ),
        Valid(
            """
            import logging
            from dataclasses import dataclass

            @dataclass
            class Job:
                name: str

            JOBS = [Job("vacuum"), Job("rotate-exports")]

            def job_logger(job: Job, _loggers={}):
                # Jobs are made at import time: one logger each
                if job.name not in _loggers:
                    _loggers[job.name] = logging.getLogger(f"jobs.{job.name}")
                return _loggers[job.name]
            """
        ),
        Valid(
            """
            def render(rows, columns=[]):
                return [[row.get(c) for c in columns] for row in rows]

            def extend(chain, extra=[]):
                extra = extra + [chain]
                return extra

            def collect(item, bucket=None):
                if bucket is None:
                    bucket = []
                bucket.append(item)
                return bucket
            """
        ),
        Valid(
            """
            import sys

            class BaseProxy:
                pass

            def make_proxy_type(name, exposed, _cache={}):
                exposed = tuple(exposed)
                if (name, exposed) in _cache:
                    return _cache[(name, exposed)]
                proxy = type(name, (BaseProxy,), {})  # a class per kind of proxied object
                _cache[(name, exposed)] = proxy
                return proxy

            def safe_import(path, forceload=0, cache={}):
                if forceload and path in sys.modules:
                    for key in [path] + [m for m in sys.modules if m.startswith(path + ".")]:
                        cache[key] = sys.modules[key]  # keep the old module alive: one per module
                return __import__(path)
            """
        ),
        Valid(
            """
            import json
            import struct

            DEFAULT_STYLES = {"font": "Inter", "size": "10pt"}

            def encode_frame(obj, buf=bytearray()):
                buf.clear()  # a scratch buffer, emptied on every call
                payload = json.dumps(obj).encode()
                buf += struct.pack(">I", len(payload))
                buf += payload
                return bytes(buf)

            def render(rows, styles={}):
                styles.update(DEFAULT_STYLES)  # the same keys every time
                return styles["font"]
            """
        ),
        Valid(
            """
            import statistics

            def smooth(value, history=[]):
                history.append(value)
                if len(history) > 5:
                    history.pop(0)  # trimmed as it goes: five values at most
                return statistics.fmean(history)
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            def remember(event, seen=[]):
                seen.append(event)
                return len(seen)
            """,
            line=1,
        ),
        Invalid(
            """
            def cached(key, compute, _memo={}):
                if key not in _memo:
                    _memo[key] = compute(key)
                return _memo[key]
            """,
            line=1,
        ),
    ]

    def check(self, ctx: FileContext) -> None:
        index = ctx.index
        for scope in index.scopes:
            if scope.kind != "function":
                continue
            node = scope.node
            assert isinstance(node, cst.FunctionDef)
            for param in all_params(node):
                if param.default is None:
                    continue
                built = constructor_of(param.default, index)
                if built is None:
                    continue
                name = param.name.value
                symbol = f"{scope.qualname}({name}=...)"
                growth, rebound = _uses(index, scope, name, keyed=built[1] == "mapping")
                if rebound or not growth:
                    why = "rebound, emptied or trimmed by the function" if rebound else "only read"
                    ctx.safe(
                        self,
                        param.default,
                        symbol=symbol,
                        kind=f"{built[0]} default",
                        verdict="rebound" if rebound else "never-grows",
                        detail=why,
                    )
                    continue
                if built[1] == "mapping" and all(_fixed_key(index, site) for site in growth):
                    ctx.safe(
                        self,
                        param.default,
                        symbol=symbol,
                        kind=f"{built[0]} default",
                        verdict="literal-keys",
                        detail="written only under keys spelled in the source, so its size is fixed",
                    )
                    continue
                # A nested function's defaults are re-created each time the outer one runs.
                nested = scope.parent is not None and scope.parent.kind == "function"
                message = f"default `{name}` of {scope.qualname}() is created once and grows on every call"
                if nested:
                    message += " (re-created with each call of the enclosing function)"
                domains = ctx.analysis(KeyDomains)
                program_keys = built[1] == "mapping" and all(
                    _fixed_key(index, site)
                    or domains.program_bounded(_key_of(index, site))
                    or generated_class(index, _stored(index, site), scope)
                    for site in growth
                )
                if program_keys:  # a memo per registered job, per class: one entry each
                    message += " (its keys come from the program itself, so there are finitely many)"
                ctx.report(
                    self,
                    param.default,
                    symbol=symbol,
                    message=message,
                    confidence=Level.LOW if nested or program_keys else Level.HIGH,
                    suggestion=f"default to None and create the {built[0]} inside the function",
                    related=[(site, "grows here") for site in growth[:3]],
                    kind=f"{built[0]} default",
                )


def _uses(index: ModuleIndex, scope: Scope, name: str, *, keyed: bool) -> tuple[list[cst.CSTNode], bool]:
    growth: list[cst.CSTNode] = []
    for use in index.names.get(name, ()):
        if index.scope(use).function_scope() is not scope:
            continue
        parent = index.parent(use)
        if isinstance(parent, cst.AssignTarget) and parent.target is use:
            return growth, True
        if isinstance(parent, cst.AugAssign) and parent.target is use:
            if isinstance(parent.operator, (cst.AddAssign, cst.BitOrAssign)):
                growth.append(parent)
            continue
        if isinstance(parent, cst.Attribute) and parent.value is use and parent.attr.value in SHRINK_METHODS:
            return growth, True  # ``buf.clear()``, ``history.pop(0)``: emptied or trimmed as it goes
        if (
            isinstance(parent, cst.Subscript)
            and parent.value is use
            and isinstance(index.parent(parent), cst.Del)
        ):
            return growth, True  # ``del history[:-5]``
        if isinstance(parent, cst.Attribute) and parent.value is use and parent.attr.value in GROW_METHODS:
            call = index.parent(parent)
            if isinstance(call, cst.Call) and call.func is parent:
                growth.append(call)
            continue
        if keyed and isinstance(parent, cst.Subscript) and parent.value is use:
            holder = index.parent(parent)
            if isinstance(holder, cst.AssignTarget) and holder.target is parent:
                growth.append(parent)
    return growth, False


def _stored(index: ModuleIndex, site: cst.CSTNode) -> cst.BaseExpression | None:
    """The value ``memo[key] = value`` stores."""
    holder = index.parent(site)
    assign = index.parent(holder) if isinstance(holder, cst.AssignTarget) else None
    return assign.value if isinstance(assign, cst.Assign) else None


def _key_of(index: ModuleIndex, site: cst.CSTNode) -> cst.BaseExpression | None:
    """The key a growth site stores under (``memo[key] = v``, ``seen.add(key)``); None when
    it has none or the value under it grows (``d.setdefault(k, []).append(v)``)."""
    if isinstance(site, cst.Subscript):
        return subscript_key(site)
    if (
        isinstance(site, cst.Call)
        and isinstance(site.func, cst.Attribute)
        and site.func.attr.value in ("add", "setdefault")
        and site.args
        and not isinstance(index.parent(site), cst.Attribute)
    ):
        return site.args[0].value
    return None


def _fixed_key(index: ModuleIndex, site: cst.CSTNode) -> bool:
    """``claims["sub"] = ...``, ``table.update({0x2018: "'"})``, ``opts.update(a=1)``: the
    keys are in the source; the value under the key is replaced, not grown."""
    if isinstance(site, cst.Subscript):
        key = subscript_key(site)
        return key is not None and is_literal(key)
    if not (isinstance(site, cst.Call) and isinstance(site.func, cst.Attribute)):
        return False
    method = site.func.attr.value
    if isinstance(index.parent(site), cst.Attribute):
        return False  # ``d.setdefault("k", []).append(v)``: the value grows
    if method == "update":
        return bool(site.args) and all(
            arg.keyword is not None
            or collection(arg.value)  # ``styles.update(DEFAULT_STYLES)``, ``{"a": 1}``
            for arg in site.args
        )
    if method in ("add", "setdefault") and site.args:
        return is_literal(site.args[0].value)
    return False
