"""LK301 endless-loop."""

from __future__ import annotations

import libcst as cst

from leakscan.analyses.lifetime import in_program_main
from leakscan.analyses.loops import Loop, LoopAnalysis
from leakscan.findings import Level
from leakscan.rule import FileContext, Invalid, Rule, Valid


class EndlessLoop(Rule):
    """
    ## What it does
    Flags a `while True:` (or `while 1:`) loop that has no reachable way out: no
    `break` of this loop, no `return`, no `raise` and no call that ends the process.

    ## Why is this bad?
    A loop that can never end keeps its thread, its frame and everything they
    reference alive for the life of the process. In a background thread or a
    long-lived object's method it cannot be stopped on shutdown, so it pins its owner
    and whatever the owner holds. A `break` inside a nested loop and a `return` inside
    a nested function do not count as exits.

    Not flagged: generator loops (`yield` hands control to the consumer). Reported with
    low confidence: the program's own main loop (in `main()` or at module level), which
    ends with the process, and `async` loops that `await`, which end when their task is
    cancelled.

    ## Example
    ```python
    def poll(client):
        while True:
            client.refresh()
            time.sleep(5)
    ```

    ## Use instead
    ```python
    def poll(client, stop: threading.Event):
        while not stop.is_set():
            client.refresh()
            stop.wait(5)
    ```

    ## References
    - [`threading.Event`](https://docs.python.org/3/library/threading.html#event-objects)
    """

    id = "LK301"
    name = "endless-loop"
    family = "loops"
    severity = Level.MEDIUM
    message = "`while True` loop has no reachable exit"

    VALID = [
        Valid(
            """
            def read_chunks(stream):
                while True:
                    chunk = stream.read(1024)
                    if not chunk:
                        break
                    handle(chunk)
            """
        ),
        Valid(
            """
            def ticker():
                n = 0
                while True:
                    yield n
                    n += 1
            """
        ),
        Valid(
            """
            def retry(call, attempts):
                tries = 0
                while True:
                    try:
                        return call()
                    except OSError:
                        tries += 1
                        if tries > attempts:
                            raise
            """
        ),
        Valid(
            """
            import sys

            def repl():
                while True:
                    line = input()
                    if line == "quit":
                        sys.exit(0)
            """
        ),
        Valid(
            """
            import asyncio

            class Gateway:
                async def pump(self):
                    while True:
                        await self.forward(await self.upstream.get())

                async def start(self):
                    self._tasks = [asyncio.create_task(self.pump())]

                async def stop(self):
                    for task in self._tasks:
                        task.cancel()
            """
        ),
        Valid(
            """
            import asyncio

            class Crawler:
                async def _worker(self, n):
                    while True:
                        url = await self.queue.get()
                        await self.fetch(url)

                async def start(self):
                    self._workers = [asyncio.create_task(self._worker(i)) for i in range(8)]

                async def stop(self):
                    for task in self._workers:
                        task.cancel()
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            import time

            def poll(client):
                while True:
                    client.refresh()
                    time.sleep(5)
            """,
            line=4,
        ),
        Invalid(
            """
            class Worker:
                def run(self):
                    while True:
                        for job in self.jobs():
                            if job is None:
                                break
                        def stop():
                            return
            """,
            line=3,
        ),
    ]

    def check(self, ctx: FileContext) -> None:
        for loop in ctx.analysis(LoopAnalysis).loops:
            self.decide(ctx, loop)

    def decide(self, ctx: FileContext, loop: Loop) -> None:
        where = loop.where
        kind = "while True"
        if loop.exits:
            _, how = loop.exits[0]
            ctx.safe(
                self, loop.node, symbol=where, kind=kind, verdict=_slug(how), detail=f"loop {_describe(how)}"
            )
            return
        if loop.caught_by is not None:
            ctx.safe(
                self,
                loop.node,
                symbol=where,
                kind=kind,
                verdict="ends-by-exception",
                detail=f"loop ends when {loop.caught_by} is raised and caught around it",
            )
            return
        if loop.yields:
            ctx.safe(
                self,
                loop.node,
                symbol=where,
                kind=kind,
                verdict="generator",
                detail="generator loop: the consumer decides when it ends",
            )
            return
        function = loop.scope.function_scope()
        confidence = Level.MEDIUM
        note = ""
        if in_program_main(ctx.index, loop.node):
            confidence = Level.LOW
            note = "; it looks like the program's main loop, which ends with the process"
        elif function.is_async and loop.awaits:
            task = _task_fate(ctx, function.name)
            if task == "cancelled":
                ctx.safe(
                    self,
                    loop.node,
                    symbol=where,
                    kind=kind,
                    verdict="task-cancelled",
                    detail="async loop whose task is kept and cancelled",
                )
                return
            if task == "unknown":
                confidence = Level.LOW
                note = "; it awaits, so cancelling its task would end it"
            else:
                confidence = Level.MEDIUM
                note = "; its task is started but never cancelled"
        elif function.name == "run" or function.class_scope is not None:
            confidence = Level.HIGH
        if loop.catches_interrupt:
            confidence = Level.LOW
            note = "; it ends only on KeyboardInterrupt"
        ctx.report(
            self,
            loop.node,
            symbol=where,
            message=f"`while True` loop in {where} has no break, return or raise{note}",
            confidence=confidence,
            suggestion="loop on a stop condition (`while not stop.is_set():`) so shutdown can end it",
            kind=kind,
        )


def _slug(how: str) -> str:
    return {"break": "breaks", "return": "returns", "raise": "raises"}.get(how, "exits")


def _describe(how: str) -> str:
    return {"break": "breaks", "return": "returns", "raise": "raises"}.get(how, how)


_SPAWNERS = frozenset({"create_task", "ensure_future", "run_coroutine_threadsafe", "start_soon"})


def _task_fate(ctx: FileContext, coroutine: str) -> str:
    """How the task running ``coroutine`` ends: "cancelled", "never-cancelled" or "unknown"."""
    index = ctx.index
    spawned: list[cst.Call] = []
    for call in index.calls:
        func = call.func
        name = func.attr.value if isinstance(func, cst.Attribute) else getattr(func, "value", "")
        if name not in _SPAWNERS or not call.args:
            continue
        inner = call.args[0].value
        if isinstance(inner, cst.Call):
            target = inner.func
            called = target.attr.value if isinstance(target, cst.Attribute) else getattr(target, "value", "")
            if called == coroutine:
                spawned.append(call)
    if not spawned:
        return "unknown"
    cancelled = {
        ctx.module.code_for_node(call.func.value)
        for call in index.calls
        if isinstance(call.func, cst.Attribute) and call.func.attr.value == "cancel"
    }
    for call in spawned:
        holder = index.parent(call)
        in_collection = False
        while isinstance(holder, (cst.Element, cst.List, cst.Tuple, cst.Set, cst.ListComp, cst.SetComp)):
            holder, in_collection = index.parent(holder), True  # ``self._tasks = [create_task(...)]``
        if in_collection and isinstance(holder, (cst.Assign, cst.Arg)):
            if _cancels_all(ctx):
                return "cancelled"
        elif isinstance(holder, cst.Assign):
            names = {ctx.module.code_for_node(t.target) for t in holder.targets}
            if names & cancelled:
                return "cancelled"
            # Tasks kept in a collection and cancelled in a loop: ``for t in self._tasks: t.cancel()``.
            if any(c not in names for c in cancelled) and _cancels_all(ctx):
                return "cancelled"
        elif isinstance(holder, cst.Arg) and _cancels_all(ctx):
            return "cancelled"
    return "never-cancelled"


def _cancels_all(ctx: FileContext) -> bool:
    """``for task in tasks: task.cancel()`` somewhere in the module."""
    for call in ctx.index.calls:
        func = call.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "cancel"
            and isinstance(func.value, cst.Name)
        ):
            for ancestor in ctx.index.ancestors(call):
                if (
                    isinstance(ancestor, cst.For)
                    and isinstance(ancestor.target, cst.Name)
                    and ancestor.target.value == func.value.value
                ):
                    return True
    return False
