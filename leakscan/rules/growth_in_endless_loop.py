"""LK302 growth-in-endless-loop."""

from __future__ import annotations

import libcst as cst

from leakscan.analyses.containers import Container, ContainerAnalysis
from leakscan.analyses.index import ModuleIndex
from leakscan.analyses.loops import Loop, LoopAnalysis
from leakscan.findings import Level
from leakscan.rule import FileContext, Invalid, Rule, Valid


class GrowthInEndlessLoop(Rule):
    """
    ## What it does
    Flags a container, even a local one, that grows on the passes of an endless
    `while True` loop (one with no break, return or raise) and is never emptied, trimmed or
    re-created inside that loop.

    ## Why is this bad?
    A local variable dies with its function, but the function of an endless loop never
    returns: its locals live as long as the thread. A list that collects every event,
    row or message a worker sees is the same leak as a global one.

    Not flagged: a container re-created on each pass (`batch = []` inside the loop), or
    emptied (`batch.clear()`, `del batch[:]`, `pop`) or trimmed inside the loop. A loop
    that an enclosing `except` ends (a dropped connection) is not endless, but one that
    only Ctrl-C ends (`except KeyboardInterrupt:` around a daemon's main loop) is: it
    grows for as long as the process runs.

    ## Example
    ```python
    def consume(queue):
        seen = []
        while True:
            event = queue.get()
            seen.append(event.id)
            handle(event)
    ```

    ## Use instead
    ```python
    def consume(queue):
        seen = collections.deque(maxlen=1000)
        while True:
            event = queue.get()
            seen.append(event.id)
            handle(event)
    ```

    ## References
    - [`collections.deque`](https://docs.python.org/3/library/collections.html#collections.deque)
    """

    id = "LK302"
    name = "growth-in-endless-loop"
    family = "containers"
    severity = Level.HIGH
    message = "container grows on every pass of an endless loop"

    VALID = [
        Valid(
            """
            def flush_forever(queue, sink):
                batch = []
                while True:
                    batch.append(queue.get())
                    if len(batch) >= 100:
                        sink.write(batch)
                        batch = []
            """
        ),
        Valid(
            """
            def poll(client):
                while True:
                    rows = []
                    for row in client.fetch():
                        rows.append(row)
                    client.store(rows)
            """
        ),
    ]
    INVALID = [
        Invalid(
            """
            def consume(queue):
                seen = []
                while True:
                    event = queue.get()
                    seen.append(event)
            """,
            line=2,
        ),
        Invalid(
            """
            import threading

            def watch(sensor):
                readings = {}
                while True:
                    value = sensor.read()
                    readings[value.time] = value

            threading.Thread(target=watch, args=(None,), daemon=True).start()
            """,
            line=4,
        ),
        Invalid(
            """
            import time

            def main():
                history = []
                try:
                    while True:  # runs until Ctrl-C: days, for a daemon
                        history.append(poll())
                        time.sleep(1)
                except KeyboardInterrupt:
                    pass
            """,
            line=4,
        ),
    ]

    def check(self, ctx: FileContext) -> None:
        analysis = ctx.analysis(ContainerAnalysis)
        for loop in ctx.analysis(LoopAnalysis).loops:
            if (
                loop.exits
                or loop.yields
                or (loop.caught_by is not None and loop.caught_by != "KeyboardInterrupt")
            ):
                continue  # Ctrl-C ends the process, not the loop's growth before it
            function = loop.scope.function_scope()
            candidates = (
                [c for c in analysis.containers if c.lifetime == "module"]
                if function.kind == "module"
                else analysis.locals_in(function)
            )
            for container in candidates:
                self._decide(ctx, loop, container)

    def _decide(self, ctx: FileContext, loop: Loop, container: Container) -> None:
        index = ctx.index
        inside = [s for s in container.sites if _within(index, s.node, loop.node)]
        growth = [s for s in inside if s.kind == "grow"]
        if not growth or container.bounded is not None:
            return
        symbol = container.symbol
        kind = f"{container.kind} in an endless loop"
        if _within(index, container.target, loop.node):
            ctx.safe(
                self,
                container.target,
                symbol=symbol,
                kind=kind,
                verdict="recreated-each-pass",
                detail="re-created on every pass of the loop",
            )
            return
        shrink = next((s for s in inside if s.kind in ("shrink", "reset")), None)
        if shrink is not None:
            ctx.safe(
                self,
                container.target,
                symbol=symbol,
                kind=kind,
                verdict="emptied-in-loop",
                detail=f"emptied inside the loop ({shrink.how})",
            )
            return
        where = loop.where
        ctx.report(
            self,
            container.target,
            symbol=symbol,
            message=f"{container.kind} `{container.name}` grows on every pass of the endless loop in "
            f"{where} and is never emptied",
            confidence=Level.HIGH,
            suggestion="re-create or clear it on each pass, or bound it (deque(maxlen=N))",
            related=[(loop.node, "the endless loop")]
            + [(s.node, f"grows here ({s.how})") for s in growth[:3]],
            kind=kind,
        )


def _within(index: ModuleIndex, node: cst.CSTNode, ancestor: cst.CSTNode) -> bool:
    return node is ancestor or any(a is ancestor for a in index.ancestors(node))
