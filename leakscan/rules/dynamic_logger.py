"""LK502 dynamic-logger."""

from __future__ import annotations

import libcst as cst

from leakscan.analyses.exprs import is_literal
from leakscan.analyses.index import ModuleIndex
from leakscan.analyses.key_domain import KeyDomains
from leakscan.analyses.lifetime import in_program_main, made_once
from leakscan.analyses.names import component_name, data_named
from leakscan.analyses.phases import Phases
from leakscan.findings import Level
from leakscan.rule import FileContext, Invalid, Rule, Valid

_STATIC_ATTRIBUTES = frozenset({"__name__", "__qualname__", "__module__"})
_STATIC_NAMES = frozenset({"__name__", "__qualname__", "__module__", "__package__", "__spec__"})


class DynamicLogger(Rule):
    """
    ## What it does
    Flags `logging.getLogger(name)` called at run time with a name built from per-call
    data: an f-string with a request or user id, a concatenation with a variable. A
    `logger.getChild(suffix)` registers `parent.suffix` the same way.

    ## Why is this bad?
    The logging module keeps every logger it ever created in a global registry
    (`logging.Logger.manager.loggerDict`) and never frees one. A logger named per request,
    per user or per message adds an entry for each new name, for the life of the process.

    Names from the code itself are fine: `__name__`, `__name__ + ".access"`, a class name
    (`type(self).__name__`), string constants. A name passed through unchanged
    (`getLogger(name)`) usually comes from configuration and is reported with low
    confidence, unless it is named for a request's data (`getChild(g.request_id)`).

    A logger the program's main code makes once per run (in `main()`, outside any loop)
    is fine: it adds one name. So are loggers made in `__init__` of a class the program
    builds once (one logger per configured job).

    ## Example
    ```python
    def handle(request):
        log = logging.getLogger(f"request.{request.id}")
        log.info("handling")
    ```

    ## Use instead
    ```python
    log = logging.getLogger(__name__)

    def handle(request):
        log.info("handling", extra={"request_id": request.id})
    ```
    or a `logging.LoggerAdapter` that adds the id to each record.

    ## References
    - [`logging.getLogger`](https://docs.python.org/3/library/logging.html#logging.getLogger)
    - [`logging.LoggerAdapter`](https://docs.python.org/3/library/logging.html#loggeradapter-objects)
    """

    id = "LK502"
    name = "dynamic-logger"
    family = "containers"
    severity = Level.MEDIUM
    message = "logger name built from per-call data; loggers are never freed"

    VALID = [
        Valid(
            """
            import logging

            log = logging.getLogger(__name__)
            access = logging.getLogger(__name__ + ".access")

            class Worker:
                def __init__(self):
                    self.log = logging.getLogger(type(self).__name__)

                def audit(self):
                    return logging.getLogger(f"{__name__}.audit")
            """
        ),
        Valid(
            """
            import logging

            def plugin_logger(cls: type):
                # one logger per plugin class: the classes are in the code
                return logging.getLogger(f"{__name__}.{cls.plugin_name}")
            """
        ),
        Valid(
            """
            import logging

            def execute(task, args):
                # one logger per task: tasks are components the program registers
                log = logging.getLogger(f"tasks.{task.name}")
                log.info("running with %s", args)
            """
        ),
        Valid(
            """
            import logging
            import os
            import sys

            def main(argv):
                root = argv[1]
                run_log = logging.getLogger(f"sync.{os.path.basename(root)}")  # once per run
                run_log.info("watching %s", root)

            if __name__ == "__main__":
                main(sys.argv)
            """
        ),
        Valid(
            """
            import json
            import logging

            class JobRunner:
                def __init__(self, path):
                    with open(path) as fh:
                        self.jobs = json.load(fh)
                    # one logger per configured job, while the only runner is built
                    self.loggers = {name: logging.getLogger(f"runner.job.{name}") for name in self.jobs}

            def main():
                runner = JobRunner("jobs.json")
                runner.serve_forever()
            """
        ),
        Valid(
            """
            import logging

            PLUGINS = {}

            def plugin(name):
                def deco(cls):
                    # runs at import, once per decorated class
                    cls.log = logging.getLogger(f"assistant.plugins.{name}")
                    PLUGINS[name] = cls
                    return cls
                return deco

            @plugin("weather")
            class Weather:
                pass
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import logging

            def handle(request):
                log = logging.getLogger(f"request.{request.id}")
                log.info("handling")
            """,
            line=4,
        ),
        Invalid(
            """
            from logging import getLogger

            class Bot:
                def on_message(self, message):
                    getLogger("user." + str(message.author_id)).info(message.text)
            """,
            line=5,
        ),
        Invalid(
            """
            import logging

            def on_message(message):
                logging.getLogger(f"bot.user.{message.author.name}").info(message.text)
            """,
            line=4,
        ),
        Invalid(
            """
            import logging

            async def execute(ctx, document):
                name = ctx.operation_name or "anonymous"  # chosen by each client
                logging.getLogger(f"graphql.op.{name}").info("executing")
            """,
            line=5,
        ),
        Invalid(
            """
            import logging

            def main(paths):
                for path in paths:
                    logging.getLogger(f"sync.{path}").info("syncing")  # one per path, in a loop
            """,
            line=5,
        ),
        Invalid(
            """
            import logging
            import uuid

            from flask import g, request

            log = logging.getLogger(__name__)

            def load_request():
                g.request_id = request.headers.get("X-Request-Id") or uuid.uuid4().hex
                g.rlog = log.getChild(g.request_id)  # registers "<module>.<request id>"
            """,
            line=10,
        ),
    ]

    def check(self, ctx: FileContext) -> None:
        index = ctx.index
        for call in index.calls:
            # ``log.getChild(request_id)`` registers a logger too, as ``parent.request_id``.
            child = isinstance(call.func, cst.Attribute) and call.func.attr.value == "getChild"
            if index.qualified_name(call.func) != "logging.getLogger" and not child:
                continue
            called = "getChild()" if child else "getLogger()"
            scope = index.scope(call).function_scope()
            symbol = scope.qualname or "<module>"
            argument = call.args[0].value if call.args else None
            if argument is None or _static(argument, index):
                ctx.safe(
                    self,
                    call,
                    symbol=symbol,
                    kind=called,
                    verdict="static-name",
                    detail="the name comes from the code, not from data",
                )
                continue
            once = in_program_main(index, call) and not any(
                isinstance(a, (cst.For, cst.While, cst.CompFor)) for a in index.ancestors(call)
            )
            # ``self.job_loggers = {n: getLogger(f"runner.{n}") for n in self.jobs}`` while
            # the program's one runner is built: one logger per configured job.
            owner = scope.class_scope
            at_start = owner is not None and scope.name == "__init__" and made_once(index, owner.name)
            # ``def deco(cls): cls.log = getLogger(f"plugins.{name}")`` of ``@plugin("x")``:
            # a registration decorator runs at import, once per decorated class.
            at_import = ctx.analysis(Phases).of(scope) == "import"  # module level included
            if at_import or once or at_start:
                ctx.safe(
                    self,
                    call,
                    symbol=symbol,
                    kind=called,
                    verdict="at-import" if at_import else "once-per-run",
                    detail="created once, at import time"
                    if at_import
                    else "created once per run, by the program's main code"
                    if once
                    else "created while the program's only object of its class is built",
                )
                continue
            message = (
                f"{called} in {symbol}() builds its name from run-time data; "
                "each new name stays in logging's registry forever"
            )
            confidence = _confidence(argument, scope.params)
            if ctx.analysis(KeyDomains).program_bounded(argument):
                # ``f"{__name__}.{cls.plugin_name}"``, ``job.name`` of a registered job.
                message += " (its parts come from the program itself, so there are finitely many names)"
                confidence = Level.LOW
            elif _named_after_components(argument, index):
                message += " (named after components, `plugin.name`: one logger per component)"
                confidence = Level.LOW
            ctx.report(
                self,
                call,
                symbol=symbol,
                message=message,
                confidence=confidence,
                suggestion="use one module logger and put the varying part in the message or `extra`",
                kind=called,
            )


def _static(expr: cst.BaseExpression, index: ModuleIndex, depth: int = 0) -> bool:
    """Built only from constants, module names and class names."""
    if depth > 8:
        return False
    if is_literal(expr):
        return True
    if isinstance(expr, cst.Name):
        if expr.value in _STATIC_NAMES:
            return True
        return (
            expr.value in index.root.bindings
            and index.scope(expr).resolves_to_module(expr.value)
            and (_module_constant(expr.value, index, depth + 1))
        )
    if isinstance(expr, cst.Attribute):
        return expr.attr.value in _STATIC_ATTRIBUTES
    if isinstance(expr, cst.BinaryOperation):
        return _static(expr.left, index, depth + 1) and _static(expr.right, index, depth + 1)
    if isinstance(expr, cst.FormattedString):
        return all(
            _static(part.expression, index, depth + 1)
            for part in expr.parts
            if isinstance(part, cst.FormattedStringExpression)
        )
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Attribute)
        and expr.func.attr.value in ("format", "join")
    ):
        return _static(expr.func.value, index, depth + 1) and all(
            _static(a.value, index, depth + 1) for a in expr.args
        )
    return False


def _named_after_components(expr: cst.BaseExpression, index: ModuleIndex) -> bool:
    """Every run-time part of the name is the ``.name`` of an object (``f"tasks.{t.name}"``,
    ``f"plugins.{self.name}"``): loggers per plugin, job or task, a set the program
    configures.  Ids, addresses and users' names are per-call data."""
    parts = _dynamic_parts(expr, index)
    return bool(parts) and all(
        component_name(part)
        # a local's name says less than where it comes from (``name = ctx.operation_name``),
        # and so do a private function's callers
        and not (isinstance(part, cst.Name) and not _unknown_parameter(part, index))
        for part in parts
    )


def _unknown_parameter(name: cst.Name, index: ModuleIndex) -> bool:
    """A parameter of a function whose callers this module does not show (a public one)."""
    function = index.scope(name).function_scope()
    if name.value not in function.params:
        return False
    private = function.name.startswith("_") and not function.name.startswith("__")
    return not (private and index.calls_to(function.name))


def _dynamic_parts(expr: cst.BaseExpression, index: ModuleIndex) -> list[cst.BaseExpression]:
    """The parts of a name built by an f-string or ``+`` that are not constants."""
    if isinstance(expr, cst.FormattedString):
        found: list[cst.BaseExpression] = []
        for part in expr.parts:
            if isinstance(part, cst.FormattedStringExpression):
                found += _dynamic_parts(part.expression, index)
        return found
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return _dynamic_parts(expr.left, index) + _dynamic_parts(expr.right, index)
    return [] if _static(expr, index) else [expr]


def _module_constant(name: str, index: ModuleIndex, depth: int) -> bool:
    for assign in index.assigns:
        if isinstance(assign, cst.Assign) and index.scope_of[assign].kind == "module":
            for target in assign.targets:
                if isinstance(target.target, cst.Name) and target.target.value == name:
                    return _static(assign.value, index, depth)
    return False


def _confidence(argument: cst.BaseExpression, params: list[str]) -> Level:
    """A name *built* per call (f-string, concatenation, format) is the leak; a name merely
    passed through (``getLogger(name)``) usually comes from configuration."""
    if isinstance(argument, (cst.Name, cst.Attribute, cst.Subscript)):
        # ``getChild(g.request_id)``: passed through, but named for a request's data.
        return Level.MEDIUM if data_named(argument) else Level.LOW
    return Level.HIGH if _uses_parameters(argument, params) else Level.MEDIUM


def _uses_parameters(expr: cst.BaseExpression, params: list[str]) -> bool:
    wanted = set(params) - {"self", "cls"}
    found: list[str] = []

    class _Names(cst.CSTVisitor):
        def visit_Name(self, node: cst.Name) -> None:
            found.append(node.value)

    expr.visit(_Names())
    return bool(wanted & set(found)) or any(name in ("self", "cls") for name in found)
